// The store port: one repository per concern (accounts, seats, a run's staging, runs, cursors, audit,
// outbox), the only part of src/store that src/sync sees (lint enforces it). `storeOf` binds them to a
// database, and its `transaction` and `session` hand `fn` the same repositories bound to that
// transaction or connection, so a run's apply writes through repositories of its one transaction. The
// SQL behind them is in the other modules of this folder, on PostgreSQL and PGlite alike.
import type { AccountChange } from '../domain/types.ts';
import type { NotifyAccountsPort, OutboxPort } from '../notify/outbox-port.ts';
import type { SourceCursor } from '../sources/directory-source.ts';
import { lockAdminFlags, setAdminFlag, type AdminFlag, type AdminFlags } from './admin-flag-store.ts';
import { bulkLoadPays, withoutSecondaryIndexes } from './bulk-load.ts';
import type { Database, Queryable, TransactionOptions } from './db.ts';
import { countPresent, dropRepeatedIds, forEachChangedRow, loadDeltaSummary, newcomerSlices, type DeltaRow, type DeltaSummary, type NewcomerRow } from './delta-store.ts';
import { insertNewAccounts, markMissing, reserveAccountIds, updateChangedAccounts, type NewAccountsWrite } from './merge-store.ts';
import { OutboxStore } from './outbox-store.ts';
import {
  accountFlags, accountsPage, findAccounts, listAccounts, listAudit, listWaiting, poolCounts, sourceSeatRows, type AccountFilter, type AccountView, type AuditView,
  type PoolCounts, type SourceSeatRow, type WaitingRow,
} from './query-store.ts';
import { createRun, failInterruptedRuns, finishRun, getRun, lastRuns, loadCursor, lockRun, recentRuns, saveCursor, unlockRun, type RunCounts, type RunRecord, type RunStatus, type StoredCursor } from './run-store.ts';
import {
  graceEnded, insertAudit, loadAllocationFingerprint, loadSeatAccounts, loadSeatAccountsAroundSettled, loadSeatAccountsById, lockSeats,
  purgeRemoved, saveAllocationFingerprint, writeSeatChanges, type AuditEntry, type StoredSeatAccount,
} from './seat-store.ts';
import { forEachPresentAccount, hasPresentAccounts, lookupPresentAccounts, presentAccountsExcept } from './snapshot-store.ts';
import { sourceHealth, type SourceHealth } from './source-health-store.ts';
import { analyzeStaging, createStaging, dropStaging, stageDeletions, stageUsers, stagingTables, type StagedRow } from './staging-store.ts';
import { TargetStore } from './target-store.ts';

export type { AdminFlag, AdminFlags } from './admin-flag-store.ts';
export type { Database, Queryable, TransactionOptions } from './db.ts';
export type { DeltaRow, DeltaSummary, NewcomerRow, RemovalCounts } from './delta-store.ts';
export type { NewAccountState } from './merge-store.ts';
export type { AccountFilter, AccountView, AuditView, PoolCounts, SourceSeatRow, WaitingRow } from './query-store.ts';
export type { RunCounts, RunRecord, RunStatus, StoredCursor } from './run-store.ts';
export type { AuditEntry, StoredSeatAccount } from './seat-store.ts';
export type { SourceHealth } from './source-health-store.ts';
export type { StagedRow, StagedUser } from './staging-store.ts';

