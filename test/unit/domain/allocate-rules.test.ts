// Table tests of the seat rules of SPEC §2 (rules 1–9), one named case per behaviour.
import { describe, expect, it } from 'vitest';
import { aBlockedAccount, anAccount, anActiveAccount, anInput, aPool, type InputOverrides } from '../../support/builders.ts';
import { DAY_MS, HOUR_MS, NOW, plan, seatsOf } from './allocation-helpers.ts';

const T1 = NOW - 30 * DAY_MS;
const T2 = NOW - 20 * DAY_MS;
const T3 = NOW - 10 * DAY_MS;
const MODULES = { staff: ['cases', 'documents'], clerk: ['cases'], archivist: ['documents'] };

describe('rule 1: never oversubscribed', () => {
  it('blocks new accounts beyond the seats of their pool', () => {
    const r = plan(
      anInput({
        pools: [aPool('primary', 2)],
        accounts: [1, 2, 3].map((id) => anAccount({ id, directoryCreatedAt: T1 + id })),
      }),
    );
    expect([1, 2, 3].map((id) => r.account(id).state)).toEqual(['active', 'active', 'blocked']);
    expect(r.pool('primary')).toEqual({ name: 'primary', seats: 2, used: 2, available: 0, waiting: 1, overage: 0 });
    // A new account found no free seat: nothing else made it wait.
    expect(r.change(3)?.reason).toBe('seats');
  });

  it('reports protected accounts that alone exceed a shrunk pool as overage, and keeps them', () => {
    const r = plan(
      anInput({
        pools: [aPool('primary', 1)],
        accounts: [
          anActiveAccount(['primary'], T1, { id: 1, protected: true }),
          anActiveAccount(['primary'], T2, { id: 2, protected: true }),
        ],
      }),
    );
    expect(r.plan.changes).toEqual([]);
    expect(r.pool('primary')).toMatchObject({ seats: 1, used: 2, available: 0, overage: 1 });
  });

  it('reports grace holders as overage', () => {
    const r = plan(
      anInput({
        pools: [aPool('primary', 1)],
        policy: { graceDays: 7 },
        accounts: [anActiveAccount(['primary'], T1, { id: 1 }), anAccount({ id: 2 })],
      }),
    );
    expect(r.account(2)).toMatchObject({ state: 'active', graceUntil: NOW + 7 * DAY_MS });
    expect(r.pool('primary')).toMatchObject({ used: 2, overage: 1, available: 0 });
  });

  it('gives a pool that no configured pool defines zero seats', () => {
    const r = plan(anInput({ pools: [], accounts: [anAccount({ id: 1 })] }));
    expect(seatsOf(r.account(1))).toEqual({
      state: 'blocked',
      held: [],
      waitingFor: ['primary'],
      waitingSince: NOW,
      activatedAt: null,
      graceUntil: null,
    });
    expect(r.pool('primary')).toEqual({ name: 'primary', seats: 0, used: 0, available: 0, waiting: 1, overage: 0 });
  });
});

describe('rule 2: all or nothing', () => {
  it.each([
    { name: 'every pool has a seat → active in all', documents: 1, state: 'active', held: ['cases', 'documents'], waitingFor: [] },
    { name: 'one pool is full → blocked, holding none', documents: 0, state: 'blocked', held: [], waitingFor: ['documents'] },
  ])('$name', ({ documents, state, held, waitingFor }) => {
    const r = plan(
      anInput({
        pools: [aPool('cases', 5), aPool('documents', documents)],
        profiles: MODULES,
        accounts: [anAccount({ id: 1 })],
      }),
    );
    expect(r.account(1)).toMatchObject({ state, held, waitingFor });
    expect(r.pool('cases').used).toBe(held.length > 0 ? 1 : 0);
  });
});

