// `npm run bench`: the SPEC §8 benchmarks, one process each (so one's memory and JIT state never color
// the next), in sequence; then one table of every figure against its floor and target, also written to
// bench/results/summary.json. `npm run bench -- ldap-sync memory` runs only those; the informative
// benchmarks run only when named. Services: `prebench` installs what is missing and starts PostgreSQL
// and Redis (.ci/prepare-tests.sh); each benchmark starts its own slapd, Graph emulator or worker and
// makes its own databases.
//
// A benchmark is a file bench/<name>.ts that calls `report(name, figures)` (support.ts); to add one,
// put its name in TARGETS or INFORMATIVE (lib/benchmarks.ts). The machine's load average (/proc/loadavg) is recorded
// before and after each, since other work on the machine moves every figure.
//
// A missed target is a result, not a failure: the exit code is non-zero only when a benchmark could
// not run.
import { writeFileSync } from 'node:fs';

import { checkNames, resultOf, runOne, TARGETS, type Outcome } from './lib/benchmarks.ts';
import { describeFigure, RESULTS_DIR } from './support.ts';

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  checkNames(asked);
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