/** Accounts as the directory gave them and as admins see them. */
export interface AccountRepository {
  /** One page of accounts in id order, after the account `afterId` (0: from the first). */
  page(filter: AccountFilter, page: { afterId: number; limit: number }): Promise<AccountView[]>;
  /** Every account in id order, streamed page by page. */
  list(filter?: AccountFilter): AsyncGenerator<AccountView>;
  /** By id, username, email or external id (case-insensitive); several when sources share a username. */
  find(ref: string): Promise<AccountView[]>;
  /** Presence and who protects the account; null when it is gone. */
  flags(id: number): Promise<{ present: boolean; admin: boolean; policy: boolean } | null>;
  /** Every blocked account, unordered (the domain ranks them). */
  waiting(): Promise<WaitingRow[]>;
  /** Holders and waiting accounts per pool, as stored. */
  poolCounts(): Promise<Map<string, PoolCounts>>;
  /** The source's accounts that are not removed, counted by profile, state and pool lists. */
  seatRows(source: string): Promise<SourceSeatRow[]>;
  hasPresent(source: string): Promise<boolean>;
  countPresent(source: string): Promise<number>;
  /** Id and data hash of the source's present accounts among these external ids. */
  lookupPresent(source: string, externalIds: readonly string[]): Promise<Map<string, { id: number; dataHash: string }>>;
  /** The source's present accounts a batch at a time; call it in a transaction. */
  forEachPresent(source: string, visit: (id: number, externalId: string, dataHash: string) => void): Promise<void>;
  presentExcept(source: string, seenIds: readonly number[]): Promise<number[]>;
  /** Marks accounts absent that the source no longer returns. */
  markMissing(ids: readonly number[], runId: string): Promise<void>;
  /** Deletes the source's accounts removed more than `olderThanMs` ago, with their audit rows. */
  purgeRemoved(options: { source: string; olderThanMs: number; now: number }): Promise<number>;
  /** Runs `load` (many inserts) with the secondary indexes built once after it, when that pays for `newRows`. */
  loadInBulk<T>(newRows: number, load: () => Promise<T>): Promise<T>;
}

/** What seat decisions read and write, under one lock (SPEC rule 11). */
export interface SeatRepository {
  /** Takes the seat lock until the transaction ends. */
  lock(): Promise<void>;
  /** Every account the allocation may have to decide about (call it in a transaction). */
  load(): Promise<StoredSeatAccount[]>;
  /** The same but the settled keepers, counted per profile (see `loadSeatAccountsAroundSettled`). */
  loadAroundSettled(options: { settledHeld: ReadonlyMap<string, readonly string[]>; include: readonly number[] }): Promise<{ accounts: StoredSeatAccount[]; settled: Map<string, number> }>;
  loadById(ids: readonly number[]): Promise<StoredSeatAccount[]>;
  /** The state changes of existing accounts, and one audit row each. */
  write(changes: readonly AccountChange[], audit: { actor: string; runId: string | null }): Promise<void>;
  /** Whether some grace period has ended by `now`. */
  graceEnded(now: number): Promise<boolean>;
  /** The fingerprint of the config the last allocation ran under (null before the first). */
  fingerprint(): Promise<string | null>;
  saveFingerprint(fingerprint: string): Promise<void>;
  /** An account's admin flags and state, its row locked until the transaction ends; null when it is gone. */
  lockAdminFlags(accountId: number): Promise<AdminFlags | null>;
  setAdminFlag(accountId: number, flag: AdminFlag, value: boolean): Promise<void>;
}

/** A run's staged read (a temporary table of its connection) and its merge into `accounts`. */
export interface StagingRepository {
  /** Creates the table (empty, replacing one left behind). */
  create(): Promise<void>;
  drop(): Promise<void>;
  addUsers(rows: readonly StagedRow[]): Promise<void>;
  addDeletions(externalIds: readonly string[]): Promise<void>;
  /** Keeps the first of each new id read more than once; returns how many rows went. */
  dropRepeatedIds(): Promise<number>;
  /** An index and statistics for the apply's joins. */
  analyze(): Promise<void>;
  /** What the read changed (see `loadDeltaSummary`). */
  summary(options: { sweep: boolean; unseenIds: readonly number[]; read: number }): Promise<DeltaSummary>;
  forEachChanged(visit: (row: DeltaRow) => void): Promise<void>;
  /** New users in queue-key order, `sliceRows` at a time, each with its rank in read order. */
  newcomerSlices(sliceRows: number): AsyncGenerator<NewcomerRow[], void, undefined>;
  /** Reserves `count` consecutive account ids for the new users (under the seat lock); returns the first. */
  reserveIds(count: number): Promise<number>;
  /** Inserts new accounts with their ids, states and audit rows; returns how many. */
  insertNew(write: Omit<NewAccountsWrite, 'tables' | 'source'>): Promise<number>;
  /** Rewrites the directory data of changed and returning accounts. */
  updateChanged(runId: string): Promise<number>;
}

