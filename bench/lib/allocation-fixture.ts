// Input of the allocation benchmark (SPEC §8: 1,000,000 accounts over 10 pools), the steady state of a
// resync: 5% of the accounts wait (spread over every profile), the others hold their seats, and each
// pool has 500 free seats for the fill to hand out. Profile i needs pool i; every fourth profile also
// needs the next pool (multi-pool profiles).
import type { AllocationInput, SeatAccount } from '../../src/domain/types.ts';

export const NOW_MS = Date.UTC(2025, 0, 15);

export function steadyAllocationInput(options: { accounts: number; pools: number }): AllocationInput {
  const { pools } = options;
  const poolNames = Array.from({ length: pools }, (_, i) => `pool${i}`);
  const profilePools = new Map<string, readonly string[]>(
    poolNames.map((name, i) => [`profile${i}`, i % 4 === 0 ? [name, poolNames[(i + 1) % pools] ?? name].sort() : [name]]),
  );
  const holders = poolNames.map(() => 0);
  const accounts: SeatAccount[] = [];
  for (let id = 1; id <= options.accounts; id++) {
    const profile = `profile${id % pools}`;
    const needs = profilePools.get(profile) ?? [];
    const waiting = Math.floor(id / pools) % 20 === 0;
    if (!waiting) for (const name of needs) holders[poolNames.indexOf(name)] = (holders[poolNames.indexOf(name)] ?? 0) + 1;
    accounts.push({
      id,
      username: `user${id}`,
      directoryCreatedAt: NOW_MS - id * 1000,
      present: true,
      enabled: true,
      profile,
      suspended: false,
      protected: false,
      frozen: false,
      state: waiting ? 'blocked' : 'active',
      held: waiting ? [] : needs,
      waitingFor: waiting ? needs : [],
      waitingSince: waiting ? NOW_MS - (id % 5000) * 60_000 : null,
      activatedAt: waiting ? null : NOW_MS - id * 10_000,
      graceUntil: null,
    });
  }
  return {
    now: NOW_MS,
    pools: poolNames.map((name, i) => ({ name, seats: (holders[i] ?? 0) + 500 })),
    profilePools,
    policy: { graceDays: 0 },
    accounts,
  };
}
