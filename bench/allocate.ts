// SPEC §8, allocation: the pure seat decision over 1,000,000 accounts and 10 pools with 5% of them
// waiting (bench/lib/allocation-fixture.ts), the median of BENCH_ROUNDS (default 7), with its spread.
// Target: under 1 s. Floor: one pass over the same accounts counting the seats held per pool, the least
// any allocation has to do (it must look at every account), measured in the same run, alternating.
// Measured in-process: no command runs the allocation alone, and a million-account sync through the
// CLI (bench/memory.ts) includes it.
//
//   node bench/allocate.ts        (BENCH_ACCOUNTS, BENCH_ROUNDS)
import { performance } from 'node:perf_hooks';

import { allocate } from '../src/domain/allocate.ts';
import type { AllocationInput } from '../src/domain/types.ts';
import { steadyAllocationInput } from './lib/allocation-fixture.ts';
import { figureOf, median, report, roundTurn, roundsFromEnv, type Figure } from './support.ts';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1_000_000);
const POOLS = 10;
const ROUNDS = roundsFromEnv(7);

/** The floor: every account visited once, its held pools counted. */
function countHolders(input: AllocationInput): number {
  const index = new Map(input.pools.map((pool, i) => [pool.name, i]));
  const counts = new Array<number>(input.pools.length).fill(0);
  for (const account of input.accounts) {
    if (!account.present || !account.enabled || account.state !== 'active') continue;
    for (const name of account.held) {
      const i = index.get(name);
      if (i !== undefined) counts[i] = (counts[i] ?? 0) + 1;
    }
  }
  return counts.reduce((a, b) => a + b, 0);
}

function timeIt(fn: () => number): { wallMs: number; cpuMs: number; result: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = fn();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000, result };
}

const input = steadyAllocationInput({ accounts: ACCOUNTS, pools: POOLS });
const runs: ReturnType<typeof timeIt>[] = [];
const floors: ReturnType<typeof timeIt>[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
  await roundTurn();
  floors.push(timeIt(() => countHolders(input)));
  runs.push(timeIt(() => allocate(input).changes.length));
}

// Harder shapes of the same world, informative (no target): every account gone; 10% of the holders moved
// to a profile that needs a pool with no seats (mass requesters that fail and release); every pool 10%
// smaller (newest-first blocking).
const withFull = new Map(input.profilePools).set('full', ['pool0', 'unsold']);
const scenarios: Record<string, AllocationInput> = {
  removed: { ...input, accounts: input.accounts.map((a) => ({ ...a, present: false })) },
  moved: { ...input, profilePools: withFull, accounts: input.accounts.map((a) => (a.state === 'active' && a.id % 10 === 1 ? { ...a, profile: 'full' } : a)) },
  shrunk: { ...input, pools: input.pools.map((p) => ({ ...p, seats: Math.floor(p.seats * 0.9) })) },
};
const extras: Figure[] = [];
for (const [name, scenario] of Object.entries(scenarios)) {
  const timings: ReturnType<typeof timeIt>[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    await roundTurn();
    timings.push(timeIt(() => allocate(scenario).changes.length));
  }
  extras.push(figureOf({
    name: `  allocation, scenario "${name}"`,
    samples: timings.map((t) => t.wallMs),
    floor: '',
    target: null,
    extra: { medianCpuMs: Math.round(median(timings.map((t) => t.cpuMs))), changes: timings[0]?.result },
  }));
}
report('allocate', [
  figureOf({
    name: `allocation of ${ACCOUNTS.toLocaleString('en-US')} accounts over ${POOLS} pools, 5% waiting (pure function, in-process)`,
    samples: runs.map((r) => r.wallMs),
    floorSamples: floors.map((f) => f.wallMs),
    floor: 'one pass counting the seats held per pool',
    target: { max: 1000 },
    extra: { medianCpuMs: Math.round(median(runs.map((r) => r.cpuMs))), changes: runs[0]?.result },
  }),
  ...extras,
]);
