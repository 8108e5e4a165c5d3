// A scheduled (incremental) read on OpenLDAP without syncprov lists the ids in scope on the search
// connection its change query used, kept between the two searches. A server (or a device between) that
// closes that connection as the listing's request goes out has answered nothing of it: the read connects
// and binds again, once, and goes on, so the run does not fail for it. A connection lost after the
// listing's first answer fails the read: its paging state went with the connection, and ids already
// handed out can't be listed twice. Real slapd behind a TCP proxy that drops connections, sources built
// through the factory.
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

let server: OpenLdapServer;
let admin: Client;
let proxy: CountingProxy;

beforeAll(async () => {
  const seed = Array.from({ length: USERS }, (_, i) => {
    const uid = uidOf(i + 1);
    return ldifEntry(personDn(uid), { objectClass: 'inetOrgPerson', uid, cn: `Person ${uid}`, sn: uid, createTimestamp: STAMP, modifyTimestamp: STAMP });
  });
  // No syncprov: an incremental read finds deletions by listing the ids in scope.
  server = await startOpenLdap({ seedLdif: seed.join(''), sessionLog: null });
  admin = await server.connectAdmin();
  proxy = await startCountingProxy('127.0.0.1', Number(new URL(server.url).port));
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await admin?.unbind();
  await server?.stop();
});

const source = () =>
  createSource(
    ldapConfig({
      flavor: 'openldap', urls: [`ldap://127.0.0.1:${proxy.port}`], baseDN: PEOPLE, bindDN: server.readerDn, bindPassword: server.readerPassword,
      disabled: { kind: 'none' },
    }),
    silentLogger(),
  );

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