describe('rule 3: first come, first served', () => {
  const oneSeat = (accounts: InputOverrides['accounts']) =>
    plan(anInput({ pools: [aPool('primary', 1)], accounts }));

  it.each([
    {
      name: 'the account that waited longest gets the free seat',
      accounts: [aBlockedAccount(['primary'], NOW - HOUR_MS, { id: 1 }), aBlockedAccount(['primary'], NOW - 2 * HOUR_MS, { id: 2 })],
      winner: 2,
    },
    {
      name: 'an account already waiting goes before one new in this run',
      accounts: [anAccount({ id: 1, directoryCreatedAt: T1 }), aBlockedAccount(['primary'], NOW - HOUR_MS, { id: 2 })],
      winner: 2,
    },
    {
      name: 'same run: earlier directory creation first',
      accounts: [anAccount({ id: 1, directoryCreatedAt: T2 }), anAccount({ id: 2, directoryCreatedAt: T1 })],
      winner: 2,
    },
    {
      name: 'same run: unknown creation time goes last',
      accounts: [anAccount({ id: 1, directoryCreatedAt: null, username: 'a' }), anAccount({ id: 2, directoryCreatedAt: T3, username: 'z' })],
      winner: 2,
    },
    {
      name: 'same run and creation time: username',
      accounts: [anAccount({ id: 1, directoryCreatedAt: T1, username: 'bob' }), anAccount({ id: 2, directoryCreatedAt: T1, username: 'alice' })],
      winner: 2,
    },
  ])('$name', ({ accounts, winner }) => {
    const r = oneSeat(accounts);
    expect(r.account(winner).state).toBe('active');
    const loser = accounts.find((a) => a.id !== winner);
    expect(r.account(loser?.id ?? 0).state).toBe('blocked');
  });

  it('an account whose pools cannot all be had keeps its place; a later one that fits goes ahead', () => {
    const r = plan(
      anInput({
        pools: [aPool('cases', 1), aPool('documents', 0)],
        profiles: MODULES,
        accounts: [
          aBlockedAccount(['documents'], NOW - 2 * HOUR_MS, { id: 1, profile: 'staff' }),
          aBlockedAccount(['cases'], NOW - HOUR_MS, { id: 2, profile: 'clerk' }),
        ],
      }),
    );
    expect(r.account(1)).toMatchObject({ state: 'blocked', waitingSince: NOW - 2 * HOUR_MS, waitingFor: ['cases', 'documents'] });
    expect(r.account(2)).toMatchObject({ state: 'active', held: ['cases'], activatedAt: NOW });
    expect(r.change(2)?.reason).toBe('seats');
  });
});

describe('rule 4: automatic activation, at once', () => {
  const waiting = aBlockedAccount(['primary'], NOW - DAY_MS, { id: 9 });
  it.each([
    { name: 'a holder disabled in the directory', holder: { enabled: false }, seats: 1, reason: 'directory-disabled' },
    { name: 'a holder removed from the directory', holder: { present: false }, seats: 1, reason: 'removed' },
    { name: 'a holder out of scope', holder: { profile: null }, seats: 1, reason: 'out-of-scope' },
    { name: 'a holder suspended by an admin', holder: { suspended: true }, seats: 1, reason: 'admin' },
    { name: 'a holder moved to a profile without seats', holder: { profile: 'service' }, seats: 1, reason: 'profile-changed' },
    { name: 'more seats in the pool', holder: {}, seats: 2, reason: null },
  ])('a seat freed by $name goes to the waiting account in the same plan', ({ holder, seats, reason }) => {
    const r = plan(
      anInput({
        pools: [aPool('primary', seats)],
        profiles: { staff: ['primary'], service: [] },
        accounts: [anActiveAccount(['primary'], T1, { id: 1, ...holder }), waiting],
      }),
    );
    if (reason !== null) expect(r.change(1)?.reason).toBe(reason);
    expect(r.account(9)).toMatchObject({ state: 'active', held: ['primary'], waitingSince: null, waitingFor: [] });
    expect(r.change(9)?.reason).toBe('seats');
  });
});

