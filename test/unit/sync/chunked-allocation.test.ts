// allocateInSteps must decide exactly what one `allocate` over every account decides: same changes,
// same newly blocked and grace-started accounts, same pool usage — whether it slices the new accounts
// or falls back to one call.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, applyChanges } from '../../../src/domain/allocate.ts';
import type { AllocationInput, AllocationPlan, SeatAccount } from '../../../src/domain/types.ts';
import {
  allocateInSteps, compareNewRequesters, coreIsSettled, groupOf, type NewcomerSource,
} from '../../../src/sync/chunked-allocation.ts';
import { PROFILE_NAMES, rawInputArb } from '../domain/allocation-arbitraries.ts';
import { DAY_MS, HOUR_MS, NOW } from '../domain/allocation-helpers.ts';

/** New accounts in memory, grouped and ordered as the staging table hands them out. */
function source(accounts: readonly SeatAccount[], input: Pick<AllocationInput, 'profilePools'>, options: { misorder?: boolean } = {}): NewcomerSource {
  const group = (g: string) => accounts.filter((a) => groupOf(a, input) === g);
  const requesters = group('requester').sort(compareNewRequesters);
  if (options.misorder === true) requesters.reverse();
  const independent = group('independent');
  async function* slices(list: readonly SeatAccount[], size: number): AsyncGenerator<SeatAccount[]> {
    for (let start = 0; start < list.length; start += size) yield list.slice(start, start + size);
  }
  return {
    requesterCount: requesters.length,
    independentCount: independent.length,
    protectedAccounts: async () => group('protected'),
    requesters: (size) => slices(requesters, size),
    independent: (size) => slices(independent, size),
    all: async () => [...accounts],
  };
}

function newcomer(seq: number, fields: Partial<SeatAccount> = {}): SeatAccount {
  return {
    id: -seq, username: `n${seq}`, directoryCreatedAt: null, present: true, enabled: true, profile: 'p0', suspended: false,
    protected: false, state: null, held: [], waitingFor: [], waitingSince: null, activatedAt: null, graceUntil: null, ...fields,
  };
}

/** Runs every step; returns the union of the steps' results and whether it sliced. */
async function stepped(input: AllocationInput, newcomers: readonly SeatAccount[], chunkSize: number, options: { misorder?: boolean } = {}) {
  const steps = allocateInSteps({ ...input, newcomers: source(newcomers, input, options), chunkSize });
  const changes: AllocationPlan['changes'][number][] = [];
  const newlyBlocked: number[] = [];
  const graceStarted: number[] = [];
  for (;;) {
    const next = await steps.next();
    if (next.done) return { changes, newlyBlocked, graceStarted, pools: next.value.pools, chunked: next.value.chunked };
    changes.push(...next.value.plan.changes);
    newlyBlocked.push(...next.value.plan.newlyBlocked);
    graceStarted.push(...next.value.plan.graceStarted);
  }
}

async function expectSameOutcome(input: AllocationInput, newcomers: readonly SeatAccount[], chunkSize: number, options: { misorder?: boolean } = {}): Promise<boolean> {
  const whole = allocate({ ...input, accounts: [...input.accounts, ...newcomers] });
  const parts = await stepped(input, newcomers, chunkSize, options);
  const byId = (list: readonly AllocationPlan['changes'][number][]) => new Map(list.map((c) => [c.id, c]));
  expect(byId(parts.changes)).toEqual(byId(whole.changes));
  expect(parts.changes).toHaveLength(whole.changes.length);
  expect(new Set(parts.newlyBlocked)).toEqual(new Set(whole.newlyBlocked));
  expect(new Set(parts.graceStarted)).toEqual(new Set(whole.graceStarted));
  expect(parts.pools).toEqual(whole.pools);
  return parts.chunked;
}

