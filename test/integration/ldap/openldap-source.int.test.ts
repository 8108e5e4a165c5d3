// The LDAP source against a real OpenLDAP slapd (private instance, seeded with slapadd).
import { Attribute, Change, Client, SizeLimitExceededError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { normalizeDn } from '../../../src/domain/names.ts';
import { SourceError } from '../../../src/sources/directory-source.ts';
import { silentLogger } from '../../../src/logging.ts';
import { createSource, createSourceFactory } from '../../../src/sources/factory.ts';
import { LIBRARY_ENV } from '../../../src/sources/library-choice.ts';
import { SearchConnection } from '../../../src/sources/ldap/search-connection.ts';
import { closedPort } from '../../support/closed-port.ts';
import { aConfig } from '../../support/config-builder.ts';
import { testDatabaseOf } from '../../support/databases.ts';
import { startOpenLdap, type OpenLdapServer } from '../../support/openldap.ts';
import { pausingSources } from '../../support/paused-source.ts';
import { syncWithAllocation } from '../../support/sync.ts';
import { createTestCa } from '../../support/test-ca.ts';

import { ldapConfig, readAll, readError, sortedUsernames, userNamed, type LdapConfigInput } from './ldap-test-kit.ts';
import {
  BIG_GROUP_SIZE,
  DELTA,
  DELTA_COUNT,
  groupDn,
  LOCKED,
  ODD,
  openLdapSeed,
  PEOPLE,
  PEOPLE_COUNT,
  personDn,
  STAFF,
  SUFFIX,
} from './openldap-seed.ts';

let server: OpenLdapServer;

/** An administrative (permanent) ppolicy lock; a temporary lockout carries a real time instead. */
const PERMANENT_LOCK = { kind: 'attribute-value', attribute: 'pwdAccountLockedTime', values: ['000001010000Z'] } as const;

const config = (overrides: Partial<LdapConfigInput> = {}) =>
  ldapConfig({
    flavor: 'openldap',
    urls: [server.ldapsUrl],
    baseDN: PEOPLE,
    bindDN: server.readerDn,
    bindPassword: server.readerPassword,
    tls: { caFile: server.ca.certPath, rejectUnauthorized: true, startTls: false },
    disabled: PERMANENT_LOCK,
    ...overrides,
  });

const source = (overrides: Partial<LdapConfigInput> = {}) => createSource(config(overrides), silentLogger());

beforeAll(async () => {
  server = await startOpenLdap({ seedLdif: openLdapSeed(), sizeLimit: 500 });
});

afterAll(async () => {
  await server?.stop();
});

describe('OpenLDAP: a sync through the source factory into the database', () => {
  const t = testDatabaseOf('pglite');
  it('creates one account per entry on the first sync and writes nothing on the second', async () => {
    const seats = 100;
    const app = aConfig({ sources: [config()], pools: [{ name: 'primary', seats, notify: null }] });
    const { report: first } = await syncWithAllocation(t.db, app, { forceFull: true });
    expect(first.runs[0]).toMatchObject({ status: 'ok', seen: PEOPLE_COUNT, created: PEOPLE_COUNT, activated: seats });
    const versions = async () =>
      (await t.db.query<{ v: string }>(`SELECT string_agg(id::text || ':' || xmin::text, ',' ORDER BY id) AS v FROM accounts`)).rows[0]?.v;
    const before = await versions();
    const { report: second } = await syncWithAllocation(t.db, app, { forceFull: true });
    expect(second.runs[0]).toMatchObject({ status: 'ok', seen: PEOPLE_COUNT, created: 0, updated: 0 });
    expect(await versions()).toBe(before);
  });
});

describe('OpenLDAP: the directory stopping in the middle of a read', () => {
  const t = testDatabaseOf('pglite');
  it('fails the run, naming the server, and applies nothing; the next read of a server that answers applies it all', async () => {
    // A server of its own: this test stops it.
    const own = await startOpenLdap({ seedLdif: openLdapSeed(), sizeLimit: 500 });
    try {
      const ownSource = ldapConfig({
        flavor: 'openldap', urls: [own.ldapsUrl], baseDN: PEOPLE, bindDN: own.readerDn, bindPassword: own.readerPassword,
        tls: { caFile: own.ca.certPath, rejectUnauthorized: true, startTls: false }, disabled: PERMANENT_LOCK, pageSize: 200,
      });
      const app = aConfig({ sources: [ownSource], pools: [{ name: 'primary', seats: 10_000, notify: null }] });
      // The server stops after the source's second page, while the read goes on.
      const stopping = pausingSources(app, 2, () => own.stop());
      const { report: cut } = await syncWithAllocation(t.db, app, { createSource: stopping });
      expect(cut.runs[0]).toMatchObject({ status: 'failed', created: 0 });
      expect(cut.runs[0]?.error).toContain(own.ldapsUrl.replace(/^ldaps:\/\//, ''));
      const counted = async (sql: string) => (await t.db.query<{ n: number }>(sql)).rows[0]?.n;
      expect(await counted('SELECT count(*)::int AS n FROM accounts')).toBe(0);
      expect(await counted(`SELECT count(*)::int AS n FROM runs WHERE status = 'failed'`)).toBe(1);

      // The directory is back (the suite's server holds the same entries).
      const back = aConfig({ sources: [config()], pools: [{ name: 'primary', seats: 10_000, notify: null }] });
      const { report: again } = await syncWithAllocation(t.db, back);
      expect(again.runs[0]).toMatchObject({ status: 'ok', created: PEOPLE_COUNT });
    } finally {
      await own.stop();
    }
  }, 60_000);
});

describe('OpenLDAP: a change of the mapping rules between incremental runs', () => {
  const t = testDatabaseOf('pglite');
  it('reads every user again when the profiles change, and incrementally otherwise', async () => {
    const pools = [{ name: 'primary', seats: 10_000, notify: null }];
    // The same attributes and groups are read under both: only the rules' values differ, which the
    // LDAP source's own cursor does not see.
    const withLeads = (uids: string[]) =>
      aConfig({
        sources: [config()],
        pools,
        profiles: [
          { name: 'lead', when: { attribute: { uid: uids } }, pools: ['primary'] },
          { name: 'default', when: null, pools: ['primary'] },
        ],
      });
    const before = withLeads(['p0010']);
    const after = withLeads(['p0010', 'p0011']);
    const sync = async (app: typeof before) => (await syncWithAllocation(t.db, app)).report;
    expect((await sync(before)).runs[0]).toMatchObject({ status: 'ok', mode: 'full', seen: PEOPLE_COUNT });
    // Same rules: the cursor holds, the read is incremental (nothing changed: the content-sync refresh
    // returns no entry).
    expect((await sync(before)).runs[0]).toMatchObject({ status: 'ok', mode: 'incremental', seen: 0, updated: 0 });
    // New rules: every user is read and mapped again, without being asked to.
    expect((await sync(after)).runs[0]).toMatchObject({ status: 'ok', mode: 'full', seen: PEOPLE_COUNT, updated: 1 });
    const leads = await t.db.query<{ username: string }>(`SELECT username FROM accounts WHERE profile = 'lead' ORDER BY username`);
    expect(leads.rows.map((r) => r.username)).toEqual(['p0010', 'p0011']);
    expect((await sync(after)).runs[0]).toMatchObject({ status: 'ok', mode: 'incremental', seen: 0, updated: 0 });
  });
});

describe('OpenLDAP: reading', () => {
  it('pages past the server size limit, one source page per LDAP page', async () => {
    // The reader is held to 500 entries by an ordinary search…
    const client = new Client({ url: server.url });
    await client.bind(server.readerDn, server.readerPassword);
    await expect(client.search(PEOPLE, { filter: '(objectClass=inetOrgPerson)', attributes: ['1.1'] })).rejects.toBeInstanceOf(
      SizeLimitExceededError,
    );
    await client.unbind();
    // …and reads every entry through paging.
    const full = await readAll(source({ pageSize: 1000 }));
    expect(full.users).toHaveLength(PEOPLE_COUNT);
    expect(full.pages.map((page) => page.items.length)).toEqual([1000, PEOPLE_COUNT - 1000]);
    const small = await readAll(source({ pageSize: 300 }));
    expect(small.pages).toHaveLength(Math.ceil(PEOPLE_COUNT / 300));
    expect(new Set(small.users.map((user) => user.externalId)).size).toBe(PEOPLE_COUNT);
  });

  it(`reads the same users through ldapts' decoder when ${LIBRARY_ENV}=ldap-decoder`, async () => {
    const sourceConfig = config({ pageSize: 700 });
    const fromFactory = () => createSourceFactory(aConfig({ sources: [sourceConfig] }), silentLogger())(sourceConfig.name);
    // The paged user search (the content-sync cookie is asked for on a connection of its own either way).
    const paged = vi.spyOn(SearchConnection.prototype, 'pages');
    try {
      const ours = await readAll(fromFactory(), { attributes: ['employeeType'] });
      expect(paged).toHaveBeenCalledTimes(1);
      process.env[LIBRARY_ENV] = 'ldap-decoder';
      const library = await readAll(fromFactory(), { attributes: ['employeeType'] });
      expect(paged).toHaveBeenCalledTimes(1); // the library's search ran on the session's own connection
      expect(library.pages.map((page) => page.items.length)).toEqual(ours.pages.map((page) => page.items.length));
      const byId = (users: typeof ours.users) => [...users].sort((a, b) => a.externalId.localeCompare(b.externalId));
      expect(byId(library.users)).toEqual(byId(ours.users));
      expect(library.users.length).toBe(PEOPLE_COUNT);
    } finally {
      delete process.env[LIBRARY_ENV];
      paged.mockRestore();
    }
  });

  it('maps entryUUID, uid, mail, cn and createTimestamp', async () => {
    const { users } = await readAll(source());
    const user = userNamed(users, 'p0100');
    expect(user.externalId).toMatch(/^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/);
    expect(user).toMatchObject({
      username: 'p0100',
      email: 'p0100@example.test',
      displayName: 'Person p0100',
      dn: personDn('p0100'),
      enabled: true,
      createdAt: new Date('2020-01-01T00:00:00Z'),
    });
  });

  it('reports permanently locked accounts (ppolicy pwdAccountLockedTime) as disabled', async () => {
    const { users } = await readAll(source());
    expect(users.filter((user) => !user.enabled).map((user) => user.username).sort()).toEqual(LOCKED);
  });

  it('applies a configured attribute-value disabled rule', async () => {
    const { users } = await readAll(
      source({ disabled: { kind: 'attribute-value', attribute: 'mail', values: ['P0005@EXAMPLE.TEST'] } }),
    );
    expect(users.filter((user) => !user.enabled).map((user) => user.username)).toEqual(['p0005']);
  });

  it('closes its connection when the caller stops after the first page', async () => {
    const monitor = new Client({ url: server.url });
    await monitor.bind(server.adminDn, server.adminPassword);
    const openConnections = async (): Promise<number> => {
      const { searchEntries } = await monitor.search('cn=Current,cn=Connections,cn=Monitor', { scope: 'base', attributes: ['monitorCounter'] });
      return Number(searchEntries[0]?.monitorCounter);
    };
    const before = await openConnections();
    let pages = 0;
    for await (const page of source({ pageSize: 100 }).read({ cursor: null, forceFull: true, groupsOfInterest: [], attributes: [] })) {
      pages += page.items.length > 0 ? 1 : 0;
      break;
    }
    expect(pages).toBe(1);
    // slapd counts a connection until it has processed the close; wait for that, not for a fixed time.
    const deadline = Date.now() + 5_000;
    let now = await openConnections();
    while (now > before && Date.now() < deadline) now = await openConnections();
    expect(now).toBe(before);
    await monitor.unbind();
  });

  it('skips entries that lack the id attribute, naming the DN and the attribute', async () => {
    const read = await readAll(source({ baseDN: ODD, attributes: { ...config().attributes, id: 'employeeNumber' } }));
    expect(read.users.map((user) => [user.username, user.externalId])).toEqual([['odd-with-id', 'E-100']]);
    expect(read.skipped).toEqual([
      { kind: 'skipped', entry: personDn('odd-without-id', ODD), attribute: 'employeeNumber', reason: 'missing id attribute' },
    ]);
  });
});

describe('OpenLDAP: groups', () => {
  const interest = ['top', 'mid', 'leaf', 'posix', 'big'].map((cn) => normalizeDn(groupDn(cn)));
  const key = (cn: string) => normalizeDn(groupDn(cn));

  it('resolves nested groups three levels deep through a cycle, and posixGroup memberUid', async () => {
    const { users } = await readAll(source(), { groupsOfInterest: interest });
    const groupsOf = (uid: string) => [...userNamed(users, uid).groups].filter((group) => group !== key('big')).sort();
    expect(groupsOf('p0010')).toEqual([key('top')]);
    expect(groupsOf('p0011')).toEqual([key('leaf'), key('mid'), key('top')]);
    expect(groupsOf('p0012')).toEqual([key('leaf'), key('mid'), key('top')]);
    expect(groupsOf('p0013')).toEqual([key('posix')]);
    expect(groupsOf('p0015')).toEqual([]);
  });

  it('resolves a group with more than 1,500 members', async () => {
    const { users } = await readAll(source(), { groupsOfInterest: [key('big')] });
    expect(users.filter((user) => user.groups.includes(key('big')))).toHaveLength(BIG_GROUP_SIZE);
    expect(userNamed(users, `p${BIG_GROUP_SIZE}`).groups).toEqual([]);
  });

  it('yields only the transitive members of the scope group', async () => {
    const { users } = await readAll(source({ group: groupDn('scope') }));
    expect(sortedUsernames(users)).toEqual(['p0010', 'p0011', 'p0012', 'p0020']);
  });

  it('fails with not-found when a group of this directory does not exist', async () => {
    const error = await readError(source(), { groupsOfInterest: [normalizeDn(groupDn('gone'))] });
    expect(error).toBeInstanceOf(SourceError);
    expect(error.code).toBe('not-found');
    expect(error.message).toContain('cn=gone,ou=groups,dc=example,dc=test');
  });

  it('ignores group keys of other directories', async () => {
    const { users } = await readAll(source({ baseDN: DELTA }), {
      groupsOfInterest: ['cn=x,dc=other,dc=test', '6b1c2f0e-entra-object-id'],
    });
    expect(users).toHaveLength(DELTA_COUNT);
  });

  it('check() connects, counts users in scope, maps two and sizes the groups', async () => {
    const { report } = await source({ group: groupDn('scope') }).check({ groupsOfInterest: [key('mid'), key('posix')], attributes: [] });
    expect(report.ok).toBe(true);
    expect(report.usersInScope).toBe(4);
    expect(report.sample).toHaveLength(2);
    expect(report.groupSizes).toEqual({ [key('mid')]: 2, [key('posix')]: 2, [key('scope')]: 4 });
    expect(report.steps.map((step) => step.name)).toEqual(['connect', 'bind', 'server', 'groups', 'users']);
    expect(report.steps.find((step) => step.name === 'server')?.detail).toContain('deletions from a content-sync refresh (syncprov)');
  });
});

describe('OpenLDAP: changes', () => {
  let admin: Client;
  beforeAll(async () => {
    admin = await server.connectAdmin();
  });
  afterAll(async () => {
    await admin?.unbind();
  });

  it('keeps the externalId across a rename and an OU move', async () => {
    const before = await readAll(source({ baseDN: SUFFIX }));
    const idOf = (uid: string) => userNamed(before.users, uid).externalId;
    await admin.modifyDN(personDn('p0030'), 'uid=p0030-renamed');
    await admin.modifyDN(personDn('p0031'), `uid=p0031,${STAFF}`);
    const after = await readAll(source({ baseDN: SUFFIX }));
    expect(userNamed(after.users, 'p0030-renamed')).toMatchObject({ externalId: idOf('p0030'), dn: personDn('p0030-renamed') });
    expect(userNamed(after.users, 'p0031')).toMatchObject({ externalId: idOf('p0031'), dn: personDn('p0031', STAFF) });
    expect(after.users).toHaveLength(before.users.length);
  });

  it('no longer returns a deleted user on a full read', async () => {
    const before = await readAll(source());
    const deletedId = userNamed(before.users, 'p0040').externalId;
    await admin.del(personDn('p0040'));
    const after = await readAll(source(), { forceFull: true });
    expect(after.outcome.mode).toBe('full');
    expect(after.users.map((user) => user.externalId)).not.toContain(deletedId);
    expect(after.users).toHaveLength(before.users.length - 1);
  });

  it('reads only changed entries incrementally, and fully once a group of interest changed', async () => {
    const deltaSource = source({ baseDN: DELTA });
    const interest = [normalizeDn(groupDn('deltagroup'))];
    const full = await readAll(deltaSource, { groupsOfInterest: interest });
    expect(full.outcome.mode).toBe('full');
    expect(full.users).toHaveLength(DELTA_COUNT);
    expect(full.outcome.cursor).toMatchObject({ kind: 'modify-timestamp' });

    await admin.modify(personDn('d001', DELTA), new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: ['d001@new.example.test'] }) }));
    await admin.modify(personDn('d002', DELTA), new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: ['Renamed d002'] }) }));
    await admin.add(personDn('d100', DELTA), { objectClass: 'inetOrgPerson', uid: 'd100', cn: 'New d100', sn: 'd100' });

    const delta = await readAll(deltaSource, { groupsOfInterest: interest, cursor: full.outcome.cursor });
    expect(delta.outcome.mode).toBe('incremental');
    expect(sortedUsernames(delta.users)).toEqual(['d001', 'd002', 'd100']);
    expect(userNamed(delta.users, 'd001').email).toBe('d001@new.example.test');

    await admin.modify(groupDn('deltagroup'), new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [personDn('d003', DELTA)] }) }));
    const afterGroupChange = await readAll(deltaSource, { groupsOfInterest: interest, cursor: delta.outcome.cursor });
    expect(afterGroupChange.outcome.mode).toBe('full');
    expect(afterGroupChange.users).toHaveLength(DELTA_COUNT + 1);
    expect(userNamed(afterGroupChange.users, 'd003').groups).toEqual(interest);

    const forced = await readAll(deltaSource, { groupsOfInterest: interest, cursor: afterGroupChange.outcome.cursor, forceFull: true });
    expect(forced.outcome.mode).toBe('full');
  });
});

