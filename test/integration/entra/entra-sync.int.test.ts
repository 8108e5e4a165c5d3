// Entra end to end: the Graph emulator over HTTPS → a source built from config by the factory → a sync
// run → PostgreSQL. A first sync stages page by page and applies after the read in one short
// transaction; it leaves nothing when the connection is lost half-way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeatsyncConfig } from '../../../src/config/types.ts';
import type { DirectorySource } from '../../../src/sources/directory-source.ts';
import type { SyncReport } from '../../../src/sync/run-sync.ts';
import { aConfig } from '../../support/config-builder.ts';
import { testDatabaseOf, type SuiteDatabase } from '../../support/databases.ts';
import { storedState } from '../../support/stored-state.ts';
import { syncWithAllocation } from '../../support/sync.ts';
import { startEntraFixture, type EntraFixture } from './entra-fixture.ts';

const USERS = 1_200;
const SEATS = 900;
const T1 = Date.UTC(2026, 0, 5, 9);

describe('Entra first sync into PostgreSQL', () => {
  let fx: EntraFixture;
  let ids: string[];
  const early = testDatabaseOf('postgres');
  const late = testDatabaseOf('postgres');
  beforeAll(async () => {
    fx = await startEntraFixture();
    ids = fx.emulator.directory.addUsers(USERS, (i) => ({
      userPrincipalName: `user${i}@contoso.test`, mail: `user${i}@contoso.test`, displayName: `User ${i}`,
      createdDateTime: new Date(Date.UTC(2020, 0, 1) + (i % 50) * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      employeeType: i % 10 === 0 ? 'Contractor' : 'Employee', accountEnabled: i % 97 !== 0,
    }));
  });
  afterAll(async () => fx.close());

  const config = (): SeatsyncConfig =>
    aConfig({
      sources: [fx.config({ pageSize: 100 })],
      pools: [{ name: 'primary', seats: SEATS, notify: null }],
      profiles: [
        { name: 'contractor', when: { attribute: { employeeType: ['contractor'] } }, pools: [] },
        { name: 'staff', when: null, pools: ['primary'] },
      ],
    });

  const sync = async (t: SuiteDatabase, make: () => DirectorySource, now = T1): Promise<SyncReport> =>
    (await syncWithAllocation(t.db, config(), { createSource: make, now })).report;

  const stored = (t: SuiteDatabase) =>
    storedState(t.db, { accounts: ['external_id', 'username', 'email', 'enabled', 'profile', 'state', 'held', 'waiting_for', 'waiting_since', 'activated_at'] });

  it('creates every user and fills the seats first come, first served; the delta resync that follows writes only the change', async () => {
    const a = await sync(early, () => fx.source({ pageSize: 100 }));
    expect(a.runs[0]).toMatchObject({ status: 'ok', mode: 'full', seen: USERS, created: USERS });
    expect(a.pools.find((p) => p.name === 'primary')).toMatchObject({ seats: SEATS, used: SEATS });
    const blocked = (await early.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM accounts WHERE state = 'blocked'`)).rows[0]?.n;
    expect(blocked).toBeGreaterThan(0);
    expect(blocked).toBe(a.runs[0]?.blocked);
    // The same directory read in one page per request of 999 leaves the same accounts.
    const b = await sync(late, () => fx.source({ pageSize: 999 }));
    expect({ ...a.runs[0], runId: null, durationMs: 0 }).toEqual({ ...b.runs[0], runId: null, durationMs: 0 });
    expect(await stored(early)).toEqual(await stored(late));

    fx.emulator.directory.updateUser(ids[5]!, { displayName: 'Renamed' });
    fx.emulator.directory.updateUser(ids[7]!, { accountEnabled: false });
    const da = await sync(early, () => fx.source({ pageSize: 100 }), T1 + 3_600_000);
    expect(da.runs[0]).toMatchObject({ status: 'ok', mode: 'incremental', seen: 2, updated: 2 });
    const renamed = await early.db.query<{ display_name: string }>('SELECT display_name FROM accounts WHERE external_id = $1', [ids[5]]);
    expect(renamed.rows[0]?.display_name).toBe('Renamed');
  });

  it('leaves nothing when the connection is lost half-way through the read', async () => {
    // Pages 1–5 pass, the sixth answer is cut after its first kilobyte: the read fails as lost.
    fx.emulator.faults.inject('pass', 'pass', 'pass', 'pass', 'pass', 'cut');
    const failed = await sync(early, () => fx.source({ pageSize: 100 }, { retry: { maxAttempts: 1 } }));
    expect(failed.runs[0]).toMatchObject({ status: 'failed', errorCode: 'connect' });
    const left = await early.db.query<{ accounts: number; audit: number; cursors: number }>(
      `SELECT (SELECT count(*)::int FROM accounts) AS accounts, (SELECT count(*)::int FROM audit) AS audit,
              (SELECT count(*)::int FROM source_cursors) AS cursors`,
    );
    expect(left.rows[0]).toEqual({ accounts: 0, audit: 0, cursors: 0 });
    const retried = await sync(early, () => fx.source({ pageSize: 100 }));
    expect(retried.runs[0]).toMatchObject({ status: 'ok', created: USERS });
  });
});
