// Frozen accounts (directory entry present but unreadable in this run) keep their stored state exactly.
// For the others, a frozen account is a fixed seat consumer: the plan equals the plan in which each
// frozen holder is replaced by a protected keeper of exactly the pools it holds (counted, never blocked,
// never a requester) and every other frozen account is left out — up to the pool counts the frozen
// accounts add themselves (grace overage, waiting).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate } from '../../../src/domain/allocate.ts';
import type { AccountChange, AllocationInput, AllocationPlan, PoolUsage, SeatAccount } from '../../../src/domain/types.ts';
import { anAccount, anActiveAccount, aBlockedAccount, anInput } from '../../support/builders.ts';
import { anyInputArb, laterRunArb } from './allocation-arbitraries.ts';
import { allocateInSlices, DAY_MS, NOW } from './allocation-helpers.ts';

/** An input with a random subset of its stored accounts frozen. */
const frozenInputArb = fc
  .tuple(fc.oneof(anyInputArb(), laterRunArb()), fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }))
  .map(([input, marks]): AllocationInput => ({
    ...input,
    accounts: input.accounts.map((account, i) => (account.state !== null && marks[i] === true ? { ...account, frozen: true } : account)),
  }));

const byId = (a: AccountChange, b: AccountChange): number => a.id - b.id;
const sorted = (ids: readonly number[]): number[] => [...ids].sort((a, b) => a - b);

/** The plan without the given accounts' own entries. */
function others(plan: AllocationPlan, ids: ReadonlySet<number>): unknown {
  return {
    changes: plan.changes.filter((c) => !ids.has(c.id)).sort(byId),
    newlyBlocked: sorted(plan.newlyBlocked.filter((id) => !ids.has(id))),
    graceStarted: sorted(plan.graceStarted.filter((id) => !ids.has(id))),
  };
}