describe('rule 5: shrinking pools, newest first', () => {
  const holders = [
    anActiveAccount(['primary'], T1, { id: 1 }),
    anActiveAccount(['primary'], T3, { id: 2 }),
    anActiveAccount(['primary'], T2, { id: 3 }),
  ];
  it.each([
    { name: 'the most recently activated are blocked first', seats: 2, protect: [], blocked: [2] },
    { name: 'down to the seats', seats: 1, protect: [], blocked: [2, 3] },
    { name: 'protected accounts never', seats: 1, protect: [2], blocked: [1, 3] },
    { name: 'to zero', seats: 0, protect: [], blocked: [1, 2, 3] },
  ])('$name', ({ seats, protect, blocked }) => {
    const accounts = holders.map((a) => ({ ...a, protected: protect.includes(a.id) }));
    const r = plan(anInput({ pools: [aPool('primary', seats)], accounts }));
    for (const id of [1, 2, 3]) {
      const shrunk = blocked.includes(id);
      expect(r.account(id).state, `account ${id}`).toBe(shrunk ? 'blocked' : 'active');
      if (shrunk) {
        expect(r.change(id)?.reason).toBe('pool-shrunk');
        expect(r.account(id)).toMatchObject({ held: [], waitingSince: NOW, waitingFor: ['primary'] });
      }
    }
    expect([...r.plan.newlyBlocked].sort()).toEqual(blocked);
  });

  it('ties on activation time: username, then id, descending', () => {
    const r = plan(
      anInput({
        pools: [aPool('primary', 1)],
        accounts: [
          anActiveAccount(['primary'], T1, { id: 1, username: 'b' }),
          anActiveAccount(['primary'], T1, { id: 2, username: 'a' }),
        ],
      }),
    );
    expect(r.account(1).state).toBe('blocked');
    expect(r.account(2).state).toBe('active');
  });

  it('a protected newcomer in a full pool takes its seat and the newest other holder steps back', () => {
    const r = plan(
      anInput({
        pools: [aPool('primary', 2)],
        accounts: [...holders.slice(0, 2), anAccount({ id: 4, protected: true })],
      }),
    );
    expect(r.account(4).state).toBe('active');
    expect(r.change(4)?.reason).toBe('protected');
    expect(r.account(2).state).toBe('blocked');
    // Blocked for the protected account, which the change names: not a smaller pool.
    expect(r.change(2)).toMatchObject({ reason: 'protected', takenBy: { id: 4, username: 'user0004' } });
    expect(r.account(1).state).toBe('active');
  });

  it('protecting a waiting account in a full pool blocks the newest holder for it', () => {
    const r = plan(
      anInput({
        pools: [aPool('primary', 2)],
        accounts: [...holders.slice(0, 2), aBlockedAccount(['primary'], T1, { id: 5, protected: true })],
      }),
    );
    expect(r.change(5)).toMatchObject({ reason: 'protected', to: { state: 'active' } });
    expect(r.change(2)).toMatchObject({ reason: 'protected', takenBy: { id: 5 }, to: { state: 'blocked', waitingSince: NOW } });
    expect(r.plan.newlyBlocked).toEqual([2]);
  });

  it('a smaller pool and a protected newcomer at once: the newest holder makes room for the protected one, the next for the smaller pool', () => {
    const r = plan(
      anInput({
        pools: [aPool('primary', 2)],
        accounts: [...holders, anAccount({ id: 4, protected: true })],
      }),
    );
    expect(r.change(2)).toMatchObject({ reason: 'protected', takenBy: { id: 4 } });
    expect(r.change(3)?.reason).toBe('pool-shrunk');
    expect(r.change(3)?.takenBy).toBeUndefined();
    expect(r.account(1).state).toBe('active');
  });

  it('an account an admin unprotects while protected accounts alone overfill its pool gives its seat up for that action, not for a smaller pool', () => {
    const overfull = [
      anActiveAccount(['primary'], T1, { id: 1, protected: true }),
      anActiveAccount(['primary'], T2, { id: 2, protected: true }),
      anActiveAccount(['primary'], T3, { id: 3, protected: true }),
    ];
    // Unprotected by an admin: the oldest holder, so newest-first alone would not have picked it.
    const r = plan(anInput({ pools: [aPool('primary', 2)], accounts: [{ ...overfull[0]!, protected: false, unprotectedByAdmin: true }, ...overfull.slice(1)] }));
    expect(r.plan.changes.map((c) => [c.id, c.to.state, c.reason])).toEqual([[1, 'blocked', 'admin']]);
    expect(r.change(1)?.takenBy).toBeUndefined();
    expect(r.plan.newlyBlocked).toEqual([1]);
    expect(r.pool('primary')).toMatchObject({ seats: 2, used: 2, overage: 0, waiting: 1 });
  });

  it('a smaller pool and an admin unprotect at once: the unprotected holder for the action, the newest other for the smaller pool', () => {
    const r = plan(
      anInput({
        pools: [aPool('primary', 1)],
        accounts: [
          anActiveAccount(['primary'], T1, { id: 1, protected: true }),
          anActiveAccount(['primary'], T2, { id: 2, unprotectedByAdmin: true }),
          anActiveAccount(['primary'], T3, { id: 3 }),
        ],
      }),
    );
    expect(r.plan.changes.map((c) => [c.id, c.to.state, c.reason])).toEqual([[2, 'blocked', 'admin'], [3, 'blocked', 'pool-shrunk']]);
  });

  it('a protected account that takes a seat left free blocks nobody', () => {
    const r = plan(anInput({ pools: [aPool('primary', 3)], accounts: [...holders.slice(0, 2), anAccount({ id: 4, protected: true })] }));
    expect(r.change(4)?.reason).toBe('new');
    expect(r.plan.newlyBlocked).toEqual([]);
  });
});

