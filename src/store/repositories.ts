// The store port, the only part of src/store that src/sync sees (lint enforces it): one repository per
// concern, made by its module over a connection or transaction and typed by what it returns, so an
// operation is written once, with its SQL, for PostgreSQL and PGlite alike.
import { accountsOf } from './account-store.ts';
import { auditOf } from './audit-store.ts';
import type { Connection, Database, Queryable, TransactionOptions } from './db.ts';
import { outboxOf } from './outbox-store.ts';
import { cursorsOf, runsOf } from './run-store.ts';
import { seatsOf } from './seat-store.ts';
import { stagingOf } from './staging-store.ts';
import { targetsOf } from './target-store.ts';

export type { AccountFilter, AccountView, ExplainedAccountRow, PoolCounts, SourceSeatRow, UnconfiguredSource, WaitingRow } from './account-store.ts';
export type { AuditFilter, AuditView } from './audit-store.ts';
export type { Database, Queryable } from './db.ts';
export type { FirstSeen, RunCounts, RunRecord, SourceHealth } from './run-store.ts';
export type { AdminFlag, FrozenCount, StoredSeatAccount } from './seat-store.ts';
export type { TargetState } from './target-store.ts';
export type { DeltaRow, DeltaSummary, RemovalCounts, StagedRow, StagedUser, StagingRepository } from './staging-store.ts';

/** The repositories of one connection or transaction. */
export function repositoriesOf(q: Queryable) {
  return {
    accounts: accountsOf(q),
    seats: seatsOf(q),
    runs: runsOf(q),
    cursors: cursorsOf(q),
    audit: auditOf(q),
    /** Emails and the notification rules' state (src/notify's port), and the status of one message (`notify test`). */
    outbox: outboxOf(q),
    targets: targetsOf(q),
    /** The staged read of run `runKey` (a run id, or a dry run's key) of `source` (a temporary table of this connection). */
    staging: (runKey: string, source: string) => stagingOf(q, runKey, source),
    /** The connection itself, for hooks that write in the same transaction through their own port (RunNotifier). */
    connection: q,
  };
}

export type Repositories = ReturnType<typeof repositoriesOf>;
export type TargetRepository = Repositories['targets'];

/** Repositories that can also open a transaction on their connection. */
export interface Store extends Repositories {
  /** Runs `fn` in one transaction with repositories bound to it (see TransactionOptions); nested, a savepoint. */
  transaction<T>(fn: (tx: Store) => Promise<T>, options?: TransactionOptions<T>): Promise<T>;
}

/** The store of a database: also a session, one connection kept for `fn` (temp tables survive on it). */
export interface DatabaseStore extends Store {
  session<T>(fn: (conn: Store) => Promise<T>): Promise<T>;
}

/** A connection that can open transactions, as its store. */
function storeOn(conn: Connection): Store {
  return { ...repositoriesOf(conn), transaction: (fn, options) => conn.transaction((tx) => fn(storeOn(tx)), options) };
}

/** The store of `db`: the factory through which src/sync reaches every repository. */
export function storeOf(db: Database): DatabaseStore {
  return { ...storeOn(db), session: (fn) => db.session((conn) => fn(storeOn(conn))) };
}
