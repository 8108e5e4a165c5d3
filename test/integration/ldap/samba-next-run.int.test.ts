// Directory changes on Active Directory reach the seats on the next scheduled run: a deleted user (its
// tombstone, read with the Show Deleted control), a user moved out of the base DN, a user removed from a
// nested scope group, a user added to the partner group. Freed seats go to the longest waiting in that
// same run; nothing else changes. The searches that find deletions and moves share the bound search
// connection of the user search; one the server closes as they begin is opened again, once. A real
// Samba AD DC, sources built from the config through the factory, real PostgreSQL.
import { Attribute, Change, type Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SeatsyncConfig } from '../../../src/config/types.ts';
import { normalizeDn } from '../../../src/domain/names.ts';
import { silentLogger } from '../../../src/logging.ts';
import type { SourceItem } from '../../../src/sources/directory-source.ts';
import { createSource } from '../../../src/sources/factory.ts';
import type { SyncReport } from '../../../src/sync/run-sync.ts';
import { aConfig } from '../../support/config-builder.ts';
import { startCountingProxy, type CountingProxy } from '../../support/counting-proxy.ts';
import { testDatabaseOf } from '../../support/databases.ts';
import { startSambaAd, type SambaAdServer } from '../../support/samba-ad.ts';
import { syncWithAllocation } from '../../support/sync.ts';

import { ldapConfig, pad, readAll, userNamed } from './ldap-test-kit.ts';
import { addGroup, adUser } from './samba-seed.ts';

let dc: SambaAdServer;
let admin: Client;
const t = testDatabaseOf('postgres', { scope: 'describe' });
const ou = (name: string): string => `OU=${name},${dc.baseDn}`;
const userDn = (cn: string, where = 'People'): string => `CN=${cn},${ou(where)}`;
const groupDn = (cn: string): string => `CN=${cn},${ou('Groups')}`;
const USERS = Array.from({ length: 10 }, (_, i) => `u${pad(i + 1, 2)}`);

beforeAll(async () => {
  dc = await startSambaAd();
  admin = await dc.connectAdmin();
  for (const name of ['People', 'Groups', 'Former', 'Plain', 'Counted']) await admin.add(ou(name), { objectClass: ['top', 'organizationalUnit'] });
  // One at a time, in order: creation time (whole seconds on AD), then the username, orders the queue.
  for (const name of USERS) await admin.add(userDn(name), adUser(name));
  for (const name of ['p1', 'p2', 'p3', 'p4']) await admin.add(userDn(name, 'Plain'), adUser(name));
  for (const name of ['c1', 'c2', 'c3', 'c4']) await admin.add(userDn(name, 'Counted'), adUser(name));
  await addGroup(admin, groupDn('Team'), 'team', USERS.map((name) => userDn(name)));
  await addGroup(admin, groupDn('Scope'), 'scope', [groupDn('Team')]);
  await addGroup(admin, groupDn('Partners'), 'partners', [userDn('u05')]);
}, 600_000);

afterAll(async () => {
  await admin?.unbind();
  await dc?.stop();
});

const source = (overrides: Partial<Parameters<typeof ldapConfig>[0]>) =>
  ldapConfig({
    flavor: 'active-directory', urls: [dc.ldapsUrl], baseDN: ou('People'), bindDN: dc.adminUpn, bindPassword: dc.adminPassword,
    tls: { caFile: dc.ca.certPath, rejectUnauthorized: true, startTls: false }, ...overrides,
  });

/** A scheduled run: what the worker's job runs (no `--full`). */
const scheduled = async (config: SeatsyncConfig): Promise<SyncReport> => (await syncWithAllocation(t.db, config, { trigger: 'schedule' })).report;

const accounts = async (source: string): Promise<Record<string, { state: string; profile: string | null; version: string }>> => {
  const rows = await t.db.query<{ username: string; state: string; profile: string | null; version: string }>(
    `SELECT username, state, profile, xmin::text AS version FROM accounts WHERE source = $1 ORDER BY username`,
    [source],
  );
  return Object.fromEntries(rows.rows.map((r) => [r.username, { state: r.state, profile: r.profile, version: r.version }]));
};
const states = async (source: string): Promise<Record<string, string>> => Object.fromEntries(Object.entries(await accounts(source)).map(([name, a]) => [name, a.state]));
const member = (operation: 'add' | 'delete', dn: string) => new Change({ operation, modification: new Attribute({ type: 'member', values: [dn] }) });

