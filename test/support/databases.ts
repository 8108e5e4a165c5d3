// Test databases: a fresh PostgreSQL database per call on the machine's server, or an in-memory PGlite.
// The same suites run against both, so the SQL is proven on the driver each deployment uses.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrations.ts';

export const POSTGRES_ADMIN_URL = process.env.SEATSYNC_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly kind: DatabaseKind;
  readonly db: Database;
  /** Connection URL (PostgreSQL) or null (PGlite). */
  readonly url: string | null;
  drop(): Promise<void>;
}

export type DatabaseKind = 'postgres' | 'pglite';
export const DATABASE_KINDS: readonly DatabaseKind[] = ['postgres', 'pglite'];

async function adminQuery(sql: string): Promise<void> {
  await withAdmin((client) => client.query(sql));
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL} (${(error as Error).message}). ` +
        'Install and start it: apt-get install postgresql && pg_ctlcluster --skip-systemctl-redirect 15 main start ' +
        '(or set SEATSYNC_TEST_PG to a server where user postgres may create databases).',
      { cause: error },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Drops a database once its sessions are gone: pg's pool.end() resolves before its sockets are closed,
 * and dropping WITH (FORCE) at once would kill a closing connection that no longer has an error listener.
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

/** Creates an empty PostgreSQL database and returns its URL. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `seatsync_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropWhenIdle(name) };
}

/** Opens a migrated, empty database of the given kind. */
export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const db = await openDatabase({ url: null, dataDir: 'memory://' });
    await migrate(db);
    return { kind, db, url: null, drop: () => db.close() };
  }
  const created = await createPostgresDatabase();
  const db = await openDatabase({ url: created.url, dataDir: 'unused' });
  await migrate(db);
  return {
    kind,
    db,
    url: created.url,
    async drop() {
      await db.close();
      await created.drop();
    },
  };
}

/** A test database as the tests of a describe see it: the one open while each test runs. */
export type SuiteDatabase = Omit<TestDatabase, 'drop'>;

/**
 * A migrated, empty database of `kind` for the tests of the describe this is called in: opened before
 * each test and dropped after it, or, with `scope: 'describe'`, opened before the first and dropped after
 * the last. Hooks the describe adds after this call run with it open. Its `db` and `url` are the open
 * database's, so they are read in hooks and tests, not where the describe is declared.
 */
export function testDatabaseOf(kind: DatabaseKind, options: { readonly scope?: 'test' | 'describe' } = {}): SuiteDatabase {
  let open: TestDatabase | undefined;
  const setUp = async (): Promise<void> => {
    open = await openTestDatabase(kind);
  };
  const tearDown = async (): Promise<void> => {
    const opened = open;
    open = undefined;
    await opened?.drop();
  };
  if (options.scope === 'describe') {
    beforeAll(setUp);
    afterAll(tearDown);
  } else {
    beforeEach(setUp);
    afterEach(tearDown);
  }
  const current = (): TestDatabase => {
    if (open === undefined) throw new Error(`the ${kind} test database is open only in the hooks and tests of its describe`);
    return open;
  };
  return {
    kind,
    get db() {
      return current().db;
    },
    get url() {
      return current().url;
    },
  };
}
