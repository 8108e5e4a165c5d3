// How a scheduled (incremental) run on OpenLDAP learns deletions and scope exits: with the syncprov
// overlay, a content-sync refresh (RFC 4533) from the cookie the last read stored; without it, or when
// the refresh can't be used (a cookie older than the session log), an id listing of the scope. Either
// way a deleted user, a user moved out of the base DN or out of the filter, and a user whose renamed
// entry the scope group no longer names lose their seat on the next run, an entry the directory still
// holds but seatsync can't read keeps its account, and a waiting user whose entry is unchanged (listed
// by id only, or not returned) still gets a seat that frees up. Real slapd (one with syncprov and a small
// session log, one without), sources built through the factory, real PostgreSQL.
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
const STAMP = '20200101000000Z';
const USERS = 12;
/** Operations the syncprov session log of the server with it keeps (small, so that a test outruns it). */
const SESSION_LOG = 20;
const personDn = (uid: string, ou = PEOPLE): string => `uid=${uid},${ou}`;
const uidOf = (n: number): string => `u${pad(n, 2)}`;

/** u01…u12 staff in `team`, each with its uid as displayName too; ou=former outside the base DN. */
function seed(): string {
  const parts = [ldifEntry(FORMER, { objectClass: 'organizationalUnit', ou: 'former', createTimestamp: STAMP, modifyTimestamp: STAMP })];
  for (let n = 1; n <= USERS; n += 1) {
    const uid = uidOf(n);
    parts.push(ldifEntry(personDn(uid), {
      objectClass: 'inetOrgPerson', uid, cn: `Person ${uid}`, sn: uid, displayName: uid, employeeType: 'staff',
      createTimestamp: `2024010${1 + (n % 9)}0000${pad(n, 2)}Z`, modifyTimestamp: STAMP,
    }));
  }
  const members = Array.from({ length: USERS }, (_, i) => personDn(uidOf(i + 1)));
  parts.push(ldifEntry(`cn=team,${GROUPS}`, { objectClass: 'groupOfNames', cn: 'team', member: members, createTimestamp: STAMP, modifyTimestamp: STAMP }));
  return parts.join('');
}

const t = testDatabaseOf('postgres', { scope: 'describe' });

const replace = (type: string, values: string[]) => new Change({ operation: 'replace', modification: new Attribute({ type, values }) });

/**
 * A directory of its own for one describe block (started before its tests with the seed, stopped after
 * them), on an emptied test database: `server` and `admin` (a bound admin client) while it runs.
 */
function aDirectory(sessionLog: number | null): { readonly server: OpenLdapServer; readonly admin: Client } {
  let server: OpenLdapServer | undefined;
  let admin: Client | undefined;
  beforeAll(async () => {
    server = await startOpenLdap({ seedLdif: seed(), sessionLog });
    admin = await server.connectAdmin();
    await t.db.query(`DELETE FROM audit; DELETE FROM accounts; DELETE FROM source_cursors`);
  }, 120_000);
  afterAll(async () => {
    await admin?.unbind();
    await server?.stop();
  });
  return {
    get server() {
      return server!;
    },
    get admin() {
      return admin!;
    },
  };
}

/** Runs of a seatsync config on `server()` and what they left, read from the test database. */
function runner(server: () => OpenLdapServer) {
  /** Staff only (`filter`), the members of `team`; the username is displayName (an entry can lose it, not its RDN's uid). */
  const appConfig = (seats: number, maxRemovals: number): SeatsyncConfig =>
    aConfig({
      sources: [
        ldapConfig({
          flavor: 'openldap', name: 'corp', urls: [server().url], baseDN: PEOPLE, bindDN: server().readerDn, bindPassword: server().readerPassword,
          filter: '(employeeType=staff)', group: `cn=team,${GROUPS}`, disabled: { kind: 'none' },
          attributes: { id: 'entryUUID', username: 'displayName', email: 'mail', displayName: 'cn', createdAt: 'createTimestamp' },
        }),
      ],
      pools: [{ name: 'primary', seats, notify: null }],
      policy: { graceDays: 0, maxRemovals: { count: maxRemovals }, protect: null, purgeRemovedAfterMs: null },
    });

  /**
   * A scheduled run (no `--full`) and its log lines (the source's among them); `primary` has 100 seats and
   * `policy.maxRemovals` is 100 unless given.
   */
  const scheduled = async (seats = 100, policy: { maxRemovals?: number; allowRemovals?: boolean } = {}): Promise<{ run: SyncReport['runs'][number] | undefined; log: Record<string, unknown>[] }> => {
    const { report, lines } = await syncWithAllocation(t.db, appConfig(seats, policy.maxRemovals ?? 100), { trigger: 'schedule', allowRemovals: policy.allowRemovals ?? false });
    return { run: report.runs[0], log: lines };
  };
  const line = (log: Record<string, unknown>[], msg: string) => log.find((entry) => entry['msg'] === msg);
  const states = async (): Promise<Record<string, string>> => {
    const rows = await t.db.query<{ username: string; state: string }>(`SELECT username, state FROM accounts WHERE source = 'corp' ORDER BY username`);
    return Object.fromEntries(rows.rows.map((row) => [row.username, row.state]));
  };
  const version = async (uid: string): Promise<unknown[]> =>
    (await t.db.query(`SELECT xmin::text AS version, * FROM accounts WHERE source = 'corp' AND username = $1`, [uid])).rows;

  return { scheduled, line, states, version };
}