/** Runs: one per source per sync, with a lock held while it works. */
export interface RunRepository {
  create(options: { source: string; trigger: string; allowRemovals: boolean }): Promise<string>;
  finish(id: string, outcome: { status: Exclude<RunStatus, 'running'>; mode: 'full' | 'incremental' | null; counts: RunCounts; error: string | null; details: Record<string, unknown> }): Promise<void>;
  get(id: string): Promise<RunRecord | null>;
  recent(options: { limit: number; source?: string }): Promise<RunRecord[]>;
  /** The latest finished run of each named source. */
  last(sources: readonly string[]): Promise<Map<string, RunRecord>>;
  /** Held on this connection while the run works (a session lock). */
  lock(runId: string): Promise<void>;
  unlock(runId: string): Promise<void>;
  /** Marks failed the source's runs left `running` whose lock nobody holds, but `exceptId`; returns how many. */
  failInterrupted(options: { source: string; exceptId?: string }): Promise<number>;
  health(sources: readonly string[]): Promise<Map<string, SourceHealth>>;
}

/** The cursor each source keeps between runs, with the mapping rules it was read under. */
export interface CursorRepository {
  load(source: string): Promise<StoredCursor | null>;
  /** `cursor` null: forget it (the next read is full). */
  save(source: string, saved: { cursor: SourceCursor | null; runId: string; mapping: string }): Promise<void>;
}

export interface AuditRepository {
  add(entries: readonly AuditEntry[], audit: { actor: string; runId: string | null }): Promise<void>;
  /** The latest `limit` entries, oldest first, and whether there were more. */
  list(options: { accountIds?: readonly number[]; since?: Date; beforeId?: string; runId?: string; limit: number }): Promise<{ entries: AuditView[]; more: boolean }>;
}

/** The outbox: src/notify's port, and the status of one message (`notify test`). */
export interface OutboxRepository extends OutboxPort, NotifyAccountsPort {
  statusOf(dedupeKey: string): Promise<{ status: string; lastError: string | null } | null>;
}

/** The provisioning targets' rows (written in a run's transaction), backlog and drift: the class is its interface. */
export type TargetRepository = TargetStore;

/** The repositories, bound to one connection or transaction. */
export interface Repositories {
  readonly accounts: AccountRepository;
  readonly seats: SeatRepository;
  readonly runs: RunRepository;
  readonly cursors: CursorRepository;
  readonly audit: AuditRepository;
  /** Emails and the notification rules' state (src/notify's port). */
  readonly outbox: OutboxRepository;
  readonly targets: TargetRepository;
  /** The staged read of run `runKey` (a run id, or a dry run's key) of `source`. */
  staging(runKey: string, source: string): StagingRepository;
  /** The connection itself, for hooks that write in the same transaction through their own port (RunNotifier). */
  readonly connection: Queryable;
}

/** Repositories that can also open a transaction on their connection. */
export interface Store extends Repositories {
  /** Runs `fn` in one transaction with repositories bound to it (see TransactionOptions). */
  transaction<T>(fn: (tx: Repositories) => Promise<T>, options?: TransactionOptions<T>): Promise<T>;
}

/** The store of a database: also a session, one connection kept for `fn` (temp tables survive on it). */
export interface DatabaseStore extends Store {
  session<T>(fn: (conn: Store) => Promise<T>): Promise<T>;
}