describe('Samba AD: every change reaches the seats on the next scheduled run', () => {
  it('applies a deletion, a move out of the base DN, a nested scope group exit and a partner group join in one run; freed seats go to the longest waiting', async () => {
    const config = aConfig({
      sources: [source({ name: 'corp', group: groupDn('Scope') })],
      pools: [{ name: 'primary', seats: 4, notify: null }, { name: 'extranet', seats: 1, notify: null }],
      profiles: [
        { name: 'partner', when: { memberOf: [normalizeDn(groupDn('Partners'))] }, pools: ['extranet'] },
        { name: 'staff', when: null, pools: ['primary'] },
      ],
      policy: { graceDays: 0, maxRemovals: { count: 10 }, protect: null, purgeRemovedAfterMs: null },
    });
    expect((await scheduled(config)).runs[0]).toMatchObject({ status: 'ok', created: 10 });
    expect(await states('corp')).toEqual({
      u01: 'active', u02: 'active', u03: 'active', u04: 'active', u05: 'active',
      u06: 'blocked', u07: 'blocked', u08: 'blocked', u09: 'blocked', u10: 'blocked',
    });
    const before = await accounts('corp');

    await admin.del(userDn('u01'));
    await admin.modifyDN(userDn('u02'), `CN=u02,${ou('Former')}`);
    await admin.modify(groupDn('Team'), member('delete', userDn('u03')));
    await admin.modify(groupDn('Partners'), member('add', userDn('u07')));

    expect((await scheduled(config)).runs[0]).toMatchObject({ status: 'ok', removed: 3, activated: 3 });
    // The longest waiting get the three seats; u07 now waits for the partners' one.
    expect(await states('corp')).toEqual({
      u01: 'removed', u02: 'removed', u03: 'removed', u04: 'active', u05: 'active',
      u06: 'active', u07: 'blocked', u08: 'active', u09: 'active', u10: 'blocked',
    });
    const after = await accounts('corp');
    expect(after['u07']?.profile).toBe('partner');
    for (const name of ['u04', 'u05', 'u10']) expect(after[name]).toEqual(before[name]);
  }, 180_000);

  it('finds a deletion (tombstone) and a move out of the base DN in an incremental read', async () => {
    const config = aConfig({
      sources: [source({ name: 'plain', baseDN: ou('Plain') })],
      pools: [{ name: 'primary', seats: 2, notify: null }],
      policy: { graceDays: 0, maxRemovals: { count: 10 }, protect: null, purgeRemovedAfterMs: null },
    });
    await t.db.query(`DELETE FROM audit; DELETE FROM accounts; DELETE FROM source_cursors`);
    expect((await scheduled(config)).runs[0]).toMatchObject({ status: 'ok', created: 4 });
    expect(await states('plain')).toEqual({ p1: 'active', p2: 'active', p3: 'blocked', p4: 'blocked' });
    const quiet = await scheduled(config);
    expect(quiet.runs[0]).toMatchObject({ status: 'ok', mode: 'incremental', removed: 0, updated: 0 });

    await admin.del(userDn('p1', 'Plain'));
    await admin.modifyDN(userDn('p2', 'Plain'), `CN=p2,${ou('Former')}`);
    const run = (await scheduled(config)).runs[0];
    expect(run).toMatchObject({ status: 'ok', mode: 'incremental', removed: 2, activated: 2 });
    expect(await states('plain')).toEqual({ p1: 'removed', p2: 'removed', p3: 'active', p4: 'active' });
  }, 180_000);
});

describe('Samba AD: the connections of an incremental read', () => {
  let proxy: CountingProxy;
  beforeAll(async () => {
    proxy = await startCountingProxy(dc.host, 636);
  });
  afterAll(async () => {
    await proxy?.close();
  });
  const counted = () => createSource(source({ name: 'counted', baseDN: ou('Counted'), urls: [`ldaps://${dc.host}:${proxy.port}`] }), silentLogger());
  const departed = (items: readonly SourceItem[]): string[] => items.flatMap((item) => (item.kind === 'deleted' ? [item.externalId] : [])).sort();

  it('binds once for the user search and both scope-exit searches, and closes every connection at the end', async () => {
    const full = await readAll(counted());
    await proxy.allClosed();
    const id = (name: string): string => userNamed(full.users, name).externalId;

    await admin.del(userDn('c1', 'Counted'));
    await admin.modifyDN(userDn('c2', 'Counted'), `CN=c2,${ou('Former')}`);
    const before = proxy.opened();
    const delta = await readAll(counted(), { cursor: full.outcome.cursor });
    expect(delta.outcome.mode).toBe('incremental');
    // The tombstone search found c1 and the changed-users search c2, on the user search's connection:
    // the session's own connection and one search connection, not one more for each scope-exit search.
    expect(departed(delta.pages.flatMap((page) => page.items))).toEqual([id('c1'), id('c2')].sort());
    expect(proxy.opened() - before).toBe(2);
    await proxy.allClosed();
  }, 60_000);

  it('closes every connection when the read is aborted during the scope-exit searches', async () => {
    const full = await readAll(counted());
    await admin.del(userDn('c3', 'Counted'));
    const abort = new AbortController();
    const reader = counted().read({ cursor: full.outcome.cursor, forceFull: false, groupsOfInterest: [], attributes: [], signal: abort.signal });
    let failure: unknown = null;
    try {
      for (;;) {
        const step = await reader.next();
        if (step.done === true) break;
        if (departed(step.value.items).length > 0) abort.abort();
      }
    } catch (error) {
      failure = error;
    }
    expect(abort.signal.aborted).toBe(true);
    expect(failure).toMatchObject({ name: 'AbortError' });
    await proxy.allClosed();
  }, 60_000);

  it('connects and binds again once when the server closes the kept connection as the tombstone search begins', async () => {
    const full = await readAll(counted());
    await proxy.allClosed();
    await admin.del(userDn('c4', 'Counted'));
    const before = proxy.opened();
    const reader = counted().read({ cursor: full.outcome.cursor, forceFull: false, groupsOfInterest: [], attributes: [] });
    const items: SourceItem[] = [];
    let dropped = false;
    let armed = false;
    for (let step = await reader.next(); step.done !== true; step = await reader.next()) {
      // The first page is the change query's; the next request on its connection is the tombstone search.
      if (!armed) void proxy.dropNext('request').then(() => (dropped = true));
      armed = true;
      items.push(...step.value.items);
    }
    expect(dropped).toBe(true);
    expect(departed(items)).toEqual([userNamed(full.users, 'c4').externalId]);
    // The session's connection, the change query's search connection, and the one the scope-exit
    // searches ran on after it was dropped.
    expect(proxy.opened() - before).toBe(3);
    await proxy.allClosed();
  }, 60_000);
});