describe.each([
  { server: 'with the syncprov overlay', sessionLog: SESSION_LOG, deletions: 'content-sync' },
  { server: 'without syncprov', sessionLog: null, deletions: 'id-listing' },
])('OpenLDAP $server: a scheduled run learns deletions and scope exits by $deletions', ({ sessionLog, deletions }) => {
  const ldap = aDirectory(sessionLog);
  const { scheduled, line, states, version } = runner(() => ldap.server);

  it('removes a deleted user, a user moved out of the base DN, one out of the filter and a renamed user the group no longer names; applies a change', async () => {
    const first = await scheduled();
    expect(first.run).toMatchObject({ status: 'ok', mode: 'full', created: USERS });
    expect(line(first.log, 'reading LDAP users')).toMatchObject({ mode: 'full', deletions });

    await ldap.admin.del(personDn('u01'));
    await ldap.admin.modifyDN(personDn('u02'), `uid=u02,${FORMER}`);
    await ldap.admin.modify(personDn('u03'), replace('employeeType', ['contractor']));
    // The group still names the old DN (no referential integrity overlay): the renamed user left the scope.
    await ldap.admin.modifyDN(personDn('u04'), 'uid=u04b');
    await ldap.admin.modify(personDn('u05'), replace('mail', ['u05@new.example.test']));

    const { run, log } = await scheduled();
    expect(run).toMatchObject({ status: 'ok', mode: 'incremental', removed: 4, updated: 1 });
    expect(line(log, 'reading LDAP users')).toMatchObject({ mode: 'incremental', deletions });
    expect(line(log, 'content sync refresh unavailable; listing the ids in scope')).toBeUndefined();
    if (deletions === 'content-sync') {
      // The refresh returned the changed entries only and named the others gone.
      expect(line(log, 'LDAP read complete')).toMatchObject({ entries: 2, departed: 3 });
    }
    expect(await states()).toMatchObject({ u01: 'removed', u02: 'removed', u03: 'removed', u04: 'removed', u05: 'active', u06: 'active' });
    expect((await t.db.query(`SELECT email FROM accounts WHERE username = 'u05'`)).rows).toEqual([{ email: 'u05@new.example.test' }]);

    // Nothing changed: an incremental run that writes nothing.
    const before = await version('u06');
    expect((await scheduled()).run).toMatchObject({ status: 'ok', mode: 'incremental', removed: 0, updated: 0, created: 0 });
    expect(await version('u06')).toEqual(before);
  }, 120_000);

  it('keeps the account of an entry it can no longer read, and removes a deletion of the same run', async () => {
    await ldap.admin.modify(personDn('u06'), new Change({ operation: 'delete', modification: new Attribute({ type: 'displayName', values: [] }) }));
    await ldap.admin.del(personDn('u07'));
    const before = await version('u06');
    const { run } = await scheduled();
    expect(run).toMatchObject({ status: 'ok', mode: 'incremental', skipped: 1, removed: 1 });
    expect(run?.skippedEntries).toEqual([expect.objectContaining({ entry: personDn('u06'), attribute: 'displayName', externalId: expect.any(String) })]);
    expect(await version('u06')).toEqual(before);
    expect(await states()).toMatchObject({ u06: 'active', u07: 'removed', u08: 'active' });
    await ldap.admin.modify(personDn('u06'), replace('displayName', ['u06']));
  }, 120_000);

  it('gives a freed seat to a waiting user whose unchanged entry the read only lists (or does not return)', async () => {
    // Seven holders (u05, u06, u08…u12), activated together: one seat less blocks the newest by name, u12.
    expect((await scheduled(6)).run).toMatchObject({ status: 'ok', mode: 'incremental', blocked: 1 });
    expect(await states()).toMatchObject({ u11: 'active', u12: 'blocked' });
    await ldap.admin.del(personDn('u05'));
    expect((await scheduled(6)).run).toMatchObject({ status: 'ok', mode: 'incremental', removed: 1, activated: 1, skipped: 0 });
    expect(await states()).toMatchObject({ u05: 'removed', u12: 'active' });
  }, 120_000);
});

