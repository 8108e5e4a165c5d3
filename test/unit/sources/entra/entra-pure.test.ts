// The Entra source's pure parts: read planning, property selection and mapping, Retry-After, digests.
// (No service involved; kept beside the integration tests of the same adapter.)
import { describe, expect, it } from 'vitest';
import type { EntraSourceConfig } from '../../../../src/config/types.ts';
import { planRead, readFingerprint } from '../../../../src/sources/entra/entra-cursor.ts';
import { splitGroupKeys } from '../../../../src/sources/entra/entra-session.ts';
import { MembershipDigest } from '../../../../src/sources/entra/group-membership.ts';
import { retryAfterMs } from '../../../../src/retry-after.ts';
import { mapGraphUser, selectionFor } from '../../../../src/sources/entra/user-mapping.ts';

const config: EntraSourceConfig = {
  kind: 'entra', name: 'e', schedule: null, fullEveryMs: 1000, tenantId: 'T', clientId: 'c', credential: { kind: 'secret', clientSecret: 's' },
  cloud: { graph: 'https://graph.microsoft.com', login: 'https://login.microsoftonline.com' }, group: null, pageSize: 999,
};

describe('planRead', () => {
  const fingerprint = readFingerprint(config, ['id'], []);
  const cursor = { kind: 'entra-delta', deltaLink: 'https://graph/delta?$deltatoken=x', fullAt: new Date(10_000).toISOString(), fingerprint, groups: null };
  const plan = (overrides: Partial<Parameters<typeof planRead>[0]>) => planRead({ cursor, forceFull: false, fingerprint, nowMs: 10_500, fullEveryMs: 1000, ...overrides });

  it('reads incrementally from a valid, recent cursor of the same selection', () => {
    expect(plan({})).toMatchObject({ mode: 'incremental', cursor: { deltaLink: cursor.deltaLink } });
  });
  it('reads everything when forced, without a cursor, with a foreign cursor, a new selection, or after fullEvery', () => {
    expect(plan({ forceFull: true }).mode).toBe('full');
    expect(plan({ cursor: null }).mode).toBe('full');
    expect(plan({ cursor: { kind: 'ad-usn', usn: 4 } }).mode).toBe('full');
    expect(plan({ fingerprint: readFingerprint(config, ['id', 'department'], []) }).mode).toBe('full');
    expect(plan({ nowMs: 11_000 })).toEqual({ mode: 'full', reason: 'periodic full read (fullEvery)' });
  });
  it('fingerprints the scope and groups, not their order', () => {
    expect(readFingerprint(config, ['a', 'b'], ['g1', 'g2'])).toBe(readFingerprint(config, ['b', 'a'], ['g2', 'g1']));
    expect(readFingerprint({ ...config, group: 'g' }, ['a'], [])).not.toBe(readFingerprint(config, ['a'], []));
  });
});

describe('selectionFor and mapGraphUser', () => {
  it('selects Graph properties by their canonical names and ignores names Graph does not have', () => {
    const selection = selectionFor(['EmployeeType', 'extensionAttribute7', 'extension_0123456789abcdef0123456789abcdef_costCenter', 'uidNumber']);
    expect(selection.select).toEqual(expect.arrayContaining(['employeeType', 'onPremisesExtensionAttributes', 'extension_0123456789abcdef0123456789abcdef_costCenter']));
    expect(selection.ignored).toEqual(['uidNumber']);
  });
  it('maps values, keeping the configured attribute names', () => {
    const selection = selectionFor(['EmployeeType', 'extensionAttribute7', 'proxyAddresses']);
    const item = mapGraphUser({
      id: 'ABC', userPrincipalName: 'a@x', accountEnabled: true, mail: '', employeeType: 'Staff', createdDateTime: 'not a date',
      onPremisesExtensionAttributes: { extensionAttribute7: 'seven' }, proxyAddresses: ['SMTP:a@x', 'smtp:b@x'],
    }, selection, ['g']);
    expect(item).toEqual({
      kind: 'user',
      user: {
        externalId: 'abc', username: 'a@x', email: null, displayName: null, dn: null, enabled: true, createdAt: null, groups: ['g'],
        attributes: { EmployeeType: ['Staff'], extensionAttribute7: ['seven'], proxyAddresses: ['SMTP:a@x', 'smtp:b@x'] },
      },
      readFrom: { externalId: 'id', username: 'userPrincipalName', email: 'mail', displayName: 'displayName', dn: 'onPremisesDistinguishedName', createdAt: 'createdDateTime' },
    });
  });
  it('skips entries without id, userPrincipalName or accountEnabled', () => {
    const selection = selectionFor([]);
    expect(mapGraphUser({ userPrincipalName: 'a@x' }, selection, [])).toMatchObject({ kind: 'skipped', attribute: 'id' });
    expect(mapGraphUser({ userPrincipalName: 'a@x' }, selection, [])).not.toHaveProperty('externalId');
    // The object id is readable: the sync keeps that account as it was.
    expect(mapGraphUser({ id: 'I', accountEnabled: true }, selection, [])).toMatchObject({ kind: 'skipped', attribute: 'userPrincipalName', externalId: 'i' });
    expect(mapGraphUser({ id: 'I', userPrincipalName: 'a@x' }, selection, [])).toMatchObject({ kind: 'skipped', attribute: 'accountEnabled', externalId: 'i' });
  });
});

describe('small helpers', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3', 0)).toBe(3000);
    expect(retryAfterMs('0.5', 0)).toBe(500);
    expect(retryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(retryAfterMs(null, 0)).toBeNull();
    expect(retryAfterMs('soon', 0)).toBeNull();
  });
  it('digests a membership independently of order and case', () => {
    expect(MembershipDigest.of(['A', 'b', 'c'])).toBe(MembershipDigest.of(['c', 'a', 'B']));
    expect(MembershipDigest.of(['a', 'b'])).not.toBe(MembershipDigest.of(['a', 'c']));
    expect(MembershipDigest.of([])).toBe('0:0:0');
  });
  it('keeps only object ids as Entra group keys', () => {
    expect(splitGroupKeys(['6B1C0000-0000-4000-8000-000000000001', 'cn=staff,dc=x', 'Partners'])).toEqual({
      ids: ['6b1c0000-0000-4000-8000-000000000001'],
      ignored: ['cn=staff,dc=x', 'Partners'],
    });
  });
});
