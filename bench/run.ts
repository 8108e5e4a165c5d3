// `npm run bench`: the SPEC §8 benchmarks, one process each (so one's memory and JIT state never color
// the next), in sequence; then one table of every figure against its floor and target, also written to
// bench/results/summary.json. `npm run bench -- ldap-sync memory` runs only those; the informative
// benchmarks run only when named. Services: `prebench` installs what is missing and starts PostgreSQL
// and Redis (.ci/prepare-tests.sh); each benchmark starts its own slapd, Graph emulator or worker and
// makes its own databases.
//
// A benchmark is a file bench/<name>.ts that calls `report(name, figures)` (support.ts); to add one,
// put its name in TARGETS or INFORMATIVE below. The machine's load average (/proc/loadavg) is recorded
// before and after each, since other work on the machine moves every figure.
//
// A missed target is a result, not a failure: the exit code is non-zero only when a benchmark could
// not run.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describeFigure, RESULTS_DIR, type Figure } from './support.ts';

/** The benchmarks with targets, in the order of BENCHMARKS.md's table. */
const TARGETS = ['ldap-sync', 'ldap-incremental', 'entra-sync', 'allocate', 'memory', 'resync-latency'];
const INFORMATIVE = ['csv-sync', 'ldap-read', 'ldap-id-listing', 'startup'];

interface Outcome {
  readonly benchmark: string;
  readonly code: number | null;
  readonly seconds: number;
  /** 1-, 5- and 15-minute load averages before and after. */
  readonly load: { readonly before: string; readonly after: string };
}

const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function runOne(benchmark: string): Promise<Outcome> {
  const script = fileURLToPath(new URL(`./${benchmark}.ts`, import.meta.url));
  const started = Date.now();
  const before = loadAverage();
  console.log(`\n=== ${benchmark} === (load ${before})`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { stdio: 'inherit' });
    child.once('close', (code) => {
      const after = loadAverage();
      console.log(`=== ${benchmark}: exit ${code}, load after ${after}`);
      resolve({ benchmark, code, seconds: Math.round((Date.now() - started) / 1000), load: { before, after } });
    });
  });
}

function resultOf(benchmark: string): (Figure & { met: boolean | null; ratio: number | null })[] {
  const path = new URL(`${benchmark}.json`, RESULTS_DIR);
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { figures: (Figure & { met: boolean | null; ratio: number | null })[] }).figures;
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !TARGETS.includes(name) && !INFORMATIVE.includes(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${[...TARGETS, ...INFORMATIVE].join(', ')}`);
  const outcomes: Outcome[] = [];
  for (const benchmark of asked.length > 0 ? asked : TARGETS) outcomes.push(await runOne(benchmark));

  console.log('\n=== summary ===');
  const summary = [];
  for (const outcome of outcomes) {
    if (outcome.code !== 0) {
      console.log(`${outcome.benchmark}: FAILED to run (exit ${outcome.code}) after ${outcome.seconds} s`);
      continue;
    }
    console.log(`${outcome.benchmark}: ${outcome.seconds} s, load ${outcome.load.before} → ${outcome.load.after}`);
    for (const figure of resultOf(outcome.benchmark)) {
      console.log(`${outcome.benchmark}: ${describeFigure(figure)}`);
      summary.push({ benchmark: outcome.benchmark, ...figure });
    }
  }
  const targets = summary.filter((f) => f.met !== null);
  console.log(`\n${targets.filter((f) => f.met).length} of ${targets.length} targets met.`);
  writeFileSync(new URL('summary.json', RESULTS_DIR), `${JSON.stringify({ at: new Date().toISOString(), outcomes, figures: summary }, null, 2)}\n`);
  if (outcomes.some((o) => o.code !== 0)) process.exitCode = 1;
}

await main();
