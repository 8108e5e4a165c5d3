// One narrow database interface over PostgreSQL (pg) and embedded PostgreSQL (PGlite), so the same SQL
// and migrations run on both. This is the only module that knows which driver is underneath.
import { maskUrlPassword } from '../url-password.ts';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import pg from 'pg';
import { copyFromStdin } from './pg-copy.ts';

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ readonly rows: R[]; readonly rowCount: number }>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk load: `rows` in COPY's text format (see pg-copy.ts) into `table (columns)`; returns the rows
   * loaded. COPY FROM STDIN on PostgreSQL, COPY FROM '/dev/blob' on PGlite: one code path for both.
   * `table` and `columns` are trusted identifiers, never input.
   */
  copyRows(table: string, columns: readonly string[], rows: string): Promise<number>;
}

type TransactionEnd = 'commit' | 'rollback';

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

/** One connection that can open transactions: a session's, or a transaction's (its transactions are savepoints in it). */
export type Connection = Queryable & Pick<Database, 'transaction'>;

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction on one connection; rolls back when it throws (see TransactionOptions).
   * A transaction opened on `tx` is a savepoint of this one, ended the same way.
   */
  transaction<T>(fn: (tx: Connection) => Promise<T>, options?: TransactionOptions<T>): Promise<T>;
  /** Runs `fn` on one dedicated connection (session state such as temp tables survives between queries). */
  session<T>(fn: (conn: Connection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
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

type Send = (sql: string, params?: unknown[]) => Promise<pg.QueryResult>;

/** Queries on the pool (each on a free connection) or on one connection; `copy` loads `rows` into `target`. */
function pgQueryable(send: Send, copy: (target: string, rows: string) => Promise<number>): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const result = await timedQuery(sql, () => send(sql, params as unknown[]));
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql) {
      await send(sql);
    },
    copyRows(table, columns, rows) {
      const target = `${table} (${columns.join(', ')})`;
      return timedQuery(`COPY ${target}`, () => copy(target, rows));
    },
  };
}

/** One connection's queries, and the COMMIT of its transaction. */
interface ClientQueryable extends Queryable {
  /**
   * COMMIT, in turn after every statement sent before it. PostgreSQL answers the COMMIT of a transaction
   * that a failed statement aborted with ROLLBACK, not with an error: that is thrown here, so that a
   * statement sent ahead whose failure nobody awaited never passes for a commit.
   */
  commit(): Promise<void>;
}

/**
 * One connection's statements, handed to pg one after another in the order they are sent. A caller may
 * send the next before the one before has finished (the apply sends a slice's insert while the database
 * runs the previous one, so the database goes on without waiting for this process); pg itself must not be
 * given a query while it runs one (pg 8 warns, pg 9 refuses). Each starts once the one before has settled.
 */
function clientQueryable(client: pg.PoolClient): ClientQueryable {
  let last: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = last.then(work);
    last = turn.catch(() => undefined);
    return turn;
  };
  const direct = pgQueryable((sql, params) => client.query(sql, params), (target, rows) => copyFromStdin(client, target, rows));
  return {
    query: (sql, params) => inTurn(() => direct.query(sql, params)),
    exec: (sql) => inTurn(() => direct.exec(sql)),
    copyRows: (table, columns, rows) => inTurn(() => direct.copyRows(table, columns, rows)),
    commit: () =>
      inTurn(async () => {
        const result = await client.query('COMMIT');
        if (result.command === 'ROLLBACK') throw new Error('the transaction was rolled back at COMMIT: one of its statements had failed');
      }),
  };
}

/**
 * A transaction's statements, each failing with the error that aborted the transaction: after a statement
 * fails, PostgreSQL refuses every later one of the transaction with 25P02 (in_failed_sql_transaction),
 * which says nothing of the cause, and a caller that sent statements ahead (an insert running while the
 * next slice is decided, a cursor's CLOSE after its FETCH) meets one of those first. The statements of
 * one transaction settle in the order they were sent, so the first failure seen is the cause.
 */
