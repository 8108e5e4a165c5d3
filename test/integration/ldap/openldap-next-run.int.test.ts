// Directory changes on OpenLDAP reach the seats on the next scheduled run, not the next full read: a
// deleted user, a user moved out of the base DN, a user removed from a nested scope group, a user added
// to the partner group; deletions and moves alone in an incremental read (a content-sync refresh from the
// cookie: the test slapd runs the syncprov overlay; openldap-content-sync covers a server without it).
// Bad data the directory holds costs nobody a seat. posixGroup memberUid matches uids case-insensitively
// and may hold DNs. Real slapd, sources built from the config through the factory, real PostgreSQL.
import { Attribute, Change, type Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SeatsyncConfig } from '../../../src/config/types.ts';
import type { SyncReport } from '../../../src/sync/run-sync.ts';
import { aConfig } from '../../support/config-builder.ts';
import { testDatabaseOf } from '../../support/databases.ts';
import { ldifEntry, startOpenLdap, type OpenLdapServer } from '../../support/openldap.ts';
import { syncWithAllocation } from '../../support/sync.ts';

import { ldapConfig, pad } from './ldap-test-kit.ts';

const SUFFIX = 'dc=example,dc=test';
const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const FORMER = `ou=former,${SUFFIX}`;
const personDn = (uid: string, ou = PEOPLE): string => `uid=${uid},${ou}`;
const groupDn = (cn: string): string => `cn=${cn},${GROUPS}`;
const STAMP = '20200101000000Z';

/** u01…u10 in `team` (nested in `scope`), u05 a partner; u10 created before u05…u09 so it waits first. */
function seed(): string {
  const parts = [ldifEntry(FORMER, { objectClass: 'organizationalUnit', ou: 'former', createTimestamp: STAMP, modifyTimestamp: STAMP })];
  for (let n = 1; n <= 10; n += 1) {
    const uid = `u${pad(n, 2)}`;
    const created = n === 10 ? '20240103000000Z' : `202401${pad(n <= 4 ? 1 : n, 2)}${pad(n, 2)}0000Z`;
    parts.push(ldifEntry(personDn(uid), { objectClass: 'inetOrgPerson', uid, cn: `Person ${uid}`, sn: uid, createTimestamp: created, modifyTimestamp: STAMP }));
  }
  parts.push(ldifEntry(personDn('MerizziA'), { objectClass: 'inetOrgPerson', uid: 'MerizziA', cn: 'A Merizzi', sn: 'Merizzi', createTimestamp: STAMP, modifyTimestamp: STAMP }));
  parts.push(ldifEntry(personDn('dnmember'), { objectClass: 'inetOrgPerson', uid: 'dnmember', cn: 'D Member', sn: 'Member', createTimestamp: STAMP, modifyTimestamp: STAMP }));
  const group = (cn: string, members: string[]) => ldifEntry(groupDn(cn), { objectClass: 'groupOfNames', cn, member: members, createTimestamp: STAMP, modifyTimestamp: STAMP });
  parts.push(group('team', Array.from({ length: 10 }, (_, i) => personDn(`u${pad(i + 1, 2)}`))));
  parts.push(group('scope', [groupDn('team')]));
  parts.push(group('partners', [personDn('u05')]));
  parts.push(
    ldifEntry(groupDn('posixstaff'), {
      objectClass: 'posixGroup', cn: 'posixstaff', gidNumber: '5001', memberUid: ['merizzia', personDn('dnmember')], createTimestamp: STAMP, modifyTimestamp: STAMP,
    }),
  );
  return parts.join('');
}

let server: OpenLdapServer;
let admin: Client;
const t = testDatabaseOf('postgres', { scope: 'describe' });

beforeAll(async () => {
  server = await startOpenLdap({ seedLdif: seed() });
  admin = await server.connectAdmin();
}, 120_000);

afterAll(async () => {
  await admin?.unbind();
  await server?.stop();
});

