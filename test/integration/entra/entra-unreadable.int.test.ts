// Entra: a user whose properties seatsync cannot use (accountEnabled not a boolean, a NUL character in
// a name) is skipped naming the property, and its account stays exactly as it was, on a delta read and
// on a full read; the other changes of the same read are applied. The Graph emulator over HTTPS, the
// source built from the config through the factory, real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeatsyncConfig } from '../../../src/config/types.ts';
import type { SyncReport } from '../../../src/sync/run-sync.ts';
import { aConfig } from '../../support/config-builder.ts';
import { testDatabaseOf } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';
import { startEntraFixture, type EntraFixture } from './entra-fixture.ts';

describe('Entra: unreadable users keep their accounts', () => {
  let fx: EntraFixture;
  const t = testDatabaseOf('postgres', { scope: 'describe' });
  let ids: string[];
  beforeAll(async () => {
    fx = await startEntraFixture();
    ids = fx.emulator.directory.addUsers(5, (i) => ({
      userPrincipalName: `user${i}@contoso.test`, displayName: `User ${i}`, accountEnabled: true,
      createdDateTime: new Date(Date.UTC(2020, 0, 1 + i)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    }));
  });
  afterAll(async () => {
    await fx?.close();
  });

  const config = (seats: number): SeatsyncConfig =>
    aConfig({ sources: [fx.config({ pageSize: 2 })], pools: [{ name: 'primary', seats, notify: null }] });
  const sync = async (options: { forceFull: boolean; seats?: number }): Promise<SyncReport> =>
    (await syncWithAllocation(t.db, config(options.seats ?? 3), { forceFull: options.forceFull, trigger: 'schedule' })).report;
  const rows = async () => (await t.db.query(`SELECT xmin::text AS version, * FROM accounts ORDER BY username`)).rows;
  const states = async () =>
    Object.fromEntries((await t.db.query<{ username: string; state: string }>('SELECT username, state FROM accounts')).rows.map((r) => [r.username, r.state]));

  it('skips them naming the property, keeps their accounts, and applies the rest of the read', async () => {
    expect((await sync({ forceFull: false })).runs[0]).toMatchObject({ status: 'ok', created: 5, activated: 3 });
    expect(await states()).toEqual({
      'user0@contoso.test': 'active', 'user1@contoso.test': 'active', 'user2@contoso.test': 'active',
      'user3@contoso.test': 'blocked', 'user4@contoso.test': 'blocked',
    });
    const before = await rows();
    const [user0, user1, user2] = ids;
    fx.emulator.directory.updateUser(user0 ?? '', { accountEnabled: 'yes' });
    fx.emulator.directory.updateUser(user1 ?? '', { displayName: 'User\u00001' });
    fx.emulator.directory.deleteUser(user2 ?? '');

    const delta = (await sync({ forceFull: false })).runs[0];
    expect(delta).toMatchObject({ status: 'ok', mode: 'incremental', skipped: 2, removed: 1, activated: 1 });
    expect(delta?.skippedEntries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ attribute: 'accountEnabled', externalId: user0?.toLowerCase() }),
        expect.objectContaining({ attribute: 'displayName', externalId: user1?.toLowerCase() }),
      ]),
    );
    const after = await rows();
    for (const name of ['user0@contoso.test', 'user1@contoso.test']) {
      expect(after.find((r) => r['username'] === name)).toEqual(before.find((r) => r['username'] === name));
    }
    expect(await states()).toMatchObject({ 'user2@contoso.test': 'removed', 'user3@contoso.test': 'active', 'user4@contoso.test': 'blocked' });

    // A full read sweeps what it does not return: the unreadable users are returned, and kept.
    const full = (await sync({ forceFull: true })).runs[0];
    expect(full).toMatchObject({ status: 'ok', mode: 'full', skipped: 2, removed: 0 });
    const again = await rows();
    for (const name of ['user0@contoso.test', 'user1@contoso.test']) {
      expect(again.find((r) => r['username'] === name)).toEqual(before.find((r) => r['username'] === name));
    }
  }, 120_000);

  it('keeps them as they were through the delta reads that do not return them, until one reads them again', async () => {
    // user0 and user1 hold seats and still cannot be read; a delta read without changes does not return them.
    const [user0, user1] = ids;
    const shrunk = (await sync({ forceFull: false, seats: 1 })).runs[0];
    expect(shrunk).toMatchObject({ status: 'ok', mode: 'incremental', skipped: 0, blocked: 1 });
    expect(await states()).toMatchObject({ 'user0@contoso.test': 'active', 'user1@contoso.test': 'active', 'user3@contoso.test': 'blocked' });

    // Readable again: a holder like any other, the newest first when the pool is over its seats.
    fx.emulator.directory.updateUser(user0 ?? '', { accountEnabled: true });
    fx.emulator.directory.updateUser(user1 ?? '', { displayName: 'User 1' });
    expect((await sync({ forceFull: false, seats: 1 })).runs[0]).toMatchObject({ status: 'ok', mode: 'incremental', skipped: 0, blocked: 1 });
    expect(await states()).toMatchObject({ 'user0@contoso.test': 'active', 'user1@contoso.test': 'blocked', 'user3@contoso.test': 'blocked' });
  }, 120_000);
});