describe('OpenLDAP with the syncprov overlay: a refresh that cannot be used', () => {
  const ldap = aDirectory(SESSION_LOG);
  const { scheduled, line, states } = runner(() => ldap.server);

  beforeAll(async () => {
    expect((await scheduled()).run).toMatchObject({ status: 'ok', mode: 'full', created: USERS });
  }, 120_000);

  it('lists the scope when the cookie is older than the session log, then refreshes from the new cookie', async () => {
    // More changes than the session log keeps (changes to one entry count each), and a deletion.
    for (let n = 0; n <= SESSION_LOG; n += 1) await ldap.admin.modify(`uid=u02,${PEOPLE}`, replace('description', [`change ${n}`]));
    await ldap.admin.del(personDn('u08'));
    const { run, log } = await scheduled();
    expect(run).toMatchObject({ status: 'ok', mode: 'incremental', removed: 1 });
    expect(line(log, 'content sync refresh unavailable; listing the ids in scope')).toMatchObject({ reason: expect.stringContaining('present phase') });
    expect(await states()).toMatchObject({ u08: 'removed', u09: 'active' });

    await ldap.admin.del(personDn('u09'));
    const next = await scheduled();
    expect(next.run).toMatchObject({ status: 'ok', mode: 'incremental', removed: 1 });
    expect(line(next.log, 'content sync refresh unavailable; listing the ids in scope')).toBeUndefined();
    expect(line(next.log, 'LDAP read complete')).toMatchObject({ entries: 0, departed: 1 });
    expect(await states()).toMatchObject({ u09: 'removed', u10: 'active' });
  }, 120_000);

  it('lists the scope when the server asks for a reload (e-syncRefreshRequired): a cookie older than any entry', async () => {
    await t.db.query(`UPDATE source_cursors SET cursor = jsonb_set(cursor, '{syncCookie}', to_jsonb($1::text)) WHERE source = 'corp'`, [
      Buffer.from('rid=000,csn=20000101000000.000000Z#000000#000#000000').toString('base64'),
    ]);
    await ldap.admin.del(personDn('u10'));
    const { run, log } = await scheduled();
    expect(run).toMatchObject({ status: 'ok', mode: 'incremental', removed: 1 });
    expect(line(log, 'content sync refresh unavailable; listing the ids in scope')).toMatchObject({ reason: expect.stringContaining('e-syncRefreshRequired') });
    expect(await states()).toMatchObject({ u10: 'removed', u11: 'active' });
  }, 120_000);
});

describe('OpenLDAP without syncprov: a scheduled run counts each user in scope once', () => {
  const ldap = aDirectory(null);
  const { scheduled, line } = runner(() => ldap.server);
  const lastSeen = async (): Promise<unknown> => (await t.db.query(`SELECT seen FROM runs WHERE source = 'corp' ORDER BY id DESC LIMIT 1`)).rows[0];

  it('sees the changed users it returns and the ids it lists as one user each', async () => {
    expect((await scheduled()).run).toMatchObject({ status: 'ok', mode: 'full', created: USERS, seen: USERS });
    // The changed entries come back in full and again in the listing of the scope's ids.
    await ldap.admin.modify(personDn('u01'), replace('mail', ['u01@new.example.test']));
    const one = await scheduled();
    expect(line(one.log, 'reading LDAP users')).toMatchObject({ mode: 'incremental', deletions: 'id-listing' });
    expect(one.run).toMatchObject({ status: 'ok', mode: 'incremental', updated: 1, seen: USERS });
    expect(await lastSeen()).toEqual({ seen: USERS });
    await ldap.admin.modify(personDn('u02'), replace('mail', ['u02@new.example.test']));
    await ldap.admin.modify(personDn('u03'), replace('mail', ['u03@new.example.test']));
    expect((await scheduled()).run).toMatchObject({ status: 'ok', mode: 'incremental', updated: 2, seen: USERS });
    // A user who left: one fewer in scope.
    await ldap.admin.del(personDn('u04'));
    expect((await scheduled()).run).toMatchObject({ status: 'ok', mode: 'incremental', removed: 1, seen: USERS - 1 });
    expect(await lastSeen()).toEqual({ seen: USERS - 1 });
    // An entry changed so that it cannot be read (a NUL in its cn): skipped, not seen, as a full read counts it.
    await ldap.admin.modify(personDn('u05'), new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: ['Person\u0000u05'] }) }));
    expect((await scheduled()).run).toMatchObject({ status: 'ok', mode: 'incremental', skipped: 1, seen: USERS - 2 });
    // An entry the read returns but the source cannot map (its username is gone) is skipped, not seen,
    // too; it is one entry returned, listed or not, as the hold weighs it: two users deleted, over a limit
    // of one, hold the run, which says how many entries the read returned (the nine still in scope).
    await ldap.admin.modify(personDn('u05'), replace('cn', ['Person u05']));
    await ldap.admin.modify(personDn('u06'), new Change({ operation: 'delete', modification: new Attribute({ type: 'displayName', values: [] }) }));
    await ldap.admin.del(personDn('u07'));
    await ldap.admin.del(personDn('u08'));
    const held = (await scheduled(100, { maxRemovals: 1 })).run;
    expect(held).toMatchObject({ status: 'held', mode: 'incremental', skipped: 1, seen: USERS - 4, held: { reason: 'removals', wouldRemove: 2, returned: USERS - 3 } });
    expect((await scheduled(100, { maxRemovals: 1, allowRemovals: true })).run).toMatchObject({ status: 'ok', mode: 'incremental', removed: 2, skipped: 1, seen: USERS - 4 });
  }, 120_000);
});
