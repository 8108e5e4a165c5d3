// `npm run bench`: the SPEC §8 benchmarks, one process each (so one's memory and JIT state never color
// the next), in sequence; then one table of every figure against its floor and target, also written to
// bench/results/summary.json. `npm run bench -- ldap-sync memory` runs only those; the informative
// benchmarks (csv-sync, ldap-read, ldap-id-listing) run only when named. Services: `prebench` installs what is missing
// and starts PostgreSQL and Redis (.ci/prepare-tests.sh); each benchmark starts its own slapd, Graph
// emulator or worker and makes its own database.
//
// A missed target is a result, not a failure: the exit code is non-zero only when a benchmark could
// not run.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describeFigure, RESULTS_DIR, type Figure } from './support.ts';

/** The SPEC §8 targets, in the order of issue #7. */
const TARGETS = ['ldap-sync', 'entra-sync', 'allocate', 'memory', 'resync-latency'];
const INFORMATIVE = ['csv-sync', 'ldap-read', 'ldap-id-listing'];

interface Outcome {
  readonly benchmark: string;
  readonly code: number | null;
  readonly seconds: number;
}

function runOne(benchmark: string): Promise<Outcome> {
  const script = fileURLToPath(new URL(`./${benchmark}.ts`, import.meta.url));
  const started = Date.now();
  console.log(`\n=== ${benchmark} ===`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { stdio: 'inherit' });
    child.once('close', (code) => resolve({ benchmark, code, seconds: Math.round((Date.now() - started) / 1000) }));
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