describe('OpenLDAP: connections and failures', () => {
  it('reads over StartTLS on ldap://', async () => {
    const { users } = await readAll(source({ urls: [server.url], tls: { caFile: server.ca.certPath, rejectUnauthorized: true, startTls: true }, baseDN: DELTA }));
    expect(users.length).toBeGreaterThanOrEqual(DELTA_COUNT);
  });

  it('fails with auth on a wrong password, naming the bind DN and the URL', async () => {
    const error = await readError(source({ bindPassword: 'wrong' }));
    expect(error).toMatchObject({ code: 'auth' });
    expect(error.message).toContain(server.readerDn);
    expect(error.message).toContain(server.ldapsUrl);
  });

  it('fails with tls when the server certificate comes from another CA', async () => {
    const other = await createTestCa(`${server.dir}/other-ca`, { commonName: 'unrelated CA' });
    const error = await readError(source({ tls: { caFile: other.certPath, rejectUnauthorized: true, startTls: false } }));
    expect(error).toMatchObject({ code: 'tls' });
    expect(error.message).toContain(server.ldapsUrl);
    expect(error.message).toContain('not trusted');
  });

  it('fails with tls when the certificate does not name the host', async () => {
    const error = await readError(source({ urls: [server.mismatchedLdapsUrl] }));
    expect(error).toMatchObject({ code: 'tls' });
    expect(error.message).toContain('name mismatch');
  });

  it('fails with not-found naming a missing base DN', async () => {
    const error = await readError(source({ baseDN: `ou=nowhere,${SUFFIX}` }));
    expect(error).toMatchObject({ code: 'not-found' });
    expect(error.message).toContain(`ou=nowhere,${SUFFIX}`);
  });

  it('fails with connect when no URL answers, naming each', async () => {
    const port = await closedPort();
    const error = await readError(source({ urls: [`ldaps://127.0.0.1:${port}`, `ldap://127.0.0.1:${port}`] }));
    expect(error).toMatchObject({ code: 'connect' });
    expect(error.message).toContain(`ldaps://127.0.0.1:${port}`);
    expect(error.message).toContain(`ldap://127.0.0.1:${port}`);
  });
});
