// The SCIM user seatsync wants, the PATCH that gets there, and the drift a reconcile counts (pure).
import { describe, expect, it } from 'vitest';
import { driftOf } from '../../../src/targets/scim/scim-drift.ts';
import { desiredUser, patchOperations } from '../../../src/targets/scim/scim-user.ts';
import { scimPayloadOf, type AccountSnapshot } from '../../../src/targets/target-rows.ts';

const anAccount = (over: Partial<AccountSnapshot> = {}): AccountSnapshot => ({
  id: 1, source: 'hr', externalId: 'e-1', username: 'ada', email: 'ada@x.test', displayName: 'Ada L', state: 'active', held: ['primary'], ...over,
});
const asPushed = (a: AccountSnapshot) => ({ id: 'app-1', ...desiredUser(scimPayloadOf(a)) });
const options = { deprovision: 'deactivate' as const, poolGroups: null };

describe('SCIM user and drift', () => {
  it('active exactly when the account is active (zero-seat profiles too)', () => {
    expect(desiredUser(scimPayloadOf(anAccount({ held: [] }))).active).toBe(true);
    for (const state of ['blocked', 'suspended', 'disabled', 'removed'] as const) expect(desiredUser(scimPayloadOf(anAccount({ state }))).active).toBe(false);
  });

  it('patches only what differs', () => {
    const account = anAccount();
    expect(patchOperations(asPushed(account), desiredUser(scimPayloadOf(account)))).toEqual([]);
    const renamed = anAccount({ username: 'ada.l', email: null });
    expect(patchOperations(asPushed(account), desiredUser(scimPayloadOf(renamed)))).toEqual([{ op: 'replace', path: 'userName', value: 'ada.l' }]);
    expect(patchOperations({ ...asPushed(account), active: false }, desiredUser(scimPayloadOf(account)))).toEqual([{ op: 'replace', path: 'active', value: true }]);
  });

  it('names each kind of drift', () => {
    const a = anAccount();
    expect(driftOf(a, asPushed(a), options)).toBeNull();
    expect(driftOf(a, undefined, options)).toBe('missing');
    expect(driftOf(a, { ...asPushed(a), active: false }, options)).toBe('shouldBeActive');
    expect(driftOf(anAccount({ state: 'blocked', held: [] }), asPushed(a), options)).toBe('shouldBeInactive');
    expect(driftOf(a, { ...asPushed(a), displayName: 'X' }, options)).toBe('attributes');
    expect(driftOf(anAccount({ state: 'removed' }), undefined, options)).toBeNull();
    expect(driftOf(anAccount({ state: 'removed' }), { ...asPushed(a), active: false }, options)).toBeNull();
    expect(driftOf(anAccount({ state: 'removed' }), asPushed(a), { ...options, deprovision: 'delete' })).toBe('shouldBeDeleted');
    const groups = new Map([['primary', 'g-1']]);
    expect(driftOf(a, { ...asPushed(a), groups: [] }, { ...options, poolGroups: groups })).toBe('groups');
    expect(driftOf(a, { ...asPushed(a), groups: [{ value: 'g-1' }] }, { ...options, poolGroups: groups })).toBeNull();
    expect(driftOf(a, asPushed(a), { ...options, poolGroups: groups })).toBeNull(); // membership not listed: unknown
  });
});
