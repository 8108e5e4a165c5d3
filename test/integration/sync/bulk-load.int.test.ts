// A first sync that inserts many more accounts than the table holds builds the secondary indexes of
// `accounts` and `audit` after its inserts (store/bulk-load.ts; the partial ones that hold few rows are kept).
// The indexes come back exactly as they were (same definitions, the unique constraint enforced again),
// the result is the same as without, smaller runs leave the indexes alone, and a run that fails in
// between leaves them as they were.
import { describe, expect, it } from 'vitest';
import { BULK_MIN_ROWS, bulkLoadTables, withoutSecondaryIndexes } from '../../../src/store/bulk-load.ts';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { aConfig, aCsvFile, aFileSource, people } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';

interface IndexRow {
  readonly name: string;
  readonly oid: number;
  readonly definition: string;
}

/** The indexes of `table` (default `accounts`): name, object id (new when rebuilt) and definition. */
async function accountIndexes(db: Pick<Database, 'query'>, table = 'accounts'): Promise<IndexRow[]> {
  const result = await db.query<IndexRow>(
    `SELECT i.relname AS name, i.oid::int AS oid, pg_get_indexdef(i.oid) AS definition
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::regclass ORDER BY i.relname`,
    [table],
  );
  return result.rows;
}

const definitions = (rows: readonly IndexRow[]): { name: string; definition: string }[] => rows.map(({ name, definition }) => ({ name, definition }));

describe.each(DATABASE_KINDS)('bulk load of a first sync on %s', (kind) => {
  const t = testDatabaseOf(kind);
  it('rebuilds the indexes as they were, with the same result; a small second source leaves them alone', async () => {
    const users = BULK_MIN_ROWS + 500;
    const hr = aFileSource('hr', aCsvFile(people(users)).path);
    const contractors = aFileSource('contractors', aCsvFile(people(100, users + 1)).path);
    const config = aConfig({ sources: [hr, contractors], pools: [{ name: 'primary', seats: users - 1_000, notify: null }] });
    const sync = async (source: string) => (await syncWithAllocation(t.db, config, { sources: [source] })).report;
    const before = await accountIndexes(t.db);
    expect(before.map((i) => i.name)).toContain('accounts_source_external_id_key');
    const auditBefore = await accountIndexes(t.db, 'audit');

    const first = await sync('hr');
    expect(first.runs[0]).toMatchObject({ status: 'ok', created: users, activated: users - 1_000, blocked: 1_000 });
    const after = await accountIndexes(t.db);
    expect(definitions(after)).toEqual(definitions(before));
    // The audit rows' secondary indexes were built again too (new objects), its primary key kept.
    const auditAfter = await accountIndexes(t.db, 'audit');
    expect(definitions(auditAfter)).toEqual(definitions(auditBefore));
    for (const index of auditAfter) expect(auditBefore.find((b) => b.name === index.name)?.oid === index.oid).toBe(index.name === 'audit_pkey');
    const pkey = (rows: readonly IndexRow[]) => rows.find((i) => i.name === 'accounts_pkey')?.oid;
    expect(pkey(after)).toBe(pkey(before));
    // Every full secondary index and the seat holders' (most of the load's rows) was built again (new
    // object), none lost; the other partial ones (few rows each) were kept and maintained.
    const kept = (index: IndexRow): boolean => / WHERE /.test(index.definition) && index.name !== 'accounts_holders_idx';
    expect(after.filter(kept).map((i) => i.name)).toEqual(['accounts_grace_until_idx', 'accounts_queue_idx', 'accounts_state_idx']);
    for (const index of after.filter((i) => i.name !== 'accounts_pkey')) {
      const old = before.find((b) => b.name === index.name)?.oid;
      if (kept(index)) expect(old).toBe(index.oid);
      else expect(old).not.toBe(index.oid);
    }
    // First come, first served held through the slices: the 1,000 created last wait.
    const blocked = await t.db.query<{ username: string }>(`SELECT username FROM accounts WHERE state = 'blocked' ORDER BY username LIMIT 1`);
    expect(blocked.rows[0]?.username).toBe(people(1, users - 999)[0]?.username);
    // The unique constraint is enforced again.
    await expect(
      t.db.query(`INSERT INTO accounts (source, external_id, username, enabled, data_hash, state) SELECT source, external_id, 'x', true, 'x', 'active' FROM accounts LIMIT 1`),
    ).rejects.toThrow(/unique|duplicate/i);

    const second = await sync('contractors');
    expect(second.runs[0]).toMatchObject({ status: 'ok', created: 100 });
    expect(await accountIndexes(t.db)).toEqual(after);
    expect(await bulkLoadTables(t.db, BULK_MIN_ROWS)).toEqual([]);
    expect(await bulkLoadTables(t.db, 2 * (users + 100) + 2)).toEqual(['accounts', 'audit']);
  }, 120_000);

  it('leaves the indexes as they were when the run fails between the drop and the rebuild', async () => {
    const before = await accountIndexes(t.db);
    const auditBefore = await accountIndexes(t.db, 'audit');
    await expect(
      t.db.transaction((tx) =>
        withoutSecondaryIndexes(tx, ['accounts', 'audit'], async () => {
          expect((await accountIndexes(tx)).map((i) => i.name)).toEqual(['accounts_grace_until_idx', 'accounts_pkey', 'accounts_queue_idx', 'accounts_state_idx']);
          expect((await accountIndexes(tx, 'audit')).map((i) => i.name)).toEqual(['audit_pkey']);
          throw new Error('the run failed');
        }),
      ),
    ).rejects.toThrow('the run failed');
    expect(await accountIndexes(t.db)).toEqual(before);
    expect(await accountIndexes(t.db, 'audit')).toEqual(auditBefore);
  });
});

describe('bulk load on PostgreSQL, seen from another session', () => {
  const t = testDatabaseOf('postgres');
  it('makes readers of accounts wait until the run commits (docs/production.md)', async () => {
    const other = await openDatabase({ url: t.url, dataDir: 'unused' });
    try {
      const read = () => other.transaction(async (tx) => {
        await tx.query(`SET LOCAL lock_timeout = '300ms'`);
        return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts')).rows[0]?.n;
      });
      expect(await read()).toBe(0);
      await t.db.transaction((tx) => withoutSecondaryIndexes(tx, ['accounts'], async () => {
        await expect(read()).rejects.toThrow(/lock timeout/i);
      }));
      expect(await read()).toBe(0);
    } finally {
      await other.close();
    }
  });
});