const source = (overrides: Partial<Parameters<typeof ldapConfig>[0]> = {}) =>
  ldapConfig({
    flavor: 'openldap', name: 'corp', urls: [server.ldapsUrl], baseDN: PEOPLE, bindDN: server.readerDn, bindPassword: server.readerPassword,
    tls: { caFile: server.ca.certPath, rejectUnauthorized: true, startTls: false }, disabled: { kind: 'none' }, ...overrides,
  });

/** Staff need `primary` (4 seats), partners `extranet` (1 seat); scope: the nested group `scope`. */
const appConfig = (): SeatsyncConfig =>
  aConfig({
    sources: [source({ group: groupDn('scope') })],
    pools: [{ name: 'primary', seats: 4, notify: null }, { name: 'extranet', seats: 1, notify: null }],
    profiles: [
      { name: 'partner', when: { memberOf: [groupDn('partners').toLowerCase()] }, pools: ['extranet'] },
      { name: 'staff', when: null, pools: ['primary'] },
    ],
    policy: { graceDays: 0, maxRemovals: { count: 10 }, protect: null, purgeRemovedAfterMs: null },
  });

/** A scheduled run: what the worker's job runs (no `--full`). */
const scheduled = async (config: SeatsyncConfig): Promise<SyncReport> => (await syncWithAllocation(t.db, config, { trigger: 'schedule' })).report;

const accounts = async (): Promise<Record<string, { state: string; profile: string | null; version: string }>> => {
  const rows = await t.db.query<{ username: string; state: string; profile: string | null; version: string }>(
    `SELECT username, state, profile, xmin::text AS version FROM accounts WHERE source = 'corp' ORDER BY username`,
  );
  return Object.fromEntries(rows.rows.map((r) => [r.username, { state: r.state, profile: r.profile, version: r.version }]));
};
const states = async (): Promise<Record<string, string>> => Object.fromEntries(Object.entries(await accounts()).map(([name, a]) => [name, a.state]));

const member = (operation: 'add' | 'delete', dn: string) => new Change({ operation, modification: new Attribute({ type: 'member', values: [dn] }) });

