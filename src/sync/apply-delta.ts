// The seat side of a run's apply transaction: read the delta, allocate with the one allocator
// (src/domain/allocator.ts), and write its decisions as they come — state changes of existing accounts,
// new accounts inserted with their state, and one audit row per change. Runs under the seat lock.
import type { SeatsyncConfig } from '../config/types.ts';
import { CHANGE_KINDS, changeKindOf, noChangesByKind, type ChangeKind } from '../domain/change-kinds.ts';
import { beginAllocation, type AllocationEnd, type AllocationStep, type SeatAllocation } from '../domain/allocator.ts';
import { neededPoolNames } from '../domain/pool-table.ts';
import type { AccountChange, AllocationPlan, SeatAccount } from '../domain/types.ts';
import type { DeltaRow, DeltaSummary, NewAccountState, NewcomerRow, Repositories, RunCounts, StagingRepository, StoredSeatAccount } from '../store/repositories.ts';
import { applyDirectoryDelta, type DirectoryDelta, newcomerAccount } from './directory-delta.ts';
import { allocationSettingsOf, auditActorOf } from './reconcile.ts';
import { throwIfAborted } from './run-aborted.ts';

/** State changes of a run by the state reached (counted when the state itself changed). */
export type SeatCounts = Pick<RunCounts, 'activated' | 'blocked' | 'disabled' | 'removed'>;

export interface AllocatedDelta {
  /**
   * The pools after the run and, when `forNotifications`, the newly blocked and grace-started accounts
   * (stored ids) with their changes. Other changes are written, not kept.
   */
  readonly plan: AllocationPlan;
  readonly counts: SeatCounts;
  /**
   * Accounts that existed before this run and are now removed or disabled (new users out of scope or
   * disabled from the start are not among them): what the mass-change hold (SPEC rule 10) weighs.
   */
  readonly dropped: { readonly removed: number; readonly disabled: number };
  /** The state changes `listChanges` asked for, and how many there are of each kind. */
  readonly listed: ListedChanges;
  /**
   * How the allocation ran: new accounts decided as they came (behind a settled state), or everything
   * at the end, over every account or around the settled keepers (counted, not loaded).
   */
  readonly allocation: 'as they came' | 'one call' | 'around settled';
}

/**
 * Which state changes a run keeps for its report (a dry run shows what it would do): of the kinds
 * asked for, `limit` of each kind from the `offset`-th on (0 = the first). Each kind is kept apart, so a
 * first sync that would activate a million accounts still lists its few blocks.
 */
export interface ChangeListing {
  readonly kinds: readonly ChangeKind[];
  readonly offset: number;
  readonly limit: number;
}

export interface ListedChanges {
  /** The changes kept, grouped by kind in CHANGE_KINDS order, each kind in the order the allocation decided them. */
  readonly changes: readonly AccountChange[];
  /** Every change of the run, listed or not. */
  readonly total: number;
  readonly byKind: Readonly<Record<ChangeKind, number>>;
  /** What was asked for; absent: nothing listed. */
  readonly listing: ChangeListing | null;
}

/** A run that lists nothing and changes nothing. */
export const NOTHING_LISTED: ListedChanges = { changes: [], total: 0, byKind: noChangesByKind(), listing: null };

export interface AllocateDeltaOptions {
  readonly config: SeatsyncConfig;
  readonly staging: StagingRepository;
  readonly summary: DeltaSummary;
  readonly runId: string;
  readonly now: number;
  /** New accounts per slice read from the staging table (default 20,000). */
  readonly chunkSize?: number;
  /** Keep what the notifications need (a first sync may block a hundred thousand accounts). */
  readonly forNotifications: boolean;
  /** The state changes to keep for the report; absent: none (their counts are kept). */
  readonly listChanges?: ChangeListing | null;
  /**
   * Accounts whose entries were present but unreadable in this read: frozen (`SeatAccount.frozen`). One
   * left out as a settled keeper keeps its seats anyway; should its pool have to shrink, the allocator
   * declines and every account is loaded, frozen ones marked.
   */
  readonly frozenIds?: readonly number[];
  /** A stopping worker's abort, asked between slices (`throwIfAborted`). */
  readonly signal?: AbortSignal;
}

/**
 * Most accounts a run may change for the allocation to leave the settled keepers out (their ids are
 * a query parameter; beyond this, loading everything costs about the same).
 */
const MAX_CHANGED_AROUND_SETTLED = 10_000;

