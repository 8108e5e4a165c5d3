// A dry run changes nothing, the account id sequence included: a sequence does not roll back with the
// transaction, so a dry run reads where it stands instead of drawing the new accounts' ids from it. A dry
// run of several sources reserves each one's ids past the ids the ones before it reserved, as the sync's
// draws from the sequence would: the plans' accounts never share an id, and the dry run ends as the sync.
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

    // Without the stray account both plan and apply: hr's two from 9, partners' new one after them.
    await t.db.query(`DELETE FROM accounts WHERE source = 'elsewhere'`);
    partners.write(people(4, 11));
    const both = [{ source: 'hr', status: 'ok', created: 2, error: null }, { source: 'partners', status: 'ok', created: 1, error: null }];
    expect(await outcome(true)).toEqual(both);
    expect(await sequence()).toBe('8');
    expect(await outcome(false)).toEqual(both);
    expect(await ids()).toEqual([1, 2, 3, 6, 7, 8, 9, 10, 11]);
  });
});