describe('OpenLDAP: every change reaches the seats on the next scheduled run', () => {
  it('applies a deletion, a move out of the base DN, a nested scope group exit and a partner group join in one run; freed seats go to the longest waiting', async () => {
    const config = appConfig();
    expect((await scheduled(config)).runs[0]).toMatchObject({ status: 'ok', mode: 'full', created: 10 });
    expect(await states()).toEqual({
      u01: 'active', u02: 'active', u03: 'active', u04: 'active', u05: 'active',
      u06: 'blocked', u07: 'blocked', u08: 'blocked', u09: 'blocked', u10: 'blocked',
    });
    const before = await accounts();

    await admin.del(personDn('u01'));
    await admin.modifyDN(personDn('u02'), `uid=u02,${FORMER}`);
    await admin.modify(groupDn('team'), member('delete', personDn('u03')));
    await admin.modify(groupDn('partners'), member('add', personDn('u07')));

    const run = (await scheduled(config)).runs[0];
    expect(run).toMatchObject({ status: 'ok', removed: 3, activated: 3 });
    // u10 was created first among the waiting, then u06 and u08; u07 now waits for the partners' seat.
    expect(await states()).toEqual({
      u01: 'removed', u02: 'removed', u03: 'removed', u04: 'active', u05: 'active',
      u06: 'active', u07: 'blocked', u08: 'active', u09: 'blocked', u10: 'active',
    });
    const after = await accounts();
    expect(after['u07']?.profile).toBe('partner');
    // Nothing else changed: not even rewritten.
    expect(after['u04']).toEqual(before['u04']);
    expect(after['u05']).toEqual(before['u05']);
    expect(after['u09']).toEqual(before['u09']);

    // Deletions and moves alone leave the read incremental: the content-sync refresh reports them.
    await admin.del(personDn('u04'));
    await admin.modifyDN(personDn('u05'), `uid=u05,${FORMER}`);
    const incremental = (await scheduled(config)).runs[0];
    expect(incremental).toMatchObject({ status: 'ok', mode: 'incremental', removed: 2, activated: 2 });
    expect(await states()).toMatchObject({ u04: 'removed', u05: 'removed', u07: 'active', u09: 'active' });

    // No change at all: an incremental run that writes nothing.
    const quiet = await accounts();
    expect((await scheduled(config)).runs[0]).toMatchObject({ status: 'ok', mode: 'incremental', removed: 0, activated: 0, updated: 0 });
    expect(await accounts()).toEqual(quiet);
  }, 120_000);

  it('keeps the account and seat of an entry whose username the directory lost, naming the entry and the attribute', async () => {
    const config = aConfig({
      sources: [source({ name: 'corp', baseDN: PEOPLE, group: null, attributes: { ...source().attributes, username: 'displayName' } })],
      pools: [{ name: 'primary', seats: 100, notify: null }],
      policy: { graceDays: 0, maxRemovals: { count: 100 }, protect: null, purgeRemovedAfterMs: null },
    });
    await t.db.query(`DELETE FROM audit; DELETE FROM accounts; DELETE FROM source_cursors`);
    await admin.modify(personDn('u06'), new Change({ operation: 'replace', modification: new Attribute({ type: 'displayName', values: ['Person u06'] }) }));
    await admin.modify(personDn('u08'), new Change({ operation: 'replace', modification: new Attribute({ type: 'displayName', values: ['Person u08'] }) }));
    const first = (await scheduled(config)).runs[0];
    expect(first).toMatchObject({ status: 'ok' });
    const before = await t.db.query(`SELECT xmin::text AS version, * FROM accounts WHERE username = 'Person u08'`);
    expect(before.rows).toHaveLength(1);
    // A value the directory may hold, seatsync cannot use: the username attribute is gone.
    await admin.modify(personDn('u08'), new Change({ operation: 'delete', modification: new Attribute({ type: 'displayName', values: [] }) }));
    const run = (await scheduled(config)).runs[0];
    expect(run).toMatchObject({ status: 'ok', mode: 'incremental', skipped: 1, removed: 0 });
    expect(run?.skippedEntries).toEqual([expect.objectContaining({ entry: personDn('u08'), attribute: 'displayName' })]);
    expect((await t.db.query(`SELECT xmin::text AS version, * FROM accounts WHERE username = 'Person u08'`)).rows).toEqual(before.rows);
    // A full read (the safety net) keeps it too.
    const { report: full } = await syncWithAllocation(t.db, config, { forceFull: true, trigger: 'cli' });
    // (The entries that never had a displayName are skipped too; they never had an account.)
    expect(full.runs[0]).toMatchObject({ status: 'ok', mode: 'full', removed: 0 });
    expect(full.runs[0]?.skippedEntries).toContainEqual(expect.objectContaining({ entry: personDn('u08'), attribute: 'displayName', externalId: expect.any(String) }));
    expect((await t.db.query(`SELECT xmin::text AS version, * FROM accounts WHERE username = 'Person u08'`)).rows).toEqual(before.rows);
  }, 120_000);
});