/** New accounts per insert statement: parameter arrays well below protocol limits. */
const NEW_ACCOUNT_BATCH = 20_000;

/** New accounts per slice: a few MB of rows and decisions, and writes big enough that per-statement costs do not matter. */
const DEFAULT_SLICE = 20_000;

/** What the allocation of one run works with, read once. */
interface DeltaContext {
  readonly tx: Repositories;
  readonly options: AllocateDeltaOptions;
  /** Staged rows of existing accounts that changed or came back, by account id. */
  readonly changed: ReadonlyMap<number, DeltaRow>;
  /** Ids always loaded (the accounts this run changes): never left out as settled keepers. */
  readonly include: readonly number[];
  readonly writer: StepWriter;
}

export async function allocateDelta(tx: Repositories, options: AllocateDeltaOptions): Promise<AllocatedDelta> {
  const { staging, runId } = options;
  const changed = new Map<number, DeltaRow>();
  if (options.summary.changedCount > 0) await staging.forEachChanged((row) => changed.set(row.id ?? 0, row));
  const newcomers = options.summary.newCount;
  // Each new account's id is known before it is decided (the first reserved + its rank in read order −
  // 1): every slice's new accounts are inserted while the next slice is decided, ids in read order.
  const ids = { first: await staging.reserveIds(newcomers), count: newcomers };
  const writer = new StepWriter(tx, { staging, runId, ids }, { keepForNotifications: options.forNotifications, listing: options.listChanges ?? null });
  const ctx: DeltaContext = { tx, options, changed, include: [...changed.keys(), ...options.summary.missingIds], writer };
  // A first sync: the account table's indexes are built after its inserts.
  return tx.accounts.loadInBulk(newcomers, () => allocateAndWrite(ctx, newcomers));
}

async function allocateAndWrite(ctx: DeltaContext, newcomers: number): Promise<AllocatedDelta> {
  const { tx, options } = ctx;
  // A run that changes a few accounts (a delta, a resync with some changes) leaves the settled keepers
  // out; the allocator declines when one of their pools must shrink (nothing is decided then), and the
  // run begins again with every account.
  const aroundSettled = ctx.include.length <= MAX_CHANGED_AROUND_SETTLED;
  const first = await beginWithStored(ctx, { leaveOutSettled: aroundSettled });
  // The directory side of the changes, once the stored accounts are read as they were.
  if (options.summary.changedCount > 0) await options.staging.updateChanged(options.runId);
  await tx.accounts.markMissing(options.summary.missingIds, options.runId);
  let result = await admitNewcomers(ctx, first);
  let how: AllocatedDelta['allocation'] = aroundSettled ? 'around settled' : 'one call';
  if (result.end.kind === 'declined') {
    how = 'one call';
    result = await admitNewcomers(ctx, await beginWithStored(ctx, { leaveOutSettled: false }));
  }
  if (result.end.kind === 'declined') throw new Error('internal error: an allocation over every account declined');
  return ctx.writer.finish(result.end.pools, newcomers, result.asTheyCame ? 'as they came' : how);
}

/** Begins the allocation with the stored accounts (settled keepers only counted, when asked), this read's changes folded in. */
async function beginWithStored(ctx: DeltaContext, options: { leaveOutSettled: boolean }): Promise<SeatAllocation> {
  const { tx, options: run } = ctx;
  const settledHeld = new Map(run.config.profiles.filter((p) => p.pools.length > 0).map((p) => [p.name, neededPoolNames(p.pools)]));
  const loaded = options.leaveOutSettled
    ? await tx.seats.loadAroundSettled({ settledHeld, include: ctx.include })
    : { accounts: await tx.seats.load(), settled: new Map<string, number>() };
  const allocation = beginAllocation(allocationSettingsOf(run.config, run.now), { settled: loaded.settled });
  allocation.admit(await withDirectoryDelta(tx, loaded.accounts, { changed: ctx.changed, missingIds: run.summary.missingIds, frozenIds: run.frozenIds ?? [] }));
  return allocation;
}

/**
 * New accounts from the staging table in queue order; what is decided as they come is written at once
 * (its insert runs in the database while the next slice is decided), the rest at the end.
 */
