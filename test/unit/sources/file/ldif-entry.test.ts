import { describe, expect, it } from 'vitest';
import { ldifAttributesNeeded, mapLdifRecord } from '../../../../src/sources/file/ldif-entry.ts';
import type { LdifProblem, LdifRecord, LdifValue } from '../../../../src/sources/file/ldif-parser.ts';

/** A parsed record, attributes given as [name, value] pairs (names as written; stored lowercased). */
interface RecordExtras {
  readonly dn?: string;
  readonly changeType?: string;
  readonly problem?: LdifProblem;
}

function aRecord(pairs: readonly (readonly [string, LdifValue])[], more: RecordExtras = {}): LdifRecord {
  const attributes = new Map<string, LdifValue[]>();
  for (const [name, value] of pairs) attributes.set(name.toLowerCase(), [...(attributes.get(name.toLowerCase()) ?? []), value]);
  const dn = more.dn ?? 'uid=jdoe,ou=People,dc=example,dc=test';
  return { line: 12, dn, changeType: more.changeType ?? null, attributes, problem: more.problem ?? null };
}

const context = { groupsOfInterest: ['cn=staff,ou=groups,dc=example,dc=test', 'partners'], attributes: ['employeeType'] };
const GUID_BYTES = Uint8Array.from(Buffer.from('MyIRAFVEd2aImaq7zN3u/w==', 'base64'));