describe('OpenLDAP: a value the store cannot hold', () => {
  it('skips the entry whose attribute holds a NUL character, naming it, and keeps its account and seat', async () => {
    const config = aConfig({
      sources: [source({ name: 'nul', baseDN: PEOPLE, group: null })],
      pools: [{ name: 'primary', seats: 3, notify: null }],
      profiles: [{ name: 'staff', when: { attribute: { employeeType: ['staff', 'Staff'] } }, pools: ['primary'] }, { name: 'other', when: null, pools: ['primary'] }],
      policy: { graceDays: 0, maxRemovals: { count: 100 }, protect: null, purgeRemovedAfterMs: null },
    });
    const row = async () => (await t.db.query(`SELECT xmin::text AS version, * FROM accounts WHERE source = 'nul' AND username = 'u06'`)).rows;
    await t.db.query(`DELETE FROM audit; DELETE FROM accounts; DELETE FROM source_cursors`);
    const first = (await scheduled(config)).runs[0];
    expect(first).toMatchObject({ status: 'ok' });
    const before = await row();
    expect(before).toHaveLength(1);
    // OpenLDAP holds a NUL inside a directory string; PostgreSQL refuses it in text and jsonb.
    await admin.modify(personDn('u06'), new Change({ operation: 'replace', modification: new Attribute({ type: 'employeeType', values: ['sta\u0000ff'] }) }));
    const run = (await scheduled(config)).runs[0];
    expect(run).toMatchObject({ status: 'ok', skipped: 1, removed: 0 });
    expect(run?.skippedEntries).toEqual([expect.objectContaining({ entry: personDn('u06'), attribute: 'employeeType', reason: expect.stringContaining('NUL') })]);
    expect(run?.skippedEntries?.[0]).not.toHaveProperty('field');
    expect(await row()).toEqual(before);
    await admin.modify(personDn('u06'), new Change({ operation: 'delete', modification: new Attribute({ type: 'employeeType', values: [] }) }));
  }, 60_000);

  it('names the attribute the entry holds, and the field it maps to: cn (the display name), by default or as configured', async () => {
    const config = (attributes: Partial<ReturnType<typeof source>['attributes']> = {}) =>
      aConfig({
        sources: [source({ name: 'nul', baseDN: PEOPLE, group: null, attributes: { ...source().attributes, ...attributes } })],
        pools: [{ name: 'primary', seats: 100, notify: null }],
        policy: { graceDays: 0, maxRemovals: { count: 100 }, protect: null, purgeRemovedAfterMs: null },
      });
    expect((await scheduled(config())).runs[0]).toMatchObject({ status: 'ok', skipped: 0 });
    await admin.modify(personDn('u07'), new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: ['Person\u0000u07'] }) }));
    const run = (await scheduled(config())).runs[0];
    expect(run).toMatchObject({ status: 'ok', skipped: 1, removed: 0 });
    expect(run?.skippedEntries).toEqual([
      { entry: personDn('u07'), attribute: 'cn', field: 'displayName', reason: expect.stringContaining('NUL'), externalId: expect.any(String) },
    ]);
    // Mapped elsewhere (`attributes.displayName: sn`), the display name is readable again; the username read from cn is not.
    const full = await syncWithAllocation(t.db, config({ displayName: 'sn', username: 'cn' }), { forceFull: true, trigger: 'cli' });
    expect(full.report.runs[0]?.skippedEntries).toEqual([expect.objectContaining({ entry: personDn('u07'), attribute: 'cn', field: 'username' })]);
    await admin.modify(personDn('u07'), new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: ['Person u07'] }) }));
  }, 60_000);
});

describe('OpenLDAP: posixGroup memberUid', () => {
  it('matches uids case-insensitively (RFC 4519) and accepts member DNs', async () => {
    const config = aConfig({
      sources: [source({ name: 'posix', group: groupDn('posixstaff') })],
      pools: [{ name: 'primary', seats: 10, notify: null }],
    });
    await t.db.query(`DELETE FROM audit; DELETE FROM accounts; DELETE FROM source_cursors`);
    const run = (await scheduled(config)).runs[0];
    expect(run).toMatchObject({ status: 'ok', created: 2 });
    const rows = await t.db.query<{ username: string }>(`SELECT username FROM accounts WHERE source = 'posix' ORDER BY username`);
    expect(rows.rows.map((r) => r.username)).toEqual(['MerizziA', 'dnmember']);
  }, 60_000);
});
