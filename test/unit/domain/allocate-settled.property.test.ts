// `allocateAroundSettled` leaves out the settled keepers and counts them per profile: whenever it
// answers, its plan must be the plan of one `allocate` over every account.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, allocateAroundSettled, isSettledKeeper } from '../../../src/domain/allocate.ts';
import type { AccountChange, AllocationInput, AllocationPlan, SeatAccount } from '../../../src/domain/types.ts';
import { anyInputArb, laterRunArb } from './allocation-arbitraries.ts';

function split(input: AllocationInput): { rest: SeatAccount[]; settled: Map<string, number>; settledIds: Set<number> } {
  const rest: SeatAccount[] = [];
  const settled = new Map<string, number>();
  const settledIds = new Set<number>();
  for (const account of input.accounts) {
    if (isSettledKeeper(account, input.profilePools) && account.profile !== null) {
      settled.set(account.profile, (settled.get(account.profile) ?? 0) + 1);
      settledIds.add(account.id);
    } else rest.push(account);
  }
  return { rest, settled, settledIds };
}

const byId = (a: AccountChange, b: AccountChange): number => a.id - b.id;
const sorted = (ids: readonly number[]): number[] => [...ids].sort((a, b) => a - b);

function comparable(plan: AllocationPlan): unknown {
  return { changes: [...plan.changes].sort(byId), pools: plan.pools, newlyBlocked: sorted(plan.newlyBlocked), graceStarted: sorted(plan.graceStarted) };
}

describe('allocation around settled keepers', () => {
  it('plans exactly what one call over every account plans, or declines', () => {
    let answered = 0;
    let leftOut = 0;
    fc.assert(
      fc.property(anyInputArb(), (input) => {
        const { rest, settled, settledIds } = split(input);
        const around = allocateAroundSettled({ ...input, accounts: rest }, settled);
        const full = allocate(input);
        if (around === null) {
          // It declines only when a pool the settled keepers hold is over its seats and may shrink them.
          expect(settledIds.size).toBeGreaterThan(0);
          return;
        }
        answered += 1;
        leftOut += settledIds.size;
        expect(comparable(around)).toEqual(comparable(full));
        for (const change of full.changes) expect(settledIds.has(change.id)).toBe(false);
      }),
      { numRuns: 3000 },
    );
    // The property must have been exercised with accounts actually left out.
    expect(answered).toBeGreaterThan(500);
    expect(leftOut).toBeGreaterThan(500);
  });

  it('declines when a pool shrinks below the seats its settled keepers hold, and one call blocks some of them', () => {
    fc.assert(
      fc.property(laterRunArb(), (input) => {
        const { rest, settled, settledIds } = split(input);
        const around = allocateAroundSettled({ ...input, accounts: rest }, settled);
        const full = allocate(input);
        const settledBlocked = full.changes.some((c) => settledIds.has(c.id));
        // Whenever one call changes a settled keeper, the settled call must have declined.
        if (settledBlocked) expect(around).toBeNull();
      }),
      { numRuns: 3000 },
    );
  });

  it('declines for a profile the config does not know', () => {
    const input: AllocationInput = { now: 0, pools: [{ name: 'a', seats: 1 }], profilePools: new Map([['p', ['a']]]), policy: { graceDays: 0 }, accounts: [] };
    expect(allocateAroundSettled(input, new Map([['unknown', 1]]))).toBeNull();
    const keeper: SeatAccount = {
      id: 1, username: 'ann', directoryCreatedAt: null, present: true, enabled: true, profile: 'p', suspended: false, protected: false,
      state: 'active', held: ['a'], waitingFor: [], waitingSince: null, activatedAt: 0, graceUntil: null,
    };
    expect(isSettledKeeper(keeper, input.profilePools)).toBe(true);
    expect(allocateAroundSettled(input, new Map([['p', 1]]))?.pools).toEqual(allocate({ ...input, accounts: [keeper] }).pools);
    expect(allocateAroundSettled(input, new Map([['p', 1]]))?.pools[0]).toMatchObject({ used: 1, available: 0 });
  });
});
