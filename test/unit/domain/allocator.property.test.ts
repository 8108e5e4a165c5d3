// The allocator driven as a run drives it (settled keepers left out and counted, stored accounts in
// slices, new accounts in queue-key order in slices) must plan exactly what one allocation over every
// account plans; and the queue key must sort new accounts as the allocation's queue order does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, applyChanges, isSettledKeeper } from '../../../src/domain/allocate.ts';
import { AllocationOrderError, beginAllocation } from '../../../src/domain/allocator.ts';
import { buildPoolTable, buildProfileNeeds } from '../../../src/domain/pool-table.ts';
import { compareWaitingTogether, queueKeyOf } from '../../../src/domain/queue-order.ts';
import type { AccountChange, AllocationInput, AllocationPlan, SeatAccount } from '../../../src/domain/types.ts';
import { anyInputArb, laterRunArb, PROFILE_NAMES, rawInputArb } from './allocation-arbitraries.ts';
import { allocateInSlices, DAY_MS, HOUR_MS, NOW } from './allocation-helpers.ts';

const byId = (a: AccountChange, b: AccountChange): number => a.id - b.id;
const sorted = (ids: readonly number[]): number[] => [...ids].sort((a, b) => a - b);

function comparable(plan: AllocationPlan): unknown {
  return { changes: [...plan.changes].sort(byId), pools: plan.pools, newlyBlocked: sorted(plan.newlyBlocked), graceStarted: sorted(plan.graceStarted) };
}

function newcomer(seq: number, fields: Partial<SeatAccount> = {}): SeatAccount {
  return {
    id: -seq, username: `n${seq}`, directoryCreatedAt: null, present: true, enabled: true, profile: 'p0', suspended: false,
    protected: false, frozen: false, state: null, held: [], waitingFor: [], waitingSince: null, activatedAt: null, graceUntil: null, ...fields,
  };
}