async function admitNewcomers(ctx: DeltaContext, allocation: SeatAllocation): Promise<{ end: AllocationEnd; asTheyCame: boolean }> {
  const { options } = ctx;
  let asTheyCame = false;
  // A run without new users (most resyncs) does not query for them.
  const slices = options.summary.newCount > 0 ? options.staging.newcomerSlices(options.chunkSize ?? DEFAULT_SLICE) : [];
  try {
    for await (const rows of slices) {
      throwIfAborted(options.signal);
      ctx.writer.noteIds(rows);
      const step = allocation.admitQueued(rows.map(newcomerAccount));
      if (step.changes.length > 0) asTheyCame = true;
      await ctx.writer.write(step);
    }
  } catch (error) {
    // A failed insert aborts the transaction, and the next FETCH fails for that reason: report the insert's error.
    throw ctx.writer.failure ?? error;
  }
  const end = allocation.finish();
  if (end.kind === 'planned') await ctx.writer.write(end.step);
  return { end, asTheyCame };
}

/** Stored accounts with this read's changes folded in; changed accounts not among them (removed ones that return) are loaded. */
async function withDirectoryDelta(tx: Repositories, stored: StoredSeatAccount[], delta: DirectoryDelta): Promise<SeatAccount[]> {
  const known = new Set(stored.map((a) => a.id));
  const returning = [...delta.changed.keys()].filter((id) => !known.has(id));
  // Loops, not push(...list): a list of a million would overflow the call stack.
  for (const account of await tx.seats.loadById(returning)) stored.push(account);
  return applyDirectoryDelta(stored, delta);
}

/** Writes the steps of an allocation and keeps what the notifications and the run report need. */
class StepWriter {
  readonly #tx: Repositories;
  readonly #options: { staging: StagingRepository; runId: string; ids: { first: number; count: number } };
  readonly #noticed: AccountChange[] = [];
  readonly #newlyBlocked: number[] = [];
  readonly #graceStarted: number[] = [];
  readonly #keep: boolean;
  readonly #listing: ChangeListing | null;
  readonly #listed = new Map<ChangeKind, AccountChange[]>();
  /** The reserved account id of each new user, by read order (seq), set as its row arrives: 4 bytes a staged user. */
  #idBySeq = new Int32Array(1024);
  /** The new accounts' distinct states (a handful for a whole first sync), and their index by content. */
  readonly #newStates: NewAccountState[] = [];
  readonly #newStateIndex = new Map<string, number>();
  /** The insert of new accounts the database is running (at most one: the next waits for it). */
  #inserting: Promise<number> | null = null;
  /** The error of the first insert that failed, if one did. */
  failure: unknown = undefined;
  newAccounts = 0;
  readonly byKind = noChangesByKind();
  readonly dropped = { removed: 0, disabled: 0 };

  constructor(
    tx: Repositories,
    options: { staging: StagingRepository; runId: string; ids: { first: number; count: number } },
    keep: { keepForNotifications: boolean; listing: ChangeListing | null },
  ) {
    this.#tx = tx;
    this.#options = options;
    this.#keep = keep.keepForNotifications;
    this.#listing = keep.listing;
  }

