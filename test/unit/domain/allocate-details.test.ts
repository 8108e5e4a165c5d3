// The details of the allocation around the rules: targets, reasons, reports, normalization.
import { describe, expect, it } from 'vitest';
import { allocate, applyChanges } from '../../../src/domain/allocate.ts';
import { aBlockedAccount, anAccount, anActiveAccount, anInput, aPool, type InputOverrides } from '../../support/builders.ts';
import { DAY_MS, NOW, plan, seatsOf } from './allocation-helpers.ts';

const T1 = NOW - 10 * DAY_MS;

describe('allocate: targets of accounts that hold no seat', () => {
  it.each([
    { name: 'gone from the directory', fields: { present: false, enabled: false, suspended: true }, state: 'removed', reason: 'removed' },
    { name: 'matching no profile', fields: { profile: null, enabled: false }, state: 'removed', reason: 'out-of-scope' },
    { name: 'with a profile the config no longer has', fields: { profile: 'old' }, state: 'removed', reason: 'out-of-scope' },
    { name: 'disabled and suspended', fields: { enabled: false, suspended: true }, state: 'disabled', reason: 'directory-disabled' },
    { name: 'suspended', fields: { suspended: true, protected: true }, state: 'suspended', reason: 'admin' },
  ])('an account $name → $state ($reason)', ({ fields, state, reason }) => {
    const r = plan(anInput({ accounts: [aBlockedAccount(['primary'], T1, { id: 1, ...fields })] }));
    expect(seatsOf(r.account(1))).toEqual({ state, held: [], waitingFor: [], waitingSince: null, activatedAt: null, graceUntil: null });
    expect(r.change(1)?.reason).toBe(reason);
    expect(r.plan.newlyBlocked).toEqual([]);
  });

  it('a new account that is already disabled is recorded as disabled, with from = null', () => {
    const r = plan(anInput({ accounts: [anAccount({ id: 1, username: 'carol', enabled: false })] }));
    expect(r.plan.changes).toEqual([
      {
        id: 1,
        username: 'carol',
        from: null,
        to: { state: 'disabled', held: [], waitingFor: [], waitingSince: null, activatedAt: null, graceUntil: null },
        reason: 'directory-disabled',
      },
    ]);
  });
});

describe('allocate: profiles that need no pool', () => {
  const input = (accounts: InputOverrides['accounts']) =>
    anInput({ pools: [aPool('primary', 0)], profiles: { service: [] }, accounts });

  it.each([
    { name: 'a new account', from: {}, reason: 'new', activatedAt: NOW },
    { name: 'a blocked account', from: { state: 'blocked', waitingFor: ['primary'], waitingSince: T1 }, reason: 'profile-changed', activatedAt: NOW },
    { name: 'an active account holding seats', from: { state: 'active', held: ['primary'], activatedAt: T1 }, reason: 'profile-changed', activatedAt: T1 },
  ] as const)('$name becomes active holding nothing', ({ from, reason, activatedAt }) => {
    const r = plan(input([anAccount({ id: 1, profile: 'service', ...from })]));
    expect(seatsOf(r.account(1))).toEqual({ state: 'active', held: [], waitingFor: [], waitingSince: null, activatedAt, graceUntil: null });
    expect(r.change(1)?.reason).toBe(reason);
  });

  it('an account already active without seats does not change', () => {
    expect(plan(input([anAccount({ id: 1, profile: 'service', state: 'active', activatedAt: T1 })])).plan.changes).toEqual([]);
  });
});