const newcomerArb = fc.record({
  username: fc.constantFrom('ann', 'bob', 'cy', 'dee', 'Eve', 'émile', '\u{1D49C}lice', '\uFF46ull', 'bo'),
  directoryCreatedAt: fc.option(fc.integer({ min: -2, max: 4 }).map((d) => d * DAY_MS), { nil: null }),
  enabled: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  profile: fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom<string | null>(...PROFILE_NAMES) },
    { weight: 1, arbitrary: fc.constantFrom<string | null>(null, 'gone') },
  ),
  protected: fc.oneof({ weight: 10, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

/** A stored state as a previous run left it, some time later, plus new accounts (a run's usual input). */
const worldArb = fc
  .record({
    first: rawInputArb(),
    laterMs: fc.constantFrom(0, HOUR_MS, 2 * DAY_MS),
    newcomers: fc.array(newcomerArb, { maxLength: 30 }),
    slice: fc.integer({ min: 1, max: 12 }),
  })
  .map(({ first, laterMs, newcomers, slice }) => ({
    input: {
      ...first,
      now: first.now + laterMs,
      accounts: [...applyChanges(first.accounts, allocate(first).changes), ...newcomers.map((fields, i) => newcomer(i + 1, fields))],
    },
    slice,
  }));

describe('the allocator, admitted in slices', () => {
  it('plans what one allocation plans, deciding new accounts as they come behind a settled state', () => {
    let streamed = 0;
    fc.assert(
      fc.property(worldArb, fc.boolean(), ({ input, slice }, settled) => {
        const parts = allocateInSlices(input, { slice, settled });
        expect(comparable(parts)).toEqual(comparable(allocate(input)));
        if (parts.streamed > 0) streamed += 1;
      }),
      { numRuns: 1500 },
    );
    // The property must exercise the decisions taken as new accounts come, not only the end.
    expect(streamed).toBeGreaterThan(300);
  });

  it('also on raw, inconsistent stored states and on later runs', () => {
    fc.assert(
      fc.property(fc.oneof(anyInputArb(), laterRunArb()), fc.integer({ min: 1, max: 6 }), fc.boolean(), (input, slice, settled) => {
        expect(comparable(allocateInSlices(input, { slice, settled }))).toEqual(comparable(allocate(input)));
      }),
      { numRuns: 2000 },
    );
  });

  it('declines only when leaving settled keepers out would hide a shrink of their pool', () => {
    let declined = 0;
    fc.assert(
      fc.property(laterRunArb(), (input) => {
        const settled = new Map<string, number>();
        const settledIds = new Set<number>();
        const rest: SeatAccount[] = [];
        for (const account of input.accounts) {
          if (account.profile !== null && isSettledKeeper(account, input.profilePools)) {
            settled.set(account.profile, (settled.get(account.profile) ?? 0) + 1);
            settledIds.add(account.id);
          } else rest.push(account);
        }
        const allocation = beginAllocation(input, { settled });
        allocation.admit(rest);
        const end = allocation.finish();
        const full = allocate(input);
        if (full.changes.some((c) => settledIds.has(c.id))) expect(end.kind).toBe('declined');
        if (end.kind === 'declined') {
          declined += 1;
          expect(settledIds.size).toBeGreaterThan(0);
        } else expect(comparable({ ...end.step, pools: end.pools })).toEqual(comparable(full));
      }),
      { numRuns: 2000 },
    );
    expect(declined).toBeGreaterThan(0);
  });

  it('declines for a settled profile the config does not know', () => {
    const input: AllocationInput = { now: 0, pools: [{ name: 'a', seats: 1 }], profilePools: new Map([['p', ['a']]]), policy: { graceDays: 0 }, accounts: [] };
    const allocation = beginAllocation(input, { settled: new Map([['unknown', 1]]) });
    expect(allocation.finish()).toEqual({ kind: 'declined' });
    const counted = beginAllocation(input, { settled: new Map([['p', 1]]) }).finish();
    expect(counted.kind === 'planned' && counted.pools[0]).toMatchObject({ used: 1, available: 0 });
  });

  it('serves new accounts in queue order across slices, and reports pools full at the end as waited for', () => {
    const input: AllocationInput = {
      now: NOW,
      pools: [{ name: 'a', seats: 3 }, { name: 'b', seats: 1 }],
      profilePools: new Map([['p0', ['a']], ['p1', ['a', 'b']]]),
      policy: { graceDays: 0 },
      accounts: [
        newcomer(1, { username: 'zed', profile: 'p1' }),
        newcomer(2, { username: 'amy' }),
        newcomer(3, { username: 'bea', profile: 'p1' }),
        newcomer(4, { username: 'cal' }),
        newcomer(5, { username: 'dan' }),
      ],
    };
    const parts = allocateInSlices(input, { slice: 2 });
    expect(parts.streamed).toBe(3);
    const stateOf = (id: number) => parts.changes.find((c) => c.id === id)?.to;
    // amy, bea (a + b), cal get seats; dan finds pool a full; zed finds both full.
    expect([-2, -3, -4].map((id) => stateOf(id)?.state)).toEqual(['active', 'active', 'active']);
    expect(stateOf(-5)).toMatchObject({ state: 'blocked', waitingFor: ['a'] });
    expect(stateOf(-1)).toMatchObject({ state: 'blocked', waitingFor: ['a', 'b'] });
    expect(sorted(parts.newlyBlocked)).toEqual([-5, -1]);
  });

  it('refuses new accounts out of queue order, keys not of their account\'s class, stored accounts after new ones, and use after the end', () => {
    const input: AllocationInput = { now: NOW, pools: [{ name: 'a', seats: 2 }], profilePools: new Map([['p0', ['a']]]), policy: { graceDays: 0 }, accounts: [] };
    const needs = buildProfileNeeds(buildPoolTable(input.pools, input.profilePools), input.profilePools);
    const queued = (account: SeatAccount) => ({ account, queueKey: queueKeyOf(account, account.profile === null ? undefined : needs.get(account.profile)) });
    const misordered = beginAllocation(input);
    expect(() => misordered.admitQueued([queued(newcomer(1, { username: 'b' })), queued(newcomer(2, { username: 'a' }))])).toThrow(AllocationOrderError);
    // The order is the keys' as given: the allocator does not build them again.
    const [amy, bob] = [queued(newcomer(1, { username: 'amy' })), queued(newcomer(2, { username: 'bob' }))];
    expect(() => beginAllocation(input).admitQueued([amy!, { ...bob!, queueKey: amy!.queueKey }])).toThrow(AllocationOrderError);
    // A key of another class (built under other profiles: here, as if the account were protected, or needed no pool).
    for (const queueKey of [`0${amy!.queueKey.slice(1)}`, `2${amy!.queueKey.slice(1)}`]) {
      expect(() => beginAllocation(input).admitQueued([{ ...amy!, queueKey }])).toThrow(/not of its class 1/);
    }
    const late = beginAllocation(input);
    late.admitQueued([queued(newcomer(1))]);
    expect(() => late.admit([{ ...newcomer(9), id: 9, state: 'blocked' }])).toThrow(AllocationOrderError);
    late.finish();
    expect(() => late.finish()).toThrow(AllocationOrderError);
  });
});

describe('the queue key', () => {
  const profilePools = new Map<string, readonly string[]>([['p0', ['a']], ['p1', ['a', 'b']], ['p2', []]]);
  const needs = buildProfileNeeds(buildPoolTable([{ name: 'a', seats: 1 }], profilePools), profilePools);
  const keyOf = (a: SeatAccount): string => queueKeyOf(a, a.profile === null ? undefined : needs.get(a.profile));
  const accountArb = fc
    .record({
      id: fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
      username: fc.string({ unit: 'binary', maxLength: 6 }).filter((s) => !s.includes('\u0000')),
      directoryCreatedAt: fc.option(fc.integer({ min: -4e15, max: 4e15 }), { nil: null }),
      profile: fc.constantFrom('p0', 'p1'),
    })
    .map((fields) => newcomer(1, fields));

  it('orders new requesters of one class as the allocation queues them', () => {
    fc.assert(
      fc.property(accountArb, accountArb, (a, b) => {
        const byKey = Math.sign(keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0);
        expect(byKey).toBe(Math.sign(compareWaitingTogether(a, b)));
      }),
      { numRuns: 5000 },
    );
  });

  it('writes the class, the creation time, the name by UTF-16 code unit and the id in fixed-width hex digits', () => {
    const account = newcomer(1, { username: 'a\u00e9\u{1D49C}', directoryCreatedAt: Date.UTC(2020, 0, 1) });
    // 2^52 + 1577836800000 ms, the code units 0061 00e9 d835 dc9c, then 2^52 - 1 for the id -1.
    expect(keyOf(account)).toBe(['1', '0', '10016f5e66e800', '0061', '00e9', 'd835', 'dc9c', '0000', '0fffffffffffff'].join(''));
    // Unknown creation, an empty name, the id -7.
    expect(keyOf(newcomer(7, { username: '' }))).toBe(['1', '1', '00000000000000', '0000', '0ffffffffffff9'].join(''));
  });

  it('puts protected requesters first and accounts that ask for no seat last', () => {
    const [protectedOne, requester, noPool, disabled] = [
      newcomer(1, { protected: true, username: 'zz' }), newcomer(2), newcomer(3, { profile: 'p2', username: 'aa' }), newcomer(4, { enabled: false, username: 'a' }),
    ].map(keyOf);
    expect(protectedOne! < requester!).toBe(true);
    expect(requester! < noPool!).toBe(true);
    expect(requester! < disabled!).toBe(true);
  });
});