describe('rule 6: no churn', () => {
  it('a resync with no directory change changes nothing', () => {
    const accounts = [
      anActiveAccount(['primary'], T1, { id: 1 }),
      anActiveAccount(['primary'], T2, { id: 2, protected: true }),
      aBlockedAccount(['primary'], T3, { id: 3 }),
      anAccount({ id: 4, state: 'disabled', enabled: false }),
      anAccount({ id: 5, state: 'removed', present: false }),
      anAccount({ id: 6, state: 'suspended', suspended: true }),
      anAccount({ id: 7, state: 'active', profile: 'service', activatedAt: T1 }),
      anAccount({ id: 8, state: 'removed', profile: null }),
    ];
    const r = plan(anInput({ pools: [aPool('primary', 2)], profiles: { staff: ['primary'], service: [] }, accounts }));
    expect(r.plan.changes).toEqual([]);
    expect(r.plan.newlyBlocked).toEqual([]);
  });

  it('active accounts keep their seats although others waited longer', () => {
    const r = plan(
      anInput({
        pools: [aPool('primary', 1)],
        accounts: [anActiveAccount(['primary'], NOW - HOUR_MS, { id: 1 }), aBlockedAccount(['primary'], T1, { id: 2 })],
      }),
    );
    expect(r.plan.changes).toEqual([]);
  });
});

describe('rule 7: release and return', () => {
  it.each([
    { name: 'disabled', change: { enabled: false }, state: 'disabled', reason: 'directory-disabled' },
    { name: 'removed', change: { present: false }, state: 'removed', reason: 'removed' },
    { name: 'suspended', change: { suspended: true }, state: 'suspended', reason: 'admin' },
  ])('a $name account releases its seats at once', ({ change, state, reason }) => {
    const r = plan(anInput({ accounts: [anActiveAccount(['primary'], T1, { id: 1, ...change })] }));
    expect(seatsOf(r.account(1))).toEqual({ state, held: [], waitingFor: [], waitingSince: null, activatedAt: null, graceUntil: null });
    expect(r.change(1)).toMatchObject({ reason, from: { state: 'active', held: ['primary'] } });
    expect(r.pool('primary').used).toBe(0);
  });

  it.each([
    { name: 're-enabled', from: 'disabled', reason: 'directory-enabled' },
    { name: 'returned', from: 'removed', reason: 'returned' },
    { name: 'unsuspended', from: 'suspended', reason: 'admin' },
    { name: 'new', from: null, reason: 'new' },
  ] as const)('a $name account gets a seat that is free now', ({ from, reason }) => {
    const r = plan(anInput({ accounts: [anAccount({ id: 1, state: from })] }));
    expect(r.account(1)).toMatchObject({ state: 'active', held: ['primary'], activatedAt: NOW, waitingSince: null });
    expect(r.change(1)?.reason).toBe(reason);
  });

  it('an account eligible again waits from now, behind those already waiting', () => {
    const r = plan(
      anInput({
        pools: [aPool('primary', 1)],
        accounts: [
          anActiveAccount(['primary'], T1, { id: 1, enabled: false }),
          aBlockedAccount(['primary'], T3, { id: 2 }),
          anAccount({ id: 3, state: 'disabled', directoryCreatedAt: 0 }),
        ],
      }),
    );
    expect(r.account(2).state).toBe('active');
    expect(r.account(3)).toMatchObject({ state: 'blocked', waitingSince: NOW, waitingFor: ['primary'] });
    expect(r.change(3)?.reason).toBe('directory-enabled');
    expect(r.plan.newlyBlocked).toEqual([3]);
  });

  // The reason names what made it ask, as its activation would; an admin's unblock has its own audit row.
  it.each([
    { name: 're-enabled', from: 'disabled', reason: 'directory-enabled' },
    { name: 'returned', from: 'removed', reason: 'returned' },
    { name: 'unsuspended', from: 'suspended', reason: 'seats' },
    { name: 'new', from: null, reason: 'seats' },
  ] as const)('a $name account that finds no free seat is blocked with reason $reason', ({ from, reason }) => {
    const r = plan(anInput({ pools: [aPool('primary', 1)], accounts: [anActiveAccount(['primary'], T1, { id: 1 }), anAccount({ id: 2, state: from })] }));
    expect(r.account(2)).toMatchObject({ state: 'blocked', held: [], waitingFor: ['primary'], waitingSince: NOW });
    expect(r.change(2)).toMatchObject({ reason, from: from === null ? null : { state: from } });
    expect(r.plan.newlyBlocked).toEqual([2]);
  });
});