describe('allocate: normalization and reports', () => {
  it('stores held pools sorted and once, so the next plan sees no difference', () => {
    const input = anInput({
      pools: [aPool('b', 1), aPool('a', 1)],
      profiles: { staff: ['b', 'a', 'b'] },
      accounts: [anAccount({ id: 1, state: 'active', held: ['b', 'a'], activatedAt: T1 })],
    });
    const first = allocate(input);
    expect(first.changes.map((c) => [c.to.held, c.reason])).toEqual([[['a', 'b'], 'seats']]);
    expect(first.pools.map((p) => [p.name, p.used])).toEqual([['b', 1], ['a', 1]]);
    expect(allocate({ ...input, accounts: applyChanges(input.accounts, first.changes) }).changes).toEqual([]);
  });

  it('reports configured pools in config order, then pools only profiles name, by name', () => {
    const r = plan(anInput({ pools: [aPool('zeta', 1), aPool('alpha', 1)], profiles: { x: ['omega', 'beta'], y: ['alpha'] } }));
    expect(r.plan.pools.map((p) => [p.name, p.seats])).toEqual([['zeta', 1], ['alpha', 1], ['beta', 0], ['omega', 0]]);
  });

  it('releases seats in pools the config no longer knows', () => {
    const r = plan(anInput({ accounts: [anActiveAccount(['primary', 'retired'], T1, { id: 1 })] }));
    expect(r.account(1)).toMatchObject({ state: 'active', held: ['primary'], activatedAt: T1 });
    expect(r.change(1)?.reason).toBe('profile-changed');
  });

  it('a protected account taking a free seat records the ordinary reason', () => {
    const r = plan(anInput({ accounts: [anAccount({ id: 1, protected: true })] }));
    expect(r.change(1)?.reason).toBe('new');
  });

  it('a protected account that was blocked is activated over a full pool', () => {
    const r = plan(
      anInput({
        pools: [aPool('primary', 1)],
        accounts: [anActiveAccount(['primary'], T1, { id: 1, protected: true }), aBlockedAccount(['primary'], T1, { id: 2, protected: true })],
      }),
    );
    expect(r.account(2)).toMatchObject({ state: 'active', waitingSince: null });
    expect(r.change(2)?.reason).toBe('protected');
    expect(r.pool('primary')).toMatchObject({ used: 2, overage: 1, waiting: 0 });
  });

  it('does not modify its input', () => {
    const accounts = [anActiveAccount(['primary'], T1, { id: 1, enabled: false }), anAccount({ id: 2 })];
    const input = anInput({ accounts });
    const copy = structuredClone(accounts);
    const result = allocate(input);
    expect(result.changes.length).toBe(2);
    expect(accounts).toEqual(copy);
  });
});

describe('allocate: grace details', () => {
  const grace = (accounts: InputOverrides['accounts'], pools = [aPool('cases', 1), aPool('documents', 1)]) =>
    plan(
      anInput({
        pools,
        profiles: { staff: ['cases', 'documents'], clerk: ['cases'], archivist: ['documents'] },
        policy: { graceDays: 3 },
        accounts,
      }),
    );

  it('an account that changed profile and cannot get the new pool starts a grace period', () => {
    const r = grace([anActiveAccount(['cases'], T1, { id: 1, profile: 'clerk' }), anActiveAccount(['documents'], T1, { id: 2 })]);
    expect(r.account(2)).toMatchObject({ state: 'active', held: ['cases', 'documents'], graceUntil: NOW + 3 * DAY_MS });
    expect(r.plan.graceStarted).toEqual([2]);
    expect(r.pool('cases')).toMatchObject({ used: 2, overage: 1 });
  });

  it('a grace holder whose profile changes keeps its grace end and holds the new pools as overage', () => {
    const until = NOW + DAY_MS;
    const r = grace([
      anActiveAccount(['cases'], T1, { id: 1, profile: 'clerk' }),
      anActiveAccount(['documents'], T1, { id: 2, profile: 'archivist' }),
      anActiveAccount(['cases'], T1, { id: 3, profile: 'staff', graceUntil: until, waitingSince: T1 }),
    ]);
    expect(r.account(3)).toMatchObject({ state: 'active', held: ['cases', 'documents'], graceUntil: until, waitingSince: T1 });
    expect(r.change(3)?.reason).toBe('profile-changed');
    expect(r.plan.graceStarted).toEqual([]);
  });

  it('accounts blocked by a shrinking pool get no grace', () => {
    const r = grace([anActiveAccount(['cases'], T1, { id: 1, profile: 'clerk' }), anActiveAccount(['cases'], NOW, { id: 2, profile: 'clerk' })]);
    expect(r.account(2)).toMatchObject({ state: 'blocked', graceUntil: null });
    expect(r.change(2)?.reason).toBe('pool-shrunk');
  });
});

describe('applyChanges', () => {
  it('replaces the seat state of changed accounts and returns the others as they are', () => {
    const unchanged = anActiveAccount(['primary'], T1, { id: 1 });
    const changed = anAccount({ id: 2, username: 'dave' });
    const to = { state: 'blocked', held: [], waitingFor: ['primary'], waitingSince: NOW, activatedAt: null, graceUntil: null } as const;
    const result = applyChanges([unchanged, changed], [{ id: 2, username: 'dave', from: null, to, reason: 'seats' }]);
    expect(result[0]).toBe(unchanged);
    expect(result[1]).toEqual({ ...changed, ...to });
    expect(changed.state).toBeNull();
  });
});
