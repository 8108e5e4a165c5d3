// A dry run changes nothing, the account id sequence included: a sequence does not roll back with the
// transaction, so a dry run reads where it stands instead of drawing the new accounts' ids from it.
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
});
