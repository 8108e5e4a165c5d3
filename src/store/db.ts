// One narrow database interface over PostgreSQL (pg) and embedded PostgreSQL (PGlite), so the same SQL
// and migrations run on both. This is the only module that knows which driver is underneath.
import { maskUrlPassword } from '../url-password.ts';
import { mkdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { copyFromStdin } from './pg-copy.ts';

export interface QueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk load: `rows` in COPY's text format (see pg-copy.ts) into `table (columns)`; returns the rows
   * loaded. COPY FROM STDIN on PostgreSQL, COPY FROM '/dev/blob' on PGlite: one code path for both.
   * `table` and `columns` are trusted identifiers, never input.
   */
  copyRows(table: string, columns: readonly string[], rows: string): Promise<number>;
}

export type TransactionEnd = 'commit' | 'rollback';

export interface TransactionOptions<T> {
  /**
   * How a transaction whose `fn` returns ends: `commit` (default), or `rollback` — a rehearsal, such as a
   * dry run, that plans with every write in place and then leaves nothing; or as `fn`'s result says (a
   * run that turns out held). A throw always rolls back.
   */
  readonly end?: TransactionEnd | ((result: T) => TransactionEnd);
}

function endOf<T>(options: TransactionOptions<T>, result: T): TransactionEnd {
  return typeof options.end === 'function' ? options.end(result) : (options.end ?? 'commit');
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction on one connection; rolls back when it throws (see TransactionOptions). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions<T>): Promise<T>;
  /** Runs `fn` on one dedicated connection (session state such as temp tables survives between queries). */
  session<T>(fn: (conn: Queryable & Pick<Database, 'transaction'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class DatabaseError extends Error {
  readonly code = 'database';
  /** PostgreSQL is unreachable: an outage, logged as one line (src/logging.ts). */
  readonly expected = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}

// Keep timestamps as Date and int8 as string on both drivers; SQL casts counts to int where a number is wanted.
const pgTypes = pg.types;

class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;

  constructor(url: string, onIdleError: (error: Error) => void, connections: number) {
    this.#pool = new pg.Pool({ connectionString: url, max: connections, types: pgTypes });
    // An idle connection dies when PostgreSQL restarts or terminates it. Without a listener the pool's
    // 'error' event would crash the process; the pool drops the connection and opens a new one on demand.
    this.#pool.on('error', onIdleError);
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    const result = await timedQuery(sql, () => this.#pool.query(sql, params as unknown[]));
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    await this.#pool.query(sql);
  }

  async copyRows(table: string, columns: readonly string[], rows: string): Promise<number> {
    return this.#withClient((client) => clientQueryable(client).copyRows(table, columns, rows), { discardOnError: false });
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions<T> = {}): Promise<T> {
    // runTransaction rolls back on error: the connection is clean unless it was lost.
    return this.#withClient((client) => runTransaction(clientQueryable(client), fn, options), { discardOnError: false });
  }

  async session<T>(fn: (conn: Queryable & Pick<Database, 'transaction'>) => Promise<T>): Promise<T> {
    // A failed session may leave temp tables or an aborted transaction behind: discard the connection.
    return this.#withClient((client) => {
      const q = clientQueryable(client);
      return fn({ query: q.query, exec: q.exec, copyRows: q.copyRows, transaction: (inner, options) => runTransaction(q, inner, options ?? {}) });
    }, { discardOnError: true });
  }

  /**
   * A connection of the pool for `fn`. While it is checked out, a lost connection (PostgreSQL restarted,
   * the network cut) is an 'error' event on it that nobody else listens to: it is caught here (the query
   * in flight fails with it anyway) and the connection is discarded, not returned to the pool; so is
   * one whose `fn` failed when `discardOnError`.
   */
  async #withClient<T>(fn: (client: pg.PoolClient) => Promise<T>, options: { discardOnError: boolean }): Promise<T> {
    const client = await this.#pool.connect();
    let broken = false;
    const onError = (): void => {
      broken = true;
    };
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (error) {
      if (options.discardOnError) broken = true;
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

/** Queries slower than this many milliseconds are reported on stderr (unset: off). A tuning aid. */
const slowQueryMs = Number(process.env.SEATSYNC_SLOW_QUERY_MS ?? Number.POSITIVE_INFINITY);

async function timedQuery<T>(sql: string, run: () => Promise<T>): Promise<T> {
  if (!Number.isFinite(slowQueryMs)) return run();
  const started = performance.now();
  const result = await run();
  const ms = performance.now() - started;
  if (ms >= slowQueryMs) process.stderr.write(`slow query ${ms.toFixed(0)} ms: ${sql.replace(/\s+/g, ' ').slice(0, 160)}\n`);
  return result;
}

function clientQueryable(client: pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const result = await timedQuery(sql, () => client.query(sql, params as unknown[]));
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
    copyRows(table, columns, rows) {
      const target = `${table} (${columns.join(', ')})`;
      return timedQuery(`COPY ${target}`, () => copyFromStdin(client, target, rows));
    },
  };
}

async function runTransaction<T>(q: Queryable, fn: (tx: Queryable) => Promise<T>, options: TransactionOptions<T>): Promise<T> {
  await q.query('BEGIN');
  try {
    const result = await fn(q);
    await q.query(endOf(options, result) === 'rollback' ? 'ROLLBACK' : 'COMMIT');
    return result;
  } catch (error) {
    await q.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

interface PGliteLike {
  query<R>(sql: string, params?: unknown[], options?: { blob?: Blob }): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
  transaction<T>(fn: (tx: { query: PGliteLike['query']; exec: PGliteLike['exec']; rollback(): Promise<void> }) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  readonly #db: PGliteLike;

  constructor(db: PGliteLike) {
    this.#db = db;
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    const result = await timedQuery(sql, () => this.#db.query<R>(sql, [...params]));
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }

  async exec(sql: string): Promise<void> {
    await this.#db.exec(sql);
  }

  copyRows(table: string, columns: readonly string[], rows: string): Promise<number> {
    return pgliteCopy(this.#db.query.bind(this.#db), table, columns, rows);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions<T> = {}): Promise<T> {
    return this.#db.transaction(async (tx) => {
      const result = await fn({
        async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
          const result = await timedQuery(sql, () => tx.query<R>(sql, [...params]));
          return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
        },
        async exec(sql: string): Promise<void> {
          await tx.exec(sql);
        },
        copyRows: (table, columns, rows) => pgliteCopy(tx.query.bind(tx), table, columns, rows),
      });
      if (endOf(options, result) === 'rollback') await tx.rollback();
      return result;
    });
  }

  // PGlite has exactly one connection: a session is the database itself.
  session<T>(fn: (conn: Queryable & Pick<Database, 'transaction'>) => Promise<T>): Promise<T> {
    return fn({
      query: (sql, params) => this.query(sql, params),
      exec: (sql) => this.exec(sql),
      copyRows: (table, columns, rows) => this.copyRows(table, columns, rows),
      transaction: (inner, options) => this.transaction(inner, options),
    });
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

/** PGlite reads COPY input from a Blob it exposes as the file /dev/blob. */
async function pgliteCopy(query: PGliteLike['query'], table: string, columns: readonly string[], rows: string): Promise<number> {
  const sql = `COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`;
  const result = await timedQuery(sql, () => query(sql, [], { blob: new Blob([rows]) }));
  return result.affectedRows ?? 0;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connection URL; null: embedded PGlite under `dataDir`. */
  readonly url: string | null;
  /** Folder for the embedded database (`<dataDir>/pglite`); `memory://` keeps it in memory. */
  readonly dataDir: string;
  /** Told when an idle PostgreSQL connection is lost (default: ignored; the pool reconnects). */
  readonly onIdleError?: (error: Error) => void;
  /** Most PostgreSQL connections open at once (default 4): a sync run holds one and loads its snapshot on another. */
  readonly connections?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) {
    const db = new PostgresDatabase(options.url, options.onIdleError ?? (() => undefined), options.connections ?? 4);
    try {
      await db.query('SELECT 1');
    } catch (error) {
      await db.close().catch(() => undefined);
      throw new DatabaseError(`cannot connect to PostgreSQL at ${redactUrl(options.url)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return db;
  }
  const { PGlite } = await import('@electric-sql/pglite');
  let location = options.dataDir;
  if (location !== 'memory://') {
    location = `${options.dataDir.replace(/\/+$/, '')}/pglite`;
    mkdirSync(location, { recursive: true });
  }
  const db = (await PGlite.create(location)) as unknown as PGliteLike;
  return new PgliteDatabase(db);
}

/** Removes a password from a connection URL so it can be shown. */
export function redactUrl(url: string): string {
  return maskUrlPassword(url) ?? '(unparseable URL)';
}
