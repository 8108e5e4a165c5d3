// COPY FROM STDIN through pg's Submittable interface (src/store/pg-copy.ts): rows arrive, and an error —
// bad data from the server, or a connection lost mid-COPY — fails the call instead of leaving it waiting
// for a ReadyForQuery that pg no longer hands to it.
import { beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseOf } from '../../support/databases.ts';

const t = testDatabaseOf('postgres', { scope: 'describe' });

beforeAll(async () => {
  await t.db.query('CREATE TABLE copied (n integer NOT NULL, label text)');
});

describe('COPY FROM STDIN', () => {
  it('writes the rows, with escapes and nulls', async () => {
    expect(await t.db.copyRows('copied', ['n', 'label'], '1\ta\\tb\n2\t\\N\n')).toBe(2);
    const rows = await t.db.query<{ n: number; label: string | null }>('SELECT n, label FROM copied ORDER BY n');
    expect(rows.rows).toEqual([{ n: 1, label: 'a\tb' }, { n: 2, label: null }]);
  });

  it('fails on data the server rejects, and the database stays usable', async () => {
    await expect(t.db.copyRows('copied', ['n', 'label'], 'not-a-number\tx\n')).rejects.toThrow(/invalid input syntax for type integer/);
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM copied')).rows[0]?.n).toBe(2);
  }, 10_000);

  it('fails when the connection is terminated during the COPY', async () => {
    const copy = t.db.session(async (conn) => {
      const pid = (await conn.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      // Another connection ends this one; the COPY that follows meets a closed connection.
      await t.db.query('SELECT pg_terminate_backend($1)', [pid]);
      return conn.copyRows('copied', ['n', 'label'], '3\tc\n');
    });
    await expect(copy).rejects.toThrow();
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM copied')).rows[0]?.n).toBe(2);
  }, 10_000);
});