/** The input with frozen accounts replaced by fixed seat consumers, and the pool counts those do not add. */
function withFixedConsumers(input: AllocationInput): { input: AllocationInput; grace: Map<string, number>; waiting: Map<string, number> } {
  const known = new Set([...input.pools.map((p) => p.name), ...[...input.profilePools.values()].flat()]);
  const profilePools = new Map(input.profilePools);
  const accounts: SeatAccount[] = [];
  const grace = new Map<string, number>();
  const waiting = new Map<string, number>();
  const bump = (counts: Map<string, number>, names: readonly string[]): void => {
    for (const name of names) if (known.has(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
  };
  for (const account of input.accounts) {
    if (!account.frozen) accounts.push(account);
    else if (account.state === 'active' && account.graceUntil === null) {
      const held = account.held.filter((name) => known.has(name));
      const profile = `#fixed-${account.id}`;
      profilePools.set(profile, held);
      accounts.push({ ...account, frozen: false, present: true, enabled: true, suspended: false, protected: true, profile, held: [...held].sort(), waitingFor: [], waitingSince: null });
    } else if (account.state === 'active') bump(grace, account.held);
    else if (account.state === 'blocked') bump(waiting, account.waitingFor);
  }
  return { input: { ...input, profilePools, accounts }, grace, waiting };
}

function adjusted(pools: readonly PoolUsage[], extra: { grace: Map<string, number>; waiting: Map<string, number> }): PoolUsage[] {
  return pools.map((pool) => {
    const used = pool.used + (extra.grace.get(pool.name) ?? 0);
    return { ...pool, used, available: Math.max(0, pool.seats - used), overage: Math.max(0, used - pool.seats), waiting: pool.waiting + (extra.waiting.get(pool.name) ?? 0) };
  });
}

describe('frozen accounts', () => {
  it('keep their stored state exactly: no change, not newly blocked, no grace', () => {
    fc.assert(
      fc.property(frozenInputArb, (input) => {
        const frozen = new Set(input.accounts.filter((a) => a.frozen).map((a) => a.id));
        const plan = allocate(input);
        expect(plan.changes.filter((c) => frozen.has(c.id))).toEqual([]);
        expect(plan.newlyBlocked.filter((id) => frozen.has(id))).toEqual([]);
        expect(plan.graceStarted.filter((id) => frozen.has(id))).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('are fixed seat consumers for the others', () => {
    let frozenHolders = 0;
    fc.assert(
      fc.property(frozenInputArb, (input) => {
        const frozen = new Set(input.accounts.filter((a) => a.frozen).map((a) => a.id));
        if (input.accounts.some((a) => a.frozen && a.state === 'active' && a.held.length > 0)) frozenHolders += 1;
        const fixed = withFixedConsumers(input);
        const plan = allocate(input);
        const reference = allocate(fixed.input);
        expect(others(plan, frozen)).toEqual(others(reference, frozen));
        expect(plan.pools).toEqual(adjusted(reference.pools, fixed));
      }),
      { numRuns: 3000 },
    );
    expect(frozenHolders).toBeGreaterThan(300);
  });

  it('the allocator in slices (settled keepers left out or not) plans what one allocation plans', () => {
    fc.assert(
      fc.property(frozenInputArb, fc.integer({ min: 1, max: 6 }), fc.boolean(), (input, slice, settled) => {
        const parts = allocateInSlices(input, { slice, settled });
        const full = allocate(input);
        expect({ changes: [...parts.changes].sort(byId), pools: parts.pools, newlyBlocked: sorted(parts.newlyBlocked), graceStarted: sorted(parts.graceStarted) }).toEqual({
          changes: [...full.changes].sort(byId),
          pools: full.pools,
          newlyBlocked: sorted(full.newlyBlocked),
          graceStarted: sorted(full.graceStarted),
        });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('frozen accounts, by example', () => {
  const pools = [{ name: 'primary', seats: 2 }];

  it('a frozen waiting account is passed by: the freed seat goes to the next in the queue', () => {
    const frozen = aBlockedAccount(['primary'], NOW - 3 * DAY_MS, { id: 1, frozen: true });
    const next = aBlockedAccount(['primary'], NOW - 2 * DAY_MS, { id: 2 });
    const holder = anActiveAccount(['primary'], NOW - 10 * DAY_MS, { id: 3 });
    const plan = allocate(anInput({ pools, accounts: [frozen, next, holder] }));
    expect(plan.changes.map((c) => [c.id, c.to.state])).toEqual([[2, 'active']]);
    expect(plan.pools[0]).toMatchObject({ used: 2, available: 0, waiting: 1 });
  });

  it('a smaller pool blocks the next newest holder that is not frozen; frozen holders alone above it are overage', () => {
    const newest = anActiveAccount(['primary'], NOW - DAY_MS, { id: 1, frozen: true });
    const middle = anActiveAccount(['primary'], NOW - 2 * DAY_MS, { id: 2 });
    const oldest = anActiveAccount(['primary'], NOW - 3 * DAY_MS, { id: 3 });
    const shrunk = allocate(anInput({ pools: [{ name: 'primary', seats: 2 }], accounts: [newest, middle, oldest] }));
    expect(shrunk.changes.map((c) => [c.id, c.to.state, c.reason])).toEqual([[2, 'blocked', 'pool-shrunk']]);
    const gone = allocate(anInput({ pools: [{ name: 'primary', seats: 0 }], accounts: [newest, middle, oldest] }));
    expect(gone.changes.map((c) => c.id)).toEqual([2, 3]);
    expect(gone.pools[0]).toMatchObject({ seats: 0, used: 1, overage: 1 });
  });

  it('a frozen account keeps its state even when the rest of the input would change it', () => {
    const holder = anActiveAccount(['primary'], NOW - DAY_MS, { id: 1, frozen: true, enabled: false, profile: 'other' });
    const newcomer = anAccount({ id: 2 });
    const plan = allocate(anInput({ pools: [{ name: 'primary', seats: 1 }], accounts: [holder, newcomer] }));
    expect(plan.changes.map((c) => [c.id, c.to.state])).toEqual([[2, 'blocked']]);
  });
});