export function reportingFirstFailure<Q extends Queryable>(q: Q): Q {
  let first: unknown;
  const reported = <T>(sent: Promise<T>): Promise<T> =>
    sent.catch((error: unknown) => {
      if (first !== undefined && (error as { code?: unknown } | null)?.code === '25P02') throw first;
      first ??= error;
      throw error;
    });
  return {
    ...q,
    query: (sql, params) => reported(q.query(sql, params)),
    exec: (sql) => reported(q.exec(sql)),
    copyRows: (table, columns, rows) => reported(q.copyRows(table, columns, rows)),
  };
}

/**
 * `q`, in a transaction, reporting its first failure; its `transaction` opens a savepoint (`depth`: how many
 * are open around it), released or rolled back to as TransactionOptions say. Statements of a savepoint
 * that failed are reported there, so a later failure of the enclosing transaction is reported as its own.
 */
function inTransaction(q: Queryable, depth: number): Connection {
  const tx = reportingFirstFailure(q);
  return {
    ...tx,
    async transaction(fn, options = {}) {
      const savepoint = `nested_${depth + 1}`;
      await tx.query(`SAVEPOINT ${savepoint}`);
      const inner = inTransaction(q, depth + 1);
      try {
        const result = await fn(inner);
        if (endOf(options, result) === 'rollback') await inner.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        await inner.query(`RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (error) {
        await q.query(`ROLLBACK TO SAVEPOINT ${savepoint}`).catch(() => undefined);
        await q.query(`RELEASE SAVEPOINT ${savepoint}`).catch(() => undefined);
        throw error;
      }
    },
  };
}

async function runTransaction<T>(q: ClientQueryable, fn: (tx: Connection) => Promise<T>, options: TransactionOptions<T>): Promise<T> {
  await q.query('BEGIN');
  try {
    const result = await fn(inTransaction(q, 0));
    if (endOf(options, result) === 'rollback') await q.query('ROLLBACK');
    else await q.commit();
    return result;
  } catch (error) {
    await q.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function postgresDatabase(url: string, onIdleError: (error: Error) => void, connections: number): Database {
  // Timestamps as Date and int8 as string, as the PGlite database below is set up; SQL casts counts to int
  // where a number is wanted.
  const pool = new pg.Pool({ connectionString: url, max: connections, types: pg.types });
  // An idle connection dies when PostgreSQL restarts or terminates it. Without a listener the pool's
  // 'error' event would crash the process; the pool drops the connection and opens a new one on demand.
  pool.on('error', onIdleError);
  /**
   * A connection of the pool for `fn`. A lost connection (PostgreSQL restarted, the network cut) is an 'error'
   * event nobody else listens to while it is checked out: caught here (the query in flight fails anyway), the
   * connection is discarded, as is one whose `fn` failed when `discardOnError`.
   */
  const withClient = async <T>(fn: (client: pg.PoolClient) => Promise<T>, options: { discardOnError: boolean }): Promise<T> => {
    const client = await pool.connect();
    let broken = false;
    const onError = (): boolean => (broken = true);
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
  };
  return {
    kind: 'postgres',
    ...pgQueryable((sql, params) => pool.query(sql, params), (target, rows) => withClient((client) => copyFromStdin(client, target, rows), { discardOnError: false })),
    // runTransaction rolls back on error: the connection is clean unless it was lost.
    transaction: (fn, options = {}) => withClient((client) => runTransaction(clientQueryable(client), fn, options), { discardOnError: false }),
    // A failed session may leave temp tables or an aborted transaction behind: discard the connection.
    session: (fn) =>
      withClient((client) => {
        const q = clientQueryable(client);
        return fn({ ...q, transaction: (inner, options) => runTransaction(q, inner, options ?? {}) });
      }, { discardOnError: true }),
    close: () => pool.end(),
  };
}

/** Queries on PGlite or in one of its transactions. */
function pgliteQueryable(db: Pick<Transaction, 'query' | 'exec'>): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const result = await timedQuery(sql, () => db.query<R>(sql, [...params]));
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql) {
      await db.exec(sql);
    },
    // PGlite reads COPY input from a Blob it exposes as the file /dev/blob.
    async copyRows(table, columns, rows) {
      const sql = `COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`;
      const result = await timedQuery(sql, () => db.query(sql, [], { blob: new Blob([rows]) }));
      return result.affectedRows ?? 0;
    },
  };
}

function pgliteDatabase(db: PGlite): Database {
  const database: Database = {
    kind: 'pglite',
    ...pgliteQueryable(db),
    transaction: (fn, options = {}) =>
      db.transaction(async (tx) => {
        const result = await fn(inTransaction(pgliteQueryable(tx), 0));
        if (endOf(options, result) === 'rollback') await tx.rollback();
        return result;
      }),
    // PGlite has exactly one connection: a session is the database itself.
    session: (fn) => fn(database),
    close: () => db.close(),
  };
  return database;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connection URL; null: embedded PGlite under `dataDir`. */
  readonly url: string | null;
  /** Folder for the embedded database (`<dataDir>/pglite`); `memory://` keeps it in memory. */
  readonly dataDir: string;
  /** Told when an idle PostgreSQL connection is lost (default: ignored; the pool reconnects). */
  readonly onIdleError?: (error: Error) => void;
  /** Most PostgreSQL connections open at once (default `connectionsFor(1)`). */
  readonly connections?: number;
}

/**
 * PostgreSQL connections for `syncJobs` jobs at once: each run holds one for its read and apply and loads
 * its source's snapshot on a second while it reads; two more for the API, metrics and deliveries. With
 * fewer, runs that all hold their first connection would wait for ever on their second.
 */
export const connectionsFor = (syncJobs: number): number => 2 * syncJobs + 2;

/** PostgreSQL could not be reached: an outage, logged as one line (src/logging.ts reads `expected`). */
class DatabaseError extends Error {
  readonly code = 'database';
  readonly expected = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) {
    const db = postgresDatabase(options.url, options.onIdleError ?? (() => undefined), options.connections ?? connectionsFor(1));
    try {
      await db.query('SELECT 1');
    } catch (error) {
      await db.close().catch(() => undefined);
      const message = `cannot connect to PostgreSQL at ${redactUrl(options.url)}: ${(error as Error).message}`;
      throw new DatabaseError(message, { cause: error });
    }
    return db;
  }
  const { PGlite, types } = await import('@electric-sql/pglite');
  const location = options.dataDir === 'memory://' ? options.dataDir : `${options.dataDir.replace(/\/+$/, '')}/pglite`;
  if (location !== 'memory://') makeFolders(location, options.dataDir);
  // int8 as text, as pg returns it (PGlite would return a number): the stores hand rows on as read, so both
  // drivers must give every column the same JavaScript type.
  return pgliteDatabase(await PGlite.create(location, { parsers: { [types.INT8]: (value: string) => value } }));
}

/**
 * Creates `path` and its missing parents one at a time, failing with the embedded database's folder named.
 * (Node's recursive mkdir retries for ever where a parent cannot be made and stat says it is not there,
 * as under /proc: a bad `dataDir` must be an error, not a process that spins.)
 */
function makeFolders(path: string, dataDir: string): void {
  const missing: string[] = [];
  for (let folder = resolve(path); !existsSync(folder); folder = dirname(folder)) missing.unshift(folder);
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new DatabaseError(`cannot create the embedded database's folder ${path} (dataDir ${dataDir}): ${(error as Error).message}`, { cause: error });
    }
  }
}

export function redactUrl(url: string): string {
  return maskUrlPassword(url) ?? '(unparseable URL)';
}
