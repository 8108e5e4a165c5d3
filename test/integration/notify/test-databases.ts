// The two databases seatsync runs on, for the notification integration tests: a fresh PostgreSQL
// database per test file (created on the local server, dropped afterwards) and an in-memory PGlite.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { migrate } from '../../../src/store/migrations.ts';

export type DatabaseKind = 'postgres' | 'pglite';
export const DATABASE_KINDS: readonly DatabaseKind[] = ['postgres', 'pglite'];

/** Admin connection of the local test server (SEATSYNC_TEST_PG_URL overrides it). */
const ADMIN_URL = process.env.SEATSYNC_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly kind: DatabaseKind;
  readonly db: Database;
  /** URL of the PostgreSQL database (to open more connection pools, e.g. racing deliverers); null on PGlite. */
  readonly url: string | null;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const db = await openDatabase({ url: null, dataDir: 'memory://' });
    await migrate(db);
    return { kind, db, url: null, drop: () => db.close() };
  }
  const name = `seatsync_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), dataDir: 'memory://' });
  await migrate(db);
  return {
    kind,
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      await dropWhenIdle(name);
    },
  };
}

/**
 * pg's pool.end() resolves before its sockets are closed; dropping WITH (FORCE) at once would kill a
 * closing connection that no longer has an error listener. Wait for the sessions to go first.
 */
async function dropWhenIdle(name: string): Promise<void> {
  await withAdmin(async (client) => {
    for (let i = 0; i < 100; i += 1) {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
      if (rows[0]?.n === 0) break;
      await delay(50);
    }
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
}

async function admin(sql: string): Promise<void> {
  await withAdmin((client) => client.query(sql));
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `these tests need PostgreSQL at ${ADMIN_URL} (user postgres, trust auth): apt-get install -y postgresql ` +
        `and start it, or set SEATSYNC_TEST_PG_URL (${(error as Error).message})`,
      { cause: error },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Empties what the notification tests write, between tests of one file. */
export async function resetNotifyTables(db: Database): Promise<void> {
  await db.exec('DELETE FROM outbox; DELETE FROM notify_state; DELETE FROM audit; DELETE FROM accounts;');
}