describe('rule 8: profile change', () => {
  const modules = (accounts: InputOverrides['accounts'], cases = 1, documents = 1) =>
    plan(anInput({ pools: [aPool('cases', cases), aPool('documents', documents)], profiles: MODULES, accounts }));

  it('releases the seats the new profile does not need, keeping activatedAt', () => {
    const r = modules([anActiveAccount(['cases', 'documents'], T1, { id: 1, profile: 'clerk' })]);
    expect(seatsOf(r.account(1))).toMatchObject({ state: 'active', held: ['cases'], activatedAt: T1 });
    expect(r.change(1)?.reason).toBe('profile-changed');
    expect(r.pool('documents').used).toBe(0);
  });

  it('requests the pools it needs and gets them when free', () => {
    const r = modules([anActiveAccount(['cases'], T1, { id: 1, profile: 'staff' })]);
    expect(r.account(1)).toMatchObject({ state: 'active', held: ['cases', 'documents'], activatedAt: NOW });
    expect(r.change(1)?.reason).toBe('profile-changed');
  });

  it('becomes blocked, holding nothing, when the new pools cannot be had; its seat goes to the next in line', () => {
    const r = modules(
      [
        anActiveAccount(['cases'], T1, { id: 1, profile: 'staff' }),
        anActiveAccount(['documents'], T1, { id: 2, profile: 'archivist' }),
        aBlockedAccount(['cases'], T3, { id: 3, profile: 'clerk' }),
      ],
      1,
      1,
    );
    expect(r.account(1)).toMatchObject({ state: 'blocked', held: [], waitingSince: NOW, waitingFor: ['cases', 'documents'] });
    expect(r.change(1)).toMatchObject({ reason: 'profile-changed', from: { state: 'active', held: ['cases'] } });
    expect(r.plan.newlyBlocked).toEqual([1]);
    expect(r.account(3)).toMatchObject({ state: 'active', held: ['cases'] });
    expect(r.change(3)?.reason).toBe('seats');
  });

  it('keeps its still-needed seats while it waits its turn', () => {
    // Account 2 waited longer for `cases`, but account 1 still holds that seat and gets `documents`.
    const r = modules([
      anActiveAccount(['cases'], T1, { id: 1, profile: 'staff' }),
      aBlockedAccount(['cases'], T3, { id: 2, profile: 'clerk' }),
    ]);
    expect(r.account(1)).toMatchObject({ state: 'active', held: ['cases', 'documents'] });
    expect(r.account(2).state).toBe('blocked');
    expect(r.change(2)).toBeUndefined();
  });

  it('seats it releases go to the earliest waiter that now fits', () => {
    // Account 1 keeps `cases` and `documents` till its turn, then cannot get `extra` and releases both.
    // Account 2 waited longest (for `documents`); account 3 (for both) comes after it.
    const r = plan(
      anInput({
        pools: [aPool('cases', 1), aPool('documents', 1), aPool('extra', 0)],
        profiles: { ...MODULES, all: ['cases', 'documents', 'extra'] },
        accounts: [
          anActiveAccount(['cases', 'documents'], T1, { id: 1, profile: 'all' }),
          aBlockedAccount(['documents'], T1, { id: 2, profile: 'archivist' }),
          aBlockedAccount(['cases', 'documents'], T2, { id: 3, profile: 'staff' }),
        ],
      }),
    );
    expect(r.account(1)).toMatchObject({ state: 'blocked', held: [], waitingFor: ['documents', 'extra'] });
    expect(r.change(1)?.reason).toBe('profile-changed');
    expect(r.account(2)).toMatchObject({ state: 'active', held: ['documents'] });
    expect(r.account(3)).toMatchObject({ state: 'blocked', waitingFor: ['documents'], waitingSince: T2 });
    expect(r.pool('cases')).toMatchObject({ used: 0, available: 1 });
  });

  it('a blocked account whose profile changed waits for the new pools from the same moment', () => {
    const r = modules([aBlockedAccount(['cases'], T3, { id: 1, profile: 'archivist' })], 0, 0);
    expect(r.account(1)).toMatchObject({ state: 'blocked', waitingSince: T3, waitingFor: ['documents'] });
  });
});

