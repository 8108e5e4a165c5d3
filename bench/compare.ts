// `npm run bench:compare -- BASELINE [benchmark ...]`: every figure before and after a change, measured
// back to back by the same harness. BASELINE is another checkout of seatsync (e.g. `git worktree add
// --detach ../before <commit>` and `npm ci` there). This checkout's bench/ folder is copied into it, so
// both sides are timed by the same code, each running its own `seatsync` and its own src; then for each
// benchmark the baseline and this checkout run one after the other (the order alternating from one
// benchmark to the next), so that the pair shares the machine's state. A table of the medians, with
// the change, is printed and written to bench/results/compare.json.
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { BENCH_DIR, checkNames, resultOf, runOne, TARGETS, type Outcome, type ResultFigure } from './lib/benchmarks.ts';
import { RESULTS_DIR } from './support.ts';

interface Row {
  readonly benchmark: string;
  readonly name: string;
  readonly unit: string;
  readonly before: ResultFigure | null;
  readonly after: ResultFigure | null;
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

function change(row: Row): string {
  if (!row.before || !row.after || row.before.value === 0) return '';
  const percent = ((row.after.value - row.before.value) / row.before.value) * 100;
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(0)}%`;
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

  const outcomes: { side: 'before' | 'after'; outcome: Outcome }[] = [];
  const rows: Row[] = [];
  const benchmarks = asked.length > 0 ? asked : TARGETS;
  for (const [index, benchmark] of benchmarks.entries()) {
    const sides = index % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
    for (const side of sides) {
      const dir = side === 'before' ? baselineBench : BENCH_DIR;
      outcomes.push({ side, outcome: await runOne(benchmark, dir, `${benchmark} (${side})`) });
    }
    const before = resultOf(benchmark, baselineBench);
    const after = resultOf(benchmark, BENCH_DIR);
    for (const name of new Set([...before.map((f) => f.name), ...after.map((f) => f.name)])) {
      const b = before.find((f) => f.name === name) ?? null;
      const a = after.find((f) => f.name === name) ?? null;
      rows.push({ benchmark, name, unit: (a ?? b)?.unit ?? 'ms', before: b, after: a });
    }
  }

  console.log('\n=== before → after ===');
  console.log('| What | Before: median (min–max), ratio | After | Change |\n|---|---:|---:|---:|');
  for (const row of rows) console.log(`| ${row.name.trim()} (${row.unit}) | ${cell(row.before)} | ${cell(row.after)} | ${change(row)} |`);
  for (const { side, outcome } of outcomes) {
    console.log(`${outcome.benchmark} (${side}): exit ${outcome.code}, ${outcome.seconds} s, load ${outcome.load.before} → ${outcome.load.after}`);
  }
  writeFileSync(new URL('compare.json', RESULTS_DIR), `${JSON.stringify({ at: new Date().toISOString(), baseline, outcomes, rows }, null, 2)}\n`);
  if (outcomes.some(({ outcome }) => outcome.code !== 0)) process.exitCode = 1;
}

await main();
