// A dry run of several sources plans each after the ones before it, as the sync that follows applies
// them: what an earlier source's plan takes is not offered to a later one, a held source's plan (with
// planHeld, as `check` asks) and a failed source leave nothing for the next, and nothing is written.
import { describe, expect, it } from 'vitest';
import type { SeatsyncConfig } from '../../../src/config/types.ts';
import type { SyncReport } from '../../../src/sync/run-sync.ts';
import { aConfig, aCsvFile, aFileSource, people } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import { syncWithAllocation, type TestSyncOptions } from '../../support/sync.ts';

const counts = (report: SyncReport) =>
  report.runs.map(({ source, status, seen, created, updated, activated, blocked, disabled, removed }) => ({ source, status, seen, created, updated, activated, blocked, disabled, removed }));

describe.each(DATABASE_KINDS)('dry runs of several sources on %s', (kind) => {
  const t = testDatabaseOf(kind);
  const sync = async (config: SeatsyncConfig, options: TestSyncOptions = {}): Promise<SyncReport> => (await syncWithAllocation(t.db, config, options)).report;
  const marks = async (): Promise<string> => {
    const q = async (sql: string): Promise<string> => (await t.db.query<{ v: string | null }>(sql)).rows[0]?.v ?? '';
    return [
      await q(`SELECT string_agg(id::text || ':' || xmin::text, ',' ORDER BY id) AS v FROM accounts`),
      await q('SELECT count(*)::text AS v FROM audit'),
      await q('SELECT count(*)::text AS v FROM runs'),
      await q("SELECT pg_sequence_last_value(pg_get_serial_sequence('accounts', 'id')::regclass)::text AS v"),
    ].join(' | ');
  };

  it('plans a later source against the seats an earlier one would take, with the pools after all of them', async () => {
    const config = aConfig({
      sources: [aFileSource('hr', aCsvFile(people(4)).path), aFileSource('partners', aCsvFile(people(2, 11)).path)],
      pools: [{ name: 'primary', seats: 3, notify: null }],
    });
    const before = await marks();
    const dry = await sync(config, { dryRun: true });
    expect(await marks()).toBe(before);
    const real = await sync(config);
    expect(counts(real).map((r) => [r.source, r.activated, r.blocked])).toEqual([['hr', 3, 1], ['partners', 0, 2]]);
    expect(counts(dry)).toEqual(counts(real));
    expect(dry.pools).toEqual(real.pools);
    expect(real.pools).toMatchObject([{ name: 'primary', used: 3, waiting: 3 }]);
  });

  it('rolls back a held source’s plan and a failed source before planning the next, as the sync leaves them', async () => {
    const leaving = aCsvFile(people(3, 21));
    const base = { pools: [{ name: 'primary', seats: 3, notify: null }], policy: { graceDays: 0, maxRemovals: { count: 1 }, protect: null, purgeRemovedAfterMs: null } } as const;
    await sync(aConfig({ ...base, sources: [aFileSource('hr', aCsvFile(people(2)).path), aFileSource('leaving', leaving.path)] }));
    // leaving: u021 holds the last seat, u022 and u023 wait. Then all three leave (held: over maxRemovals);
    // its plan would free u021's seat, which a sync does not apply, so newcomers still wait for one.
    leaving.write([]);
    const config = aConfig({
      ...base,
      sources: [aFileSource('leaving', leaving.path), aFileSource('gone', '/nonexistent/seatsync/users.csv'), aFileSource('newcomers', aCsvFile(people(2, 31)).path)],
    });
    const before = await marks();
    const dry = await sync(config, { dryRun: true, planHeld: true, sources: ['leaving', 'gone', 'newcomers'] });
    expect(await marks()).toBe(before);
    expect(dry.runs.map((r) => [r.source, r.status])).toEqual([['leaving', 'held'], ['gone', 'failed'], ['newcomers', 'ok']]);
    // The held plan is reported (it would remove all three and give u021's seat up)...
    expect(dry.runs[0]?.planned?.byKind).toMatchObject({ removed: 3 });
    const real = await sync(config, { sources: ['leaving', 'gone', 'newcomers'] });
    // ...but the next source is planned without it, as the sync applies it.
    expect(counts(real).map((r) => [r.source, r.status, r.activated, r.blocked])).toEqual([['leaving', 'held', 0, 0], ['gone', 'failed', 0, 0], ['newcomers', 'ok', 0, 2]]);
    expect(counts(dry)).toEqual(counts(real));
    expect(dry.pools).toEqual(real.pools);
  });
});
