import type { Entry } from 'ldapts';
import { describe, expect, it } from 'vitest';

import type { LdapSourceConfig } from '../../../../src/config/types.ts';
import { membershipFingerprint, type GroupMembers, type ResolvedGroups } from '../../../../src/sources/ldap/group-types.ts';
import { FLAVOR_DEFAULTS } from '../../../../src/sources/ldap/config.ts';
import { fieldAttributes, mapUserEntry, requestedAttributes, type UserMapping } from '../../../../src/sources/ldap/user-entry.ts';

function aConfig(flavor: LdapSourceConfig['flavor'], overrides: Partial<LdapSourceConfig> = {}): LdapSourceConfig {
  const defaults = FLAVOR_DEFAULTS[flavor];
  return {
    kind: 'ldap', name: 'dir', schedule: null, fullEveryMs: 86_400_000, flavor, urls: ['ldaps://dc'], bindDN: null, bindPassword: null,
    tls: { caFile: null, rejectUnauthorized: true, startTls: false }, baseDN: 'dc=x', filter: null, userFilter: defaults.userFilter,
    group: null, attributes: defaults.attributes, disabled: defaults.disabled, pageSize: 1000, timeLimitSeconds: 600,
    connectTimeoutMs: 1000, operationTimeoutMs: 1000, ...overrides,
  };
}

function groups(entries: Record<string, Partial<{ dns: string[]; uids: string[] }>>): ResolvedGroups {
  const members = new Map<string, GroupMembers>(
    Object.entries(entries).map(([key, value]) => [key, { dns: new Set(value.dns ?? []), uids: new Set(value.uids ?? []) }]),
  );
  return { members, newestChange: { usn: null, modifyTimestamp: null }, fingerprint: membershipFingerprint(members) };
}

const guidBytes = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const adEntry = (extra: Partial<Entry> = {}): Entry => ({
  dn: 'CN=Ann Lee,OU=People,DC=corp,DC=test',
  objectGUID: guidBytes,
  sAMAccountName: 'ann',
  mail: 'ann@corp.test',
  displayName: 'Ann Lee',
  whenCreated: '20230102030405.0Z',
  userAccountControl: '512',
  ...extra,
});

const aMapping = (overrides: Partial<Omit<UserMapping, 'readFrom'>> = {}): UserMapping => {
  const mapping = { config: aConfig('active-directory'), profileAttributes: ['employeeType'], groups: groups({}), scopeGroup: null, ...overrides };
  return { ...mapping, readFrom: fieldAttributes(mapping.config) };
};

