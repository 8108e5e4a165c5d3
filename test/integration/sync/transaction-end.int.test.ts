// How a transaction ends is part of the database interface: a dry run and a held run roll back through
// it (TransactionOptions.end), without throwing. Both drivers, on a plain connection and in a session;
// and a transaction in a transaction (a savepoint, as a dry run of several sources applies each).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../../src/store/db.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';

describe.each(DATABASE_KINDS)('transaction ends on %s', (kind) => {
  const t = testDatabaseOf(kind, { scope: 'describe' });
  beforeAll(async () => {
    await t.db.query('CREATE TABLE tx_end_probe (n int)');
  });

  const insert = async (tx: Queryable, n: number): Promise<{ n: number }> => {
    await tx.query('INSERT INTO tx_end_probe (n) VALUES ($1)', [n]);
    const seen = await tx.query<{ c: number }>('SELECT count(*)::int AS c FROM tx_end_probe WHERE n = $1', [n]);
    return { n: seen.rows[0]?.c ?? 0 };
  };
  const stored = async (n: number): Promise<number> =>
    (await t.db.query<{ c: number }>('SELECT count(*)::int AS c FROM tx_end_probe WHERE n = $1', [n])).rows[0]?.c ?? 0;

  it('commits by default, and rolls back a rehearsal after returning its result', async () => {
    expect(await t.db.transaction((tx) => insert(tx, 1))).toEqual({ n: 1 });
    expect(await stored(1)).toBe(1);
    // The rehearsal saw its own write, and leaves nothing.
    expect(await t.db.transaction((tx) => insert(tx, 2), { end: 'rollback' })).toEqual({ n: 1 });
    expect(await stored(2)).toBe(0);
  });

  it('ends as the result says, in a session too, and the connection goes on working', async () => {
    await t.db.session(async (conn) => {
      const kept = await conn.transaction((tx) => insert(tx, 3), { end: (r) => (r.n === 1 ? 'commit' : 'rollback') });
      const dropped = await conn.transaction((tx) => insert(tx, 4), { end: (r) => (r.n === 99 ? 'commit' : 'rollback') });
      expect([kept.n, dropped.n]).toEqual([1, 1]);
      expect((await conn.query<{ c: number }>('SELECT count(*)::int AS c FROM tx_end_probe WHERE n IN (3, 4)')).rows[0]?.c).toBe(1);
    });
    expect([await stored(3), await stored(4)]).toEqual([1, 0]);
  });

  it('ends a transaction opened in a transaction as a savepoint: kept, rolled back or failed, the enclosing one goes on', async () => {
    const seen = await t.db.transaction(async (outer) => {
      await outer.transaction((tx) => insert(tx, 6));
      await outer.transaction((tx) => insert(tx, 7), { end: 'rollback' });
      // A failed statement rolls back its savepoint only, and the first failure is the one reported.
      const failing = outer.transaction(async (tx) => {
        await insert(tx, 8);
        await tx.query('SELECT 1 / 0');
      });
      await expect(failing).rejects.toMatchObject({ code: '22012' });
      const inner = await outer.query<{ n: number }>('SELECT n FROM tx_end_probe WHERE n IN (6, 7, 8) ORDER BY n');
      return inner.rows.map((r) => r.n);
    }, { end: 'rollback' });
    expect(seen).toEqual([6]);
    expect([await stored(6), await stored(7), await stored(8)]).toEqual([0, 0, 0]);
  });

  it('rolls back when the function throws, whatever the end', async () => {
    const failing = t.db.transaction(async (tx) => {
      await insert(tx, 5);
      throw new Error('boom');
    }, { end: 'commit' });
    await expect(failing).rejects.toThrow('boom');
    expect(await stored(5)).toBe(0);
  });
});