/** The repositories of one connection or transaction. */
export function repositoriesOf(q: Queryable): Repositories {
  return {
    accounts: {
      page: (filter, page) => accountsPage(q, filter, page),
      list: (filter) => listAccounts(q, filter),
      find: (ref) => findAccounts(q, ref),
      flags: (id) => accountFlags(q, id),
      waiting: () => listWaiting(q),
      poolCounts: () => poolCounts(q),
      seatRows: (source) => sourceSeatRows(q, source),
      hasPresent: (source) => hasPresentAccounts(q, source),
      countPresent: (source) => countPresent(q, source),
      lookupPresent: (source, externalIds) => lookupPresentAccounts(q, { source, externalIds }),
      forEachPresent: (source, visit) => forEachPresentAccount(q, source, visit),
      presentExcept: (source, seenIds) => presentAccountsExcept(q, { source, seenIds }),
      markMissing: (ids, runId) => markMissing(q, { ids, runId }),
      purgeRemoved: (options) => purgeRemoved(q, options),
      loadInBulk: async (newRows, load) => ((await bulkLoadPays(q, newRows)) ? withoutSecondaryIndexes(q, load) : load()),
    },
    seats: {
      lock: () => lockSeats(q),
      load: () => loadSeatAccounts(q),
      loadAroundSettled: (options) => loadSeatAccountsAroundSettled(q, options),
      loadById: (ids) => loadSeatAccountsById(q, ids),
      write: (changes, audit) => writeSeatChanges(q, changes, audit),
      graceEnded: (now) => graceEnded(q, now),
      fingerprint: () => loadAllocationFingerprint(q),
      saveFingerprint: (fingerprint) => saveAllocationFingerprint(q, fingerprint),
      lockAdminFlags: (accountId) => lockAdminFlags(q, accountId),
      setAdminFlag: (accountId, flag, value) => setAdminFlag(q, accountId, flag, value),
    },
    runs: {
      create: (options) => createRun(q, options),
      finish: (id, outcome) => finishRun(q, id, outcome),
      get: (id) => getRun(q, id),
      recent: (options) => recentRuns(q, options),
      last: (sources) => lastRuns(q, sources),
      lock: (runId) => lockRun(q, runId),
      unlock: (runId) => unlockRun(q, runId),
      failInterrupted: (options) => failInterruptedRuns(q, options),
      health: (sources) => sourceHealth(q, sources),
    },
    cursors: {
      load: (source) => loadCursor(q, source),
      save: (source, saved) => saveCursor(q, source, saved.cursor, saved.runId, saved.mapping),
    },
    audit: {
      add: (entries, audit) => insertAudit(q, entries, audit),
      list: (options) => listAudit(q, options),
    },
    outbox: new OutboxStore(q),
    targets: new TargetStore(q),
    staging: (runKey, source) => stagingOf(q, runKey, source),
    connection: q,
  };
}

function stagingOf(q: Queryable, runKey: string, source: string): StagingRepository {
  const tables = stagingTables(runKey);
  const on = { tables, source };
  return {
    create: () => createStaging(q, tables),
    drop: () => dropStaging(q, tables),
    addUsers: (rows) => stageUsers(q, tables.staging, rows),
    addDeletions: (externalIds) => stageDeletions(q, tables.staging, externalIds),
    dropRepeatedIds: () => dropRepeatedIds(q, tables),
    analyze: () => analyzeStaging(q, tables),
    summary: (options) => loadDeltaSummary(q, { ...on, ...options }),
    forEachChanged: (visit) => forEachChangedRow(q, on, visit),
    newcomerSlices: (sliceRows) => newcomerSlices(q, { ...on, sliceRows }),
    reserveIds: (count) => reserveAccountIds(q, count),
    insertNew: (write) => insertNewAccounts(q, { ...on, ...write }),
    updateChanged: (runId) => updateChangedAccounts(q, { ...on, runId }),
  };
}

/** A connection that can open transactions, as its store. */
function storeOn(conn: Queryable & Pick<Database, 'transaction'>): Store {
  return {
    ...repositoriesOf(conn),
    transaction: (fn, options) => conn.transaction((tx) => fn(repositoriesOf(tx)), options),
  };
}

/** The store of `db`: the factory through which src/sync reaches every repository. */
export function storeOf(db: Database): DatabaseStore {
  return { ...storeOn(db), session: (fn) => db.session((conn) => fn(storeOn(conn))) };
}
