// `npm run bench:compare -- BASELINE [benchmark ...]`: every figure before and after a change, measured
// round by round in turn by the same harness. BASELINE is another checkout of seatsync (e.g. `git worktree
// add --detach ../before <commit>` and `npm ci` there). This checkout's bench/ folder is copied into it, so
// both sides are timed by the same code, each running its own `seatsync` and its own src (test/support,
// where the harness's slapd and Graph emulator live, is copied too). For each
// benchmark, the baseline's process and this checkout's run at once and take turns round by round
// (bench/lib/alternate.ts: A1 B1 B2 A2 A3 B3 …, the first side alternating from one benchmark to the
// next), so that a machine whose speed drifts moves both sides alike. A table of each side's median with
// its spread, and of the per-round ratio after ÷ before (its median and spread), is printed and written
// to bench/results/compare.json.
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { alternate, pairedRatios, type Paired, type SideOutcome } from './lib/alternate.ts';
import { BENCH_DIR, checkNames, measured, resultOf, TARGETS, type Measured, type ResultFigure } from './lib/benchmarks.ts';
import { RESULTS_DIR } from './support.ts';

type SideName = 'before' | 'after';

interface Row {
  readonly benchmark: string;
  readonly name: string;
  readonly unit: string;
  readonly before: ResultFigure | null;
  readonly after: ResultFigure | null;
  /** after ÷ before, round by round; null when either side lacks the figure or their rounds differ. */
  readonly paired: Paired | null;
}

interface BenchmarkOutcome extends Measured {
  readonly benchmark: string;
  /** The side that took the first round. */
  readonly first: SideName;
  readonly sides: readonly SideOutcome[];
}

const round = (value: number): string => value.toLocaleString('en-US', { maximumFractionDigits: 0 });

function cell(f: ResultFigure | null): string {
  if (!f) return '—';
  const samples = f.samples ?? [];
  const spread = samples.length > 1 ? ` (${round(Math.min(...samples))}–${round(Math.max(...samples))})` : '';
  const ratio = f.ratio === null ? '' : `, ${f.ratio.toFixed(2)}×`;
  const condition = f.condition ? `; ${f.condition.what}${f.condition.holds ? '' : ' ✗'}` : '';
  return `${round(f.value)}${spread}${ratio}${condition}`;
}

function pairedCell(p: Paired | null): string {
  if (!p) return '—';
  const spread = p.ratios.length > 1 ? ` (${p.min.toFixed(2)}–${p.max.toFixed(2)}, n=${p.ratios.length})` : '';
  return `${p.median.toFixed(2)}×${spread}`;
}

function rowsOf(benchmark: string, baselineBench: string): Row[] {
  const before = resultOf(benchmark, baselineBench);
  const after = resultOf(benchmark, BENCH_DIR);
  return [...new Set([...before.map((f) => f.name), ...after.map((f) => f.name)])].map((name) => {
    const b = before.find((f) => f.name === name) ?? null;
    const a = after.find((f) => f.name === name) ?? null;
    return { benchmark, name, unit: (a ?? b)?.unit ?? 'ms', before: b, after: a, paired: a && b ? pairedRatios(b, a) : null };
  });
}

async function main(): Promise<void> {
  const [baselineArg, ...asked] = process.argv.slice(2);
  if (!baselineArg) throw new Error('usage: npm run bench:compare -- BASELINE_CHECKOUT [benchmark ...]');
  const baseline = resolve(baselineArg);
  if (!existsSync(join(baseline, 'bin', 'seatsync.js')) || !existsSync(join(baseline, 'node_modules'))) {
    throw new Error(`${baseline} is not a seatsync checkout with its dependencies installed (bin/seatsync.js and node_modules/)`);
  }
  checkNames(asked);
  const baselineBench = join(baseline, 'bench');
  rmSync(baselineBench, { recursive: true, force: true });
  cpSync(BENCH_DIR, baselineBench, { recursive: true, filter: (source) => !source.includes(`${BENCH_DIR}results`) });
  // The harness's services (slapd, the Graph emulator, their CA and ports) come from test/support: the
  // same code on both sides too.
  cpSync(join(BENCH_DIR, '..', 'test', 'support'), join(baseline, 'test', 'support'), { recursive: true });
  const dirs: Record<SideName, string> = { before: baselineBench, after: BENCH_DIR };

  const outcomes: BenchmarkOutcome[] = [];
  const rows: Row[] = [];
  const benchmarks = asked.length > 0 ? asked : TARGETS;
  for (const [index, benchmark] of benchmarks.entries()) {
    const order: SideName[] = index % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
    // A side that does not run leaves no stale figures of an earlier compare behind.
    for (const side of order) rmSync(join(dirs[side], 'results', `${benchmark}.json`), { force: true });
    const { result: sides, ...measure } = await measured(`${benchmark}: ${order.join(' and ')}, round by round in turn`, () =>
      alternate(order.map((side) => ({ script: join(dirs[side], `${benchmark}.ts`), label: side }))));
    outcomes.push({ benchmark, first: order[0]!, sides, ...measure });
    rows.push(...rowsOf(benchmark, baselineBench));
  }

  console.log('\n=== before → after, round by round in turn ===');
  console.log('| What | Before: median (min–max), ratio to floor | After | After ÷ before per round: median (min–max) |\n|---|---:|---:|---:|');
  for (const row of rows) console.log(`| ${row.name.trim()} (${row.unit}) | ${cell(row.before)} | ${cell(row.after)} | ${pairedCell(row.paired)} |`);
  for (const { benchmark, first, sides, seconds, load } of outcomes) {
    const exits = sides.map((s) => `${s.label} exit ${s.code} after ${s.turns} turn${s.turns === 1 ? '' : 's'}`).join(', ');
    console.log(`${benchmark} (${first} first): ${exits}; ${seconds} s, load ${load.before} → ${load.after}`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(new URL('compare.json', RESULTS_DIR), `${JSON.stringify({ at: new Date().toISOString(), baseline, outcomes, rows }, null, 2)}\n`);
  if (outcomes.some(({ sides }) => sides.some((s) => s.code !== 0))) process.exitCode = 1;
}

await main();