describe('mapUserEntry', () => {
  it('maps an AD entry: GUID, account name, disabled bit, creation time, attributes', () => {
    const item = mapUserEntry(adEntry({ employeeType: ['staff', 'contractor'], userAccountControl: '514' }), aMapping());
    expect(item).toEqual({
      kind: 'user',
      user: {
        externalId: '33221100-5544-7766-8899-aabbccddeeff',
        username: 'ann',
        email: 'ann@corp.test',
        displayName: 'Ann Lee',
        dn: 'CN=Ann Lee,OU=People,DC=corp,DC=test',
        enabled: false,
        createdAt: new Date('2023-01-02T03:04:05Z'),
        groups: [],
        attributes: { employeeType: ['staff', 'contractor'] },
      },
      readFrom: { externalId: 'objectGUID', username: 'sAMAccountName', email: 'mail', displayName: 'displayName', createdAt: 'whenCreated', dn: 'dn' },
    });
  });

  it('reports the attributes each field is read from: the flavor\'s defaults, or the source\'s overrides', () => {
    const openldap = aConfig('openldap');
    const ann = { dn: 'uid=ann,dc=x', entryUUID: 'id-1', uid: 'ann' };
    expect(mapUserEntry(ann, aMapping({ config: openldap }))).toMatchObject({ readFrom: { displayName: 'cn', createdAt: 'createTimestamp', externalId: 'entryUUID', username: 'uid' } });
    const renamed = { ...openldap, attributes: { ...openldap.attributes, displayName: 'displayName', username: 'mail' } };
    expect(mapUserEntry({ ...ann, mail: 'ann@x' }, aMapping({ config: renamed }))).toMatchObject({ readFrom: { displayName: 'displayName', username: 'mail' } });
  });

  it('reads attributes whatever case the server spells them in', () => {
    const item = mapUserEntry({ dn: 'cn=a', objectguid: guidBytes, SAMACCOUNTNAME: 'ann', USERACCOUNTCONTROL: '2' }, aMapping());
    expect(item).toMatchObject({ kind: 'user', user: { username: 'ann', enabled: false, email: null, createdAt: null } });
  });

  it('skips entries without a usable id or username, naming the DN and the attribute', () => {
    const dn = 'CN=Ann Lee,OU=People,DC=corp,DC=test';
    expect(mapUserEntry(adEntry({ objectGUID: [] }), aMapping())).toEqual({ kind: 'skipped', entry: dn, attribute: 'objectGUID', reason: 'missing id attribute' });
    expect(mapUserEntry(adEntry({ objectGUID: Buffer.alloc(4) }), aMapping())).toMatchObject({ kind: 'skipped', attribute: 'objectGUID', reason: 'id attribute is not a 16-byte GUID' });
    expect(mapUserEntry(adEntry({ sAMAccountName: [] }), aMapping())).toMatchObject({ kind: 'skipped', attribute: 'sAMAccountName' });
    const ldap = aMapping({ config: aConfig('openldap') });
    expect(mapUserEntry({ dn: 'uid=b', entryUUID: ['a', 'b'], uid: 'b' }, ldap)).toMatchObject({ kind: 'skipped', attribute: 'entryUUID', reason: 'id attribute has 2 values; it must have one' });
  });

  it('skips an entry whose id is not UTF-8 (two such ids would repair to one), and repairs other text', () => {
    const ldap = aMapping({ config: aConfig('openldap') });
    const notUtf8 = (text: string) => Buffer.concat([Buffer.from(text), Buffer.from([0xff])]);
    expect(mapUserEntry({ dn: 'uid=c', entryUUID: notUtf8('id-'), uid: 'c' }, ldap)).toMatchObject({ kind: 'skipped', attribute: 'entryUUID', reason: 'id attribute is not valid UTF-8' });
    expect(mapUserEntry({ dn: 'uid=d', entryUUID: 'id-d', uid: notUtf8('d') }, ldap)).toMatchObject({ kind: 'user', user: { externalId: 'id-d', username: 'd\uFFFD' } });
  });

  it('reports the groups of interest holding the DN (normalized) or the uid', () => {
    const mapping = aMapping({
      config: aConfig('openldap'),
      groups: groups({ 'cn=staff,dc=x': { dns: ['uid=ann,ou=people,dc=x'] }, 'cn=posix,dc=x': { uids: ['ann'] }, 'cn=other,dc=x': { dns: ['uid=bob,dc=x'] } }),
    });
    const item = mapUserEntry({ dn: 'UID=Ann, OU=People, DC=X', entryUUID: 'AAAAAAAA-0000-4000-8000-000000000001', uid: 'ann' }, mapping);
    expect(item).toMatchObject({ kind: 'user', user: { externalId: 'aaaaaaaa-0000-4000-8000-000000000001', groups: ['cn=staff,dc=x', 'cn=posix,dc=x'] } });
  });

  it('drops entries outside the scope group when the scope is checked here', () => {
    const mapping = aMapping({ config: aConfig('openldap'), scopeGroup: 'cn=scope,dc=x', groups: groups({ 'cn=scope,dc=x': { dns: ['uid=ann,dc=x'] } }) });
    expect(mapUserEntry({ dn: 'uid=ann,dc=x', entryUUID: 'id-1', uid: 'ann' }, mapping)).toMatchObject({ kind: 'user' });
    expect(mapUserEntry({ dn: 'uid=bob,dc=x', entryUUID: 'id-2', uid: 'bob' }, mapping)).toBeNull();
  });

  it.each<[LdapSourceConfig['disabled'], Partial<Entry>, boolean]>([
    [{ kind: 'attribute-present', attribute: 'pwdAccountLockedTime' }, { pwdAccountLockedTime: '000001010000Z' }, false],
    [{ kind: 'attribute-present', attribute: 'pwdAccountLockedTime' }, {}, true],
    [{ kind: 'attribute-value', attribute: 'nsAccountLock', values: ['TRUE'] }, { nsAccountLock: 'true' }, false],
    [{ kind: 'attribute-value', attribute: 'nsAccountLock', values: ['TRUE'] }, { nsAccountLock: 'false' }, true],
    [{ kind: 'none' }, { pwdAccountLockedTime: 'x' }, true],
  ])('applies the disabled rule %j', (disabled, extra, enabled) => {
    const mapping = aMapping({ config: aConfig('openldap', { disabled }) });
    expect(mapUserEntry({ dn: 'uid=a', entryUUID: 'id', uid: 'a', ...extra }, mapping)).toMatchObject({ user: { enabled } });
  });
});

describe('requestedAttributes', () => {
  it('asks for the mapping, the disabled rule, uid and the profile attributes, once each', () => {
    const ad = requestedAttributes(aConfig('active-directory'), ['employeeType', 'MAIL']);
    expect(ad.attributes).toEqual(['objectGUID', 'sAMAccountName', 'mail', 'displayName', 'whenCreated', 'uid', 'userAccountControl', 'employeeType']);
    expect(ad.binary).toEqual(['objectGUID', 'objectguid', 'OBJECTGUID']);
    const ldap = requestedAttributes(aConfig('openldap', { disabled: { kind: 'attribute-present', attribute: 'pwdAccountLockedTime' } }), []);
    expect(ldap.attributes).toEqual(['entryUUID', 'uid', 'mail', 'cn', 'createTimestamp', 'pwdAccountLockedTime', 'modifyTimestamp']);
    expect(ldap.binary).toEqual([]);
  });
});