  /** Keeps the account id of each new user of a slice (before the allocator sees it). */
  noteIds(rows: readonly NewcomerRow[]): void {
    const { first, count } = this.#options.ids;
    for (const { seq, rank } of rows) {
      if (rank < 1 || rank > count) throw new Error('internal error: a new user outside the reserved account ids');
      if (seq >= this.#idBySeq.length) {
        const grown = new Int32Array(Math.max(seq + 1, this.#idBySeq.length * 2));
        grown.set(this.#idBySeq);
        this.#idBySeq = grown;
      }
      this.#idBySeq[seq] = first + rank - 1;
    }
  }

  async write(plan: AllocationStep): Promise<void> {
    if (plan.changes.length === 0) return;
    await this.#tx.seats.write(plan.changes.filter((c) => c.id > 0), auditActorOf({ kind: 'run', runId: this.#options.runId }));
    await this.#insertNew(plan.changes);
    for (const change of plan.changes) this.#count(change);
    if (!this.#keep) return;
    const notice = new Set([...plan.newlyBlocked, ...plan.graceStarted]);
    for (const change of plan.changes) if (notice.has(change.id)) this.#noticed.push(change);
    for (const id of plan.newlyBlocked) this.#newlyBlocked.push(id);
    for (const id of plan.graceStarted) this.#graceStarted.push(id);
  }

  /** The index of a new account's state in `#newStates` (deduplicated). */
  #stateOf({ to, reason }: AccountChange): number {
    // Tab-separated: the state and reason names hold no tab, and JSON escapes any tab in a pool name.
    const key = `${to.state}\t${reason}\t${to.waitingSince}\t${to.activatedAt}\t${to.graceUntil}\t${JSON.stringify(to.held)}\t${JSON.stringify(to.waitingFor)}`;
    let index = this.#newStateIndex.get(key);
    if (index === undefined) {
      index = this.#newStates.length;
      this.#newStateIndex.set(key, index);
      this.#newStates.push({ ...to, reason });
    }
    return index;
  }

  /**
   * Sends the new accounts of a step (temporary ids −seq) with their states and audit rows, in read
   * order, NEW_ACCOUNT_BATCH per statement. The last statement is left running: the caller decides the
   * next slice meanwhile, and the connection runs the statements in the order they were sent.
   */
  async #insertNew(changes: readonly AccountChange[]): Promise<void> {
    const fresh: number[] = [];
    const stateBySeq = new Map<number, number>();
    for (const change of changes) {
      if (change.id > 0) continue;
      fresh.push(-change.id);
      stateBySeq.set(-change.id, this.#stateOf(change));
    }
    if (fresh.length === 0) return;
    const sorted = Int32Array.from(fresh).sort();
    const { actor } = auditActorOf({ kind: 'run', runId: this.#options.runId });
    for (let start = 0; start < sorted.length; start += NEW_ACCOUNT_BATCH) {
      const seqs: number[] = [];
      const ids: number[] = [];
      const classOf: number[] = [];
      for (const seq of sorted.subarray(start, start + NEW_ACCOUNT_BATCH)) {
        seqs.push(seq);
        ids.push(this.#idOf(-seq));
        classOf.push(stateBySeq.get(seq) ?? 0);
      }
      const write = { runId: this.#options.runId, actor, seqs, ids, classOf, states: [...this.#newStates] };
      await this.#flush();
      const inserting = this.#options.staging.insertNew(write);
      // Awaited by the next write or by `finish`; never an unhandled rejection while the next slice is decided.
      inserting.catch((error: unknown) => {
        this.failure ??= error;
      });
      this.#inserting = inserting;
    }
  }

  /** Waits for the insert in flight. */
  async #flush(): Promise<void> {
    const inserting = this.#inserting;
    this.#inserting = null;
    if (inserting !== null) this.newAccounts += await inserting;
  }

  /** The stored id of an account of the allocation (a new one's is −seq there). */
  #idOf(id: number): number {
    if (id > 0) return id;
    const stored = this.#idBySeq[-id] ?? 0;
    if (stored === 0) throw new Error('internal error: a new account without a reserved id');
    return stored;
  }

  /** Counts the change by kind, and keeps it when it falls in the listing's window of its kind. */
  #count(change: AccountChange): void {
    const kind = changeKindOf(change);
    const index = this.byKind[kind];
    this.byKind[kind] = index + 1;
    if (change.from !== null && kind === 'removed') this.dropped.removed += 1;
    if (change.from !== null && kind === 'disabled') this.dropped.disabled += 1;
    const listing = this.#listing;
    if (listing === null || index < listing.offset || index >= listing.offset + listing.limit || !listing.kinds.includes(kind)) return;
    const kept = this.#listed.get(kind);
    if (kept) kept.push(change);
    else this.#listed.set(kind, [change]);
  }

  /** What the run reports of its changes. */
  #listedChanges(): ListedChanges {
    const total = CHANGE_KINDS.reduce((sum, kind) => sum + this.byKind[kind], 0);
    const changes = CHANGE_KINDS.flatMap((kind) => this.#listed.get(kind) ?? []);
    return { changes, total, byKind: { ...this.byKind }, listing: this.#listing };
  }

  /** The run's outcome once every step is written. */
  async finish(pools: AllocationPlan['pools'], newcomers: number, allocation: AllocatedDelta['allocation']): Promise<AllocatedDelta> {
    await this.#flush();
    if (this.newAccounts !== newcomers) throw new Error('internal error: the allocation left a new account without a state');
    const { activated, blocked, disabled, removed } = this.byKind;
    const counts = { activated, blocked, disabled, removed };
    return { plan: this.#plan(pools), counts, dropped: this.dropped, listed: this.#listedChanges(), allocation };
  }

  /** The plan the notifications read, with the stored ids of the new accounts it names. */
  #plan(pools: AllocationPlan['pools']): AllocationPlan {
    return {
      changes: this.#noticed.map((c) => (c.id < 0 ? { ...c, id: this.#idOf(c.id) } : c)),
      pools,
      newlyBlocked: this.#newlyBlocked.map((id) => this.#idOf(id)),
      graceStarted: this.#graceStarted.map((id) => this.#idOf(id)),
    };
  }
}