describe('rule 9: grace', () => {
  const GRACE_END = NOW + 7 * DAY_MS;
  const grace = (accounts: InputOverrides['accounts'], seats = 1, graceDays = 7) =>
    plan(anInput({ pools: [aPool('primary', seats)], policy: { graceDays }, accounts }));
  const graceHolder = (id: number, since: number, until: number) =>
    anActiveAccount(['primary'], since, { id, waitingSince: since, graceUntil: until });

  it('a new user that finds no free seat is activated until now + graceDays', () => {
    const r = grace([anActiveAccount(['primary'], T1, { id: 1 }), anAccount({ id: 2 })]);
    expect(seatsOf(r.account(2))).toEqual({
      state: 'active',
      held: ['primary'],
      waitingFor: [],
      waitingSince: NOW,
      activatedAt: NOW,
      graceUntil: GRACE_END,
    });
    expect(r.change(2)?.reason).toBe('grace');
    expect(r.plan.graceStarted).toEqual([2]);
    expect(r.plan.newlyBlocked).toEqual([]);
  });

  it('a grace holder that gets a regular seat stays active without graceUntil', () => {
    const r = grace([anActiveAccount(['primary'], T1, { id: 1, present: false }), graceHolder(2, T3, GRACE_END)]);
    expect(r.account(2)).toMatchObject({ state: 'active', graceUntil: null, waitingSince: null, activatedAt: T3 });
    expect(r.pool('primary').overage).toBe(0);
  });

  it('a grace holder whose grace has not ended keeps it, unchanged', () => {
    const r = grace([anActiveAccount(['primary'], T1, { id: 1 }), graceHolder(2, T3, NOW + DAY_MS)]);
    expect(r.plan.changes).toEqual([]);
  });

  it('when grace ends without a free seat the account is blocked', () => {
    const r = grace([anActiveAccount(['primary'], T1, { id: 1 }), graceHolder(2, T3, NOW)]);
    expect(seatsOf(r.account(2))).toMatchObject({ state: 'blocked', held: [], waitingSince: T3, graceUntil: null });
    expect(r.change(2)?.reason).toBe('grace-expired');
    expect(r.plan.newlyBlocked).toEqual([2]);
    expect(r.pool('primary')).toMatchObject({ used: 1, overage: 0, waiting: 1 });
  });

  it('when grace ends, the newest are blocked first', () => {
    const r = grace([graceHolder(1, T2, NOW - 1), graceHolder(2, T1, NOW - 1), graceHolder(3, T3, NOW - 1)], 2);
    expect([1, 2, 3].map((id) => r.account(id).state)).toEqual(['active', 'active', 'blocked']);
  });

  it('is never given twice: an account already waiting gets none', () => {
    const r = grace([anActiveAccount(['primary'], T1, { id: 1 }), aBlockedAccount(['primary'], T3, { id: 2 })]);
    expect(r.plan.changes).toEqual([]);
  });

  it('is off by default (graceDays 0)', () => {
    const r = grace([anActiveAccount(['primary'], T1, { id: 1 }), anAccount({ id: 2 })], 1, 0);
    expect(r.account(2).state).toBe('blocked');
    expect(r.plan.graceStarted).toEqual([]);
  });
});
