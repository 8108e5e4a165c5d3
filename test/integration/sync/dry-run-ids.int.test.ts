// A dry run changes nothing, the account id sequence included: a sequence does not roll back with the
// transaction, so a dry run reads where it stands instead of drawing the new accounts' ids from it. A dry
// run of several sources reserves each one's ids past the ids the ones before it reserved, as the sync's
// draws from the sequence would: the plans' accounts never share an id, and the dry run ends as the sync.
// A source the sync holds before its allocation draws none, and the plan check makes of it (planHeld)
// reserves none for the sources after it.
import { describe, expect, it } from 'vitest';
import { aConfig, aCsvFile, aFileSource, people } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';

describe.each(DATABASE_KINDS)('account ids and dry runs, on %s', (kind) => {
  const t = testDatabaseOf(kind);
  it('a dry run leaves the id sequence as it was, and the syncs number new accounts on without a gap', async () => {
    const sync = async (rows: number, dryRun: boolean, renamed = 0) => {
      const users = people(rows).map((p, i) => (i < renamed ? { ...p, displayName: `Renamed ${p.id}` } : p));
      const config = aConfig({ sources: [aFileSource('hr', aCsvFile(users).path)] });
      const { report } = await syncWithAllocation(t.db, config, { dryRun });
      expect(report.runs[0]?.status).toBe('ok');
      return report.runs[0];
    };
    const sequence = async (): Promise<string | null> =>
      (await t.db.query<{ v: string | null }>("SELECT pg_sequence_last_value(pg_get_serial_sequence('accounts', 'id')::regclass)::text AS v")).rows[0]?.v ?? null;
    const ids = async (): Promise<number[]> => (await t.db.query<{ id: number }>('SELECT id FROM accounts ORDER BY id')).rows.map((r) => r.id);

    await sync(10, true);
    expect(await sequence()).toBeNull();
    expect(await ids()).toEqual([]);
    expect((await sync(10, false))?.created).toBe(10);
    expect(await ids()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const before = await sequence();
    expect((await sync(14, true))?.created).toBe(4);
    expect(await sequence()).toBe(before);
    expect(await ids()).toHaveLength(10);
    expect((await sync(14, false))?.created).toBe(4);
    expect(await ids()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    // Changed users read before the new ones take no account id.
    const report = await sync(16, false, 8);
    expect([report?.created, report?.updated]).toEqual([2, 8]);
    expect((await ids()).slice(-3)).toEqual([14, 15, 16]);
  });

  it('plans two sources that both create accounts with ids of their own, as the sync then draws them, whatever the earlier one ends with', async () => {
    const hr = aCsvFile(people(3));
    await syncWithAllocation(t.db, aConfig({ sources: [aFileSource('hr', hr.path)] }));
    hr.write(people(5));
    const partners = aCsvFile(people(3, 11));
    const config = aConfig({ sources: [aFileSource('hr', hr.path), aFileSource('partners', partners.path)] });
    const ids = async (): Promise<number[]> => (await t.db.query<{ id: number }>('SELECT id FROM accounts ORDER BY id')).rows.map((r) => r.id);
    const sequence = async (): Promise<string | null> =>
      (await t.db.query<{ v: string | null }>("SELECT pg_sequence_last_value(pg_get_serial_sequence('accounts', 'id')::regclass)::text AS v")).rows[0]?.v ?? null;
    const outcome = async (dryRun: boolean) =>
      (await syncWithAllocation(t.db, config, { dryRun })).report.runs.map((r) => ({ source: r.source, status: r.status, created: r.created, error: r.error?.match(/accounts_pkey/)?.[0] ?? r.error }));

    // An account written outside the sequence (by hand) holds id 5: the sync draws 4 and 5 for hr's two new
    // users, fails on 5, and its draw stands (a sequence does not roll back), so partners gets 6, 7 and 8.
    // The dry run must plan the same: hr from 4 (where the sequence stands, not past the highest id in the
    // table), partners past hr's ids although hr's plan failed and was rolled back.
    await t.db.query(
      `INSERT INTO accounts (id, source, external_id, username, enabled, data_hash, state) OVERRIDING SYSTEM VALUE
       VALUES (5, 'elsewhere', 'x', 'x', true, 'x', 'removed')`,
    );
    const expected = [{ source: 'hr', status: 'failed', created: 0, error: 'accounts_pkey' }, { source: 'partners', status: 'ok', created: 3, error: null }];
    expect(await outcome(true)).toEqual(expected);
    expect(await sequence()).toBe('3');
    expect(await ids()).toEqual([1, 2, 3, 5]);
    expect(await outcome(false)).toEqual(expected);
    expect(await ids()).toEqual([1, 2, 3, 5, 6, 7, 8]);

    // Without the stray account both plan and apply: hr's two from 9, partners' new one after them. The
    // ordinary case, checked for the plan and the sequence it leaves: it does not tell the floor from the
    // rule before it (past the highest id in the table), which numbers it alike; the clash above and the
    // held source of the next test do.
    await t.db.query(`DELETE FROM accounts WHERE source = 'elsewhere'`);
    partners.write(people(4, 11));
    const both = [{ source: 'hr', status: 'ok', created: 2, error: null }, { source: 'partners', status: 'ok', created: 1, error: null }];
    expect(await outcome(true)).toEqual(both);
    expect(await sequence()).toBe('8');
    expect(await outcome(false)).toEqual(both);
    expect(await ids()).toEqual([1, 2, 3, 6, 7, 8, 9, 10, 11]);
  });

  it('a source held before its allocation draws no ids, in the plan check makes as in the sync: a later source numbers its accounts alike', async () => {
    const hr = aCsvFile(people(3));
    const staff = aCsvFile(people(10, 21));
    const partners = aCsvFile([]);
    const config = aConfig({ sources: [aFileSource('hr', hr.path), aFileSource('staff', staff.path), aFileSource('partners', partners.path)] });
    await syncWithAllocation(t.db, config);
    const ids = async (): Promise<number[]> => (await t.db.query<{ id: number }>('SELECT id FROM accounts ORDER BY id')).rows.map((r) => r.id);
    expect(await ids()).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    const outcome = async (options: { dryRun: boolean; planHeld?: boolean }) =>
      (await syncWithAllocation(t.db, config, options)).report.runs.map((r) => ({ source: r.source, status: r.status, error: r.error?.match(/accounts_pkey/)?.[0] ?? r.error }));

    // hr gains two users; staff's read drops its ten accounts (more than policy.maxRemovals' 10 %, at
    // least 5, allows) and brings two new ones, so the sync holds it before its allocation, drawing no
    // ids; partners brings three. The sync draws 14 and 15 for hr and 16, 17, 18 for partners. The plan
    // that check makes (planHeld: staff planned anyway, 16 and 17 for its new ones, then rolled back)
    // must give partners 16 to 18 too: an account written by hand at 19 fails a plan that gives them 18
    // to 20, where the sync passes it by. (Dry runs roll back, so ids are seen only through such a clash.)
    hr.write(people(5));
    staff.write(people(2, 31));
    partners.write(people(3, 41));
    await t.db.query(
      `INSERT INTO accounts (id, source, external_id, username, enabled, data_hash, state) OVERRIDING SYSTEM VALUE
       VALUES (19, 'elsewhere', 'x', 'x', true, 'x', 'removed')`,
    );
    const expected = [{ source: 'hr', status: 'ok', error: null }, { source: 'staff', status: 'held', error: null }, { source: 'partners', status: 'ok', error: null }];
    expect(await outcome({ dryRun: true, planHeld: true })).toEqual(expected);
    expect(await outcome({ dryRun: true })).toEqual(expected);
    expect(await outcome({ dryRun: false })).toEqual(expected);
    expect((await ids()).slice(13)).toEqual([14, 15, 16, 17, 18, 19]);
  });
});
