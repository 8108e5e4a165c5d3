// A scheduled (incremental) read on OpenLDAP without syncprov lists the ids in scope on the search
// connection its change query used, kept between the two searches. A server (or a device between) that
// closes that connection as the listing's request goes out has answered nothing of it: the read connects
// and binds again, once, and goes on, so the run does not fail for it. A connection lost after the
// listing's first answer fails the read: its paging state went with the connection, and ids already
// handed out can't be listed twice. With syncprov, a refresh the server answers but can't serve
// (e-syncRefreshRequired) keeps its connection too, for the content-sync search that asks the current
// cookie: dropped as that search goes out, it runs again on a new connection the same way. Real slapd
// behind a TCP proxy that drops connections, sources built through the factory.
import type { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../../../src/logging.ts';
import { SourceError, type SourceItem, type SourceReadOutcome } from '../../../src/sources/directory-source.ts';
import { createSource } from '../../../src/sources/factory.ts';
import { startCountingProxy, type CountingProxy } from '../../support/counting-proxy.ts';
import { ldifEntry, startOpenLdap, type OpenLdapServer } from '../../support/openldap.ts';

import { ldapConfig, pad, readAll } from './ldap-test-kit.ts';

const PEOPLE = 'ou=people,dc=example,dc=test';
const STAMP = '20200101000000Z';
const USERS = 12;
const uidOf = (n: number): string => `u${pad(n, 2)}`;
const personDn = (uid: string): string => `uid=${uid},${PEOPLE}`;
const seed = Array.from({ length: USERS }, (_, i) => {
  const uid = uidOf(i + 1);
  return ldifEntry(personDn(uid), { objectClass: 'inetOrgPerson', uid, cn: `Person ${uid}`, sn: uid, createTimestamp: STAMP, modifyTimestamp: STAMP });
}).join('');

/** A slapd, an admin connection to it and the proxy the source reads it through. */
interface Behind { server: OpenLdapServer; admin: Client; proxy: CountingProxy }

async function startBehindProxy(sessionLog: number | null): Promise<Behind> {
  const server = await startOpenLdap({ seedLdif: seed, sessionLog });
  return { server, admin: await server.connectAdmin(), proxy: await startCountingProxy('127.0.0.1', Number(new URL(server.url).port)) };
}

async function stop(at: Behind | undefined): Promise<void> {
  await at?.proxy.close();
  await at?.admin.unbind();
  await at?.server.stop();
}

const sourceBehind = (at: Behind) =>
  createSource(
    ldapConfig({
      flavor: 'openldap', urls: [`ldap://127.0.0.1:${at.proxy.port}`], baseDN: PEOPLE, bindDN: at.server.readerDn, bindPassword: at.server.readerPassword,
      disabled: { kind: 'none' },
    }),
    silentLogger(),
  );

let server: OpenLdapServer;
let admin: Client;
let proxy: CountingProxy;
let withoutSyncprov: Behind | undefined;

beforeAll(async () => {
  // No syncprov: an incremental read finds deletions by listing the ids in scope.
  withoutSyncprov = await startBehindProxy(null);
  ({ server, admin, proxy } = withoutSyncprov);
}, 120_000);

afterAll(async () => {
  await stop(withoutSyncprov);
});

const source = () => sourceBehind({ server, admin, proxy });

/**
 * An incremental read from `cursor` whose kept search connection the proxy drops (`direction`) as the
 * read's first page, the change query's, arrives: the next bytes on it are the listing's.
 */
async function readDropping(input: { cursor: SourceReadOutcome['cursor']; direction: 'request' | 'response' }) {
  const reader = source().read({ cursor: input.cursor, forceFull: false, groupsOfInterest: [], attributes: [] });
  const items: SourceItem[] = [];
  let dropped = false;
  let armed = false;
  for (;;) {
    const step = await reader.next();
    if (step.done === true) return { outcome: step.value, items, dropped };
    if (!armed) void proxy.dropNext(input.direction).then(() => (dropped = true));
    armed = true;
    items.push(...step.value.items);
  }
}

const listedIds = (items: readonly SourceItem[]): string[] => items.flatMap((item) => (item.kind === 'present' ? [item.externalId] : [])).sort();

describe('OpenLDAP without syncprov: the kept search connection dropped by the server', () => {
  it('connects and binds again once when the connection closes before any answer to the listing, and lists the whole scope', async () => {
    const full = await readAll(source());
    expect(full.users).toHaveLength(USERS);
    await proxy.allClosed();
    const gone = full.users.find((user) => user.username === uidOf(3));
    await admin.del(personDn(uidOf(3)));

    const before = proxy.opened();
    const read = await readDropping({ cursor: full.outcome.cursor, direction: 'request' });
    expect(read.dropped).toBe(true);
    expect(read.outcome).toMatchObject({ mode: 'incremental', listedScope: true });
    expect(listedIds(read.items)).toEqual(full.users.filter((user) => user !== gone).map((user) => user.externalId).sort());
    // The session's own connection, the search connection of the change query, and the one the listing
    // ran on after the first was dropped.
    expect(proxy.opened() - before).toBe(3);
    await proxy.allClosed();
  }, 60_000);

  it('fails the read, without connecting again, when the connection closes after the first answer to the listing', async () => {
    const full = await readAll(source());
    await proxy.allClosed();
    const before = proxy.opened();
    // The listing's first entry arrives, then the connection closes.
    const failure = await readDropping({ cursor: full.outcome.cursor, direction: 'response' }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SourceError);
    expect(failure).toMatchObject({ code: 'connect' });
    expect(proxy.opened() - before).toBe(2);
    await proxy.allClosed();
  }, 60_000);
});

describe('OpenLDAP with syncprov: the kept search connection dropped as the current cookie is asked', () => {
  let at: Behind | undefined;

  beforeAll(async () => {
    at = await startBehindProxy(1000);
  }, 120_000);

  afterAll(async () => {
    await stop(at);
  });

  it('connects and binds again once when the connection the refresh kept closes before any answer to the cookie search', async () => {
    if (at === undefined) throw new Error('no server');
    const { proxy, admin } = at;
    const full = await readAll(sourceBehind(at));
    expect(full.users).toHaveLength(USERS);
    await proxy.allClosed();
    const gone = full.users.find((user) => user.username === uidOf(3));
    await admin.del(personDn(uidOf(3)));
    // A cookie older than any entry: the server answers the refresh with e-syncRefreshRequired, so the read
    // asks the current cookie (a base search of the base DN, on the refresh's connection) and lists the ids.
    const cursor = { ...full.outcome.cursor, syncCookie: Buffer.from('rid=000,csn=20000101000000.000000Z#000000#000#000000').toString('base64') };

    const before = proxy.opened();
    let dropped = false;
    void proxy.dropNext('request', (search) => search.scope === 'base' && search.baseDn === PEOPLE).then(() => (dropped = true));
    const read = await readAll(sourceBehind(at), { cursor });
    expect(dropped).toBe(true);
    expect(read.outcome).toMatchObject({ mode: 'incremental', listedScope: true });
    expect(read.outcome.cursor).toMatchObject({ syncCookie: expect.any(String) });
    expect(read.outcome.cursor?.['syncCookie']).not.toBe(cursor.syncCookie);
    const items = read.pages.flatMap((page) => page.items);
    expect(listedIds(items)).toEqual(full.users.filter((user) => user !== gone).map((user) => user.externalId).sort());
    // The session's own connection, the search connection the refresh ran on and kept, and the one the
    // cookie search ran on after the first was dropped.
    expect(proxy.opened() - before).toBe(3);
    await proxy.allClosed();
  }, 60_000);
});