describe('mapLdifRecord', () => {
  it('maps an OpenLDAP person', () => {
    const record = aRecord([
      ['objectClass', 'inetOrgPerson'],
      ['entryUUID', '6F1E3C2A-0000-4000-8000-000000000001'],
      ['uid', 'jdoe'],
      ['mail', 'jane.doe@example.test'],
      ['cn', 'Jane Doe'],
      ['createTimestamp', '20240101120000Z'],
      ['memberOf', 'CN=Staff, OU=Groups, DC=example, DC=test'],
      ['memberOf', 'cn=Partners,ou=Groups,dc=example,dc=test'],
      ['employeeType', 'staff'],
      ['employeeType', 'contractor'],
    ]);
    expect(mapLdifRecord(record, context)).toEqual({
      kind: 'user',
      user: {
        externalId: '6f1e3c2a-0000-4000-8000-000000000001',
        username: 'jdoe',
        email: 'jane.doe@example.test',
        displayName: 'Jane Doe',
        dn: 'uid=jdoe,ou=people,dc=example,dc=test',
        enabled: true,
        createdAt: new Date('2024-01-01T12:00:00Z'),
        groups: ['cn=staff,ou=groups,dc=example,dc=test', 'cn=partners,ou=groups,dc=example,dc=test', 'partners'],
        attributes: { employeeType: ['staff', 'contractor'] },
      },
      // The attributes this entry's fields came from: the export holds cn, not displayName.
      readFrom: { externalId: 'entryUUID', username: 'uid', email: 'mail', displayName: 'cn', createdAt: 'createTimestamp', dn: 'dn', groups: 'memberOf' },
    });
  });

  it('maps an AD user: binary objectGUID, sAMAccountName, whenCreated, disable bit', () => {
    const item = mapLdifRecord(
      aRecord([
        ['objectClass', 'user'],
        ['objectGUID', GUID_BYTES],
        ['sAMAccountName', 'jdoe'],
        ['displayName', 'Jane Doe'],
        ['cn', 'Doe, Jane'],
        ['whenCreated', '20230515083000.0Z'],
        ['userAccountControl', '514'],
      ]),
      context,
    );
    expect(item).toMatchObject({
      kind: 'user',
      user: {
        externalId: '00112233-4455-6677-8899-aabbccddeeff',
        username: 'jdoe',
        displayName: 'Jane Doe',
        enabled: false,
        createdAt: new Date('2023-05-15T08:30:00Z'),
      },
      readFrom: { externalId: 'objectGUID', username: 'sAMAccountName', displayName: 'displayName', createdAt: 'whenCreated' },
    });
  });

  it('accepts objectGUID written as text', () => {
    const item = mapLdifRecord(aRecord([['objectClass', 'person'], ['objectGUID', '{00112233-4455-6677-8899-AABBCCDDEEFF}'], ['uid', 'x']]), context);
    expect(item?.kind === 'user' && item.user.externalId).toBe('00112233-4455-6677-8899-aabbccddeeff');
  });

  it.each([
    [[['pwdAccountLockedTime', '000001010000Z']] as const, false],
    [[['nsAccountLock', 'TRUE']] as const, false],
    [[['nsAccountLock', 'false']] as const, true],
    [[['userAccountControl', '512']] as const, true],
  ])('reads the disabled state from %j', (pairs, enabled) => {
    const item = mapLdifRecord(aRecord([['objectClass', 'person'], ['entryUUID', 'u-1'], ['uid', 'x'], ...pairs]), context);
    expect(item?.kind === 'user' && item.user.enabled).toBe(enabled);
  });

  it('falls back from uid to sAMAccountName, userPrincipalName, mail, then the id', () => {
    const username = (pairs: readonly (readonly [string, string])[]) => {
      const item = mapLdifRecord(aRecord([['objectClass', 'person'], ['entryUUID', 'u-1'], ...pairs]), context);
      return item?.kind === 'user' ? item.user.username : null;
    };
    expect(username([['userPrincipalName', 'jdoe@corp.test'], ['mail', 'jane@example.test']])).toBe('jdoe@corp.test');
    expect(username([['mail', 'jane@example.test']])).toBe('jane@example.test');
    expect(username([])).toBe('u-1');
  });

  it.each([
    ['a group', [['objectClass', 'groupOfNames'], ['cn', 'Staff']]],
    ['an OU', [['objectClass', 'organizationalUnit'], ['ou', 'People']]],
    ['an AD computer', [['objectClass', 'user'], ['objectClass', 'computer'], ['objectGUID', GUID_BYTES], ['sAMAccountName', 'WS01$']]],
    ['an AD contact', [['objectClass', 'person'], ['objectClass', 'contact'], ['mail', 'ext@example.test']]],
    ['an entry without objectClass or account attributes', [['description', 'root']]],
  ] as const)('ignores %s silently', (_what, pairs) => {
    expect(mapLdifRecord(aRecord(pairs), context)).toBeNull();
  });

  it('takes the id from a single entryUUID even when objectGUID has several values', () => {
    const item = mapLdifRecord(aRecord([['objectClass', 'person'], ['entryUUID', 'u-1'], ['objectGUID', GUID_BYTES], ['objectGUID', GUID_BYTES], ['uid', 'x']]), context);
    expect(item).toMatchObject({ kind: 'user', user: { externalId: 'u-1' } });
  });

  it('treats an entry without objectClass but with account attributes as a person', () => {
    expect(mapLdifRecord(aRecord([['entryUUID', 'u-9'], ['uid', 'x']]), context)?.kind).toBe('user');
  });

  it.each([
    ['no id', [['objectClass', 'person'], ['uid', 'x']], undefined, /neither entryUUID nor objectGUID/],
    ['a short objectGUID', [['objectClass', 'person'], ['objectGUID', new Uint8Array(4)]], 'objectGUID', /16 bytes .* found 4 bytes/],
    ['two entryUUIDs', [['objectClass', 'person'], ['entryUUID', 'u-1'], ['entryUUID', 'u-2']], 'entryUUID', /entryUUID has 2 values; an entry's id is one value/],
    ['two objectGUIDs', [['objectClass', 'user'], ['objectGUID', GUID_BYTES], ['objectGUID', GUID_BYTES]], 'objectGUID', /objectGUID has 2 values/],
    ['a bad createTimestamp', [['objectClass', 'person'], ['entryUUID', 'u'], ['createTimestamp', 'yesterday']], 'createTimestamp', /not a generalized time/],
    ['a bad whenCreated', [['objectClass', 'user'], ['entryUUID', 'u'], ['whenCreated', '2024']], 'whenCreated', /not a generalized time/],
    ['a bad userAccountControl', [['objectClass', 'user'], ['entryUUID', 'u'], ['userAccountControl', 'x']], 'userAccountControl', /not an integer/],
  ] as const)('skips an entry with %s, naming the DN, line and attribute', (_what, pairs, attribute, reason) => {
    const item = mapLdifRecord(aRecord(pairs), context);
    expect(item).toMatchObject({ kind: 'skipped', entry: 'uid=jdoe,ou=People,dc=example,dc=test (line 12)' });
    expect(item?.kind === 'skipped' && item.attribute).toBe(attribute);
    expect(item?.kind === 'skipped' && item.reason).toMatch(reason);
  });

  it('skips change records other than add', () => {
    const item = mapLdifRecord(aRecord([], { changeType: 'delete' }), context);
    expect(item).toMatchObject({ kind: 'skipped', reason: expect.stringMatching(/"delete" change record/) });
    expect(mapLdifRecord(aRecord([['objectClass', 'person'], ['entryUUID', 'u'], ['uid', 'x']], { changeType: 'add' }), context)?.kind).toBe('user');
  });

  it('skips a person whose record had a parse problem, with the problem as reason', () => {
    const problem: LdifProblem = { code: 'base64', line: 14, attribute: 'mail', reason: 'mail on line 14 is not valid base64' };
    const item = mapLdifRecord(aRecord([['objectClass', 'person'], ['entryUUID', 'u']], { problem }), context);
    expect(item).toEqual({ kind: 'skipped', entry: 'uid=jdoe,ou=People,dc=example,dc=test (line 12)', attribute: 'mail', reason: problem.reason, externalId: 'u' });
  });
});

describe('ldifAttributesNeeded', () => {
  it('keeps the mapped attributes and the configured ones, case-insensitively', () => {
    const keep = ldifAttributesNeeded(['employeeType']);
    expect(['objectclass', 'entryuuid', 'memberof', 'employeetype'].every(keep)).toBe(true);
    expect(keep('member')).toBe(false);
    expect(keep('userpassword')).toBe(false);
  });
});
