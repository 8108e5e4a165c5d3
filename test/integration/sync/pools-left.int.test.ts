// A run whose allocation is skipped reports the pools as the last allocation left them (saved with its
// fingerprint) instead of counting every account. Those saved numbers must be what counting the stored
// accounts gives, after every kind of allocation: runs that add, disable, remove and return users, pool
// changes with a grace period, admin actions. Real PostgreSQL and PGlite.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SeatsyncConfig } from '../../../src/config/types.ts';
import { silentLogger } from '../../../src/logging.ts';
import { createSourceFactory } from '../../../src/sources/factory.ts';
import { storeOf } from '../../../src/store/repositories.ts';
import { applyAdminAction } from '../../../src/sync/admin-actions.ts';
import { runSync, type SyncReport } from '../../../src/sync/run-sync.ts';
import { aConfig, aCsvFile, aFileSource, people, type CsvPerson } from '../../support/config-builder.ts';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../../support/databases.ts';

describe.each(DATABASE_KINDS)('the pools the last allocation left, on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(kind);
  });
  afterEach(async () => {
    await t.drop();
  });

  const sync = (config: SeatsyncConfig): Promise<SyncReport> =>
    runSync(
      { db: t.db, config, logger: silentLogger(), createSource: createSourceFactory(config, silentLogger()) },
      { sources: [], dryRun: false, allowRemovals: true, forceFull: false, trigger: 'test' },
    );

  /** The saved pools equal the stored accounts counted, and a run that changes nothing reports them. */
  async function expectSavedPoolsCounted(config: SeatsyncConfig): Promise<ReadonlyMap<string, { used: number; waiting: number }>> {
    const store = storeOf(t.db);
    const saved = await store.seats.poolsLeft();
    const counted = await store.accounts.poolCounts();
    const of = (counts: ReadonlyMap<string, { used: number; waiting: number }> | null, pool: string) => {
      const c = counts?.get(pool);
      return { used: c?.used ?? 0, waiting: c?.waiting ?? 0 };
    };
    expect(saved).not.toBeNull();
    for (const pool of config.pools) expect({ pool: pool.name, ...of(saved, pool.name) }).toEqual({ pool: pool.name, ...of(counted, pool.name) });
    const quiet = await sync(config);
    expect(quiet.runs[0]).toMatchObject({ status: 'ok', activated: 0, blocked: 0, disabled: 0, removed: 0, updated: 0, created: 0 });
    expect(quiet.pools.map((p) => [p.name, p.used, p.waiting])).toEqual(config.pools.map((p) => [p.name, of(counted, p.name).used, of(counted, p.name).waiting]));
    return counted;
  }

  it('equal the accounts counted after runs, pool changes and admin actions', async () => {
    const contractors = (list: CsvPerson[]): CsvPerson[] => list.map((p, i) => (i % 3 === 0 ? { ...p, employeeType: 'contractor' } : p));
    const csv = aCsvFile(contractors(people(12)));
    const base = aConfig({
      sources: [aFileSource('hr', csv.path)],
      pools: [{ name: 'primary', seats: 6, notify: null }, { name: 'extranet', seats: 2, notify: null }],
      profiles: [
        { name: 'contractor', when: { attribute: { employeeType: ['contractor'] } }, pools: ['extranet', 'primary'] },
        { name: 'staff', when: null, pools: ['primary'] },
      ],
    });
    const config = base;
    await sync(config);
    // Both pools full, with accounts waiting for each.
    const first = await expectSavedPoolsCounted(config);
    expect(first.get('primary')).toEqual({ used: 6, waiting: 6 });
    expect(first.get('extranet')?.waiting).toBeGreaterThan(0);
    // Users disabled, removed, new; then some back.
    csv.write(contractors(people(14)).filter((p) => p.id !== 'u002' && p.id !== 'u005').map((p) => (p.id === 'u003' ? { ...p, enabled: false } : p)));
    await sync(config);
    await expectSavedPoolsCounted(config);
    csv.write(contractors(people(14)));
    await sync(config);
    await expectSavedPoolsCounted(config);
    // Fewer seats and a grace period, with new users (activated in grace beyond the seats), then more seats.
    const smaller = { ...config, pools: [{ name: 'primary', seats: 4, notify: null }, { name: 'extranet', seats: 1, notify: null }], policy: { ...config.policy, graceDays: 3 } };
    csv.write(contractors(people(17)));
    await sync(smaller);
    // More used than seats: the overage in grace.
    expect((await expectSavedPoolsCounted(smaller)).get('primary')?.used).toBeGreaterThan(4);
    await sync(config);
    await expectSavedPoolsCounted(config);
    // Admin actions re-allocate in their own transaction.
    await applyAdminAction({ db: t.db, config }, { action: 'block', ref: 'u001', actor: 'test-admin' });
    await expectSavedPoolsCounted(config);
    await applyAdminAction({ db: t.db, config }, { action: 'protect', ref: 'u012', actor: 'test-admin' });
    await expectSavedPoolsCounted(config);
    await applyAdminAction({ db: t.db, config }, { action: 'unblock', ref: 'u001', actor: 'test-admin' });
    await expectSavedPoolsCounted(config);
  });
});