const newcomerArb = fc.record({
  username: fc.constantFrom('ann', 'bob', 'cy', 'dee', 'eve', 'fay'),
  directoryCreatedAt: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
  enabled: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  profile: fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom<string | null>(...PROFILE_NAMES) },
    { weight: 1, arbitrary: fc.constantFrom<string | null>(null, 'gone') },
  ),
  protected: fc.oneof({ weight: 10, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

/** A stored state as a previous run left it, some time later, plus new accounts. */
const worldArb = fc
  .record({
    first: rawInputArb(),
    laterMs: fc.constantFrom(0, HOUR_MS, 2 * DAY_MS),
    newcomers: fc.array(newcomerArb, { maxLength: 30 }),
    chunkSize: fc.integer({ min: 1, max: 12 }),
  })
  .map(({ first, laterMs, newcomers, chunkSize }) => ({
    input: { ...first, now: first.now + laterMs, accounts: applyChanges(first.accounts, allocate(first).changes) },
    newcomers: newcomers.map((fields, i) => newcomer(i + 1, fields)),
    chunkSize,
  }));

describe('allocateInSteps', () => {
  it('decides exactly what one allocation over all accounts decides', async () => {
    let chunked = 0;
    await fc.assert(
      fc.asyncProperty(worldArb, async ({ input, newcomers, chunkSize }) => {
        if (await expectSameOutcome(input, newcomers, chunkSize)) chunked += 1;
      }),
      { numRuns: 600 },
    );
    // The property must exercise the sliced path, not only the fallback.
    expect(chunked).toBeGreaterThan(50);
  });

  it('also matches on raw, inconsistent stored states (where it falls back to one call)', async () => {
    await fc.assert(
      fc.asyncProperty(rawInputArb(), fc.array(newcomerArb, { maxLength: 12 }), async (input, fields) => {
        await expectSameOutcome(input, fields.map((f, i) => newcomer(i + 1, f)), 2);
      }),
      { numRuns: 200 },
    );
  });

  it('falls back to one call when the requesters do not arrive in queue order', async () => {
    const input: AllocationInput = { now: NOW, pools: [{ name: 'a', seats: 2 }], profilePools: new Map([['p0', ['a']]]), policy: { graceDays: 0 }, accounts: [] };
    const newcomers = [1, 2, 3, 4].map((seq) => newcomer(seq, { username: `u${seq}` }));
    expect(await expectSameOutcome(input, newcomers, 1)).toBe(true);
    expect(await expectSameOutcome(input, newcomers, 1, { misorder: true })).toBe(false);
  });

  it('serves new accounts in queue order across slices, and reports pools full at the end as waited for', async () => {
    const input: AllocationInput = {
      now: NOW,
      pools: [{ name: 'a', seats: 3 }, { name: 'b', seats: 1 }],
      profilePools: new Map([['p0', ['a']], ['p1', ['a', 'b']]]),
      policy: { graceDays: 0 },
      accounts: [],
    };
    const newcomers = [
      newcomer(1, { username: 'zed', profile: 'p1' }),
      newcomer(2, { username: 'amy' }),
      newcomer(3, { username: 'bea', profile: 'p1' }),
      newcomer(4, { username: 'cal' }),
      newcomer(5, { username: 'dan' }),
    ];
    expect(await expectSameOutcome(input, newcomers, 2)).toBe(true);
    const parts = await stepped(input, newcomers, 2);
    const stateOf = (id: number) => parts.changes.find((c) => c.id === id)?.to;
    // amy, bea (a + b), cal get seats; dan finds pool a full; zed finds both full.
    expect([-2, -3, -4].map((id) => stateOf(id)?.state)).toEqual(['active', 'active', 'active']);
    expect(stateOf(-5)).toMatchObject({ state: 'blocked', waitingFor: ['a'] });
    expect(stateOf(-1)).toMatchObject({ state: 'blocked', waitingFor: ['a', 'b'] });
  });
});

describe('coreIsSettled', () => {
  const base = { now: NOW, pools: [{ name: 'a', seats: 1 }], profilePools: new Map([['p0', ['a']]]) };
  const stored = (fields: Partial<SeatAccount>): SeatAccount => ({ ...newcomer(1), id: 1, state: 'active', held: ['a'], activatedAt: NOW - DAY_MS, ...fields });

  it('accepts holders and accounts that waited before now', () => {
    expect(coreIsSettled([stored({}), stored({ id: 2, state: 'blocked', held: [], waitingFor: ['a'], waitingSince: NOW - HOUR_MS })], base)).toBe(true);
  });

  it('refuses accounts that ask from now on, and pools that would shrink', () => {
    expect(coreIsSettled([stored({ state: 'removed', held: [] })], base)).toBe(false);
    expect(coreIsSettled([stored({ state: 'blocked', held: [], waitingSince: NOW })], base)).toBe(false);
    expect(coreIsSettled([stored({}), stored({ id: 2 })], base)).toBe(false);
  });
});
