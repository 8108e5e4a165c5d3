// The seat side of a run's apply transaction: read the delta, allocate with the one allocator
// (src/domain/allocator.ts), and write its decisions as they come — state changes of existing accounts,
// new accounts inserted with their state, and one audit row per change. Runs under the seat lock.
import { CHANGE_KINDS, changeKindOf, DRY_RUN_LISTED, noChangesByKind, type ChangeKind } from '../domain/change-kinds.ts';
import { beginAllocation, type AllocationEnd, type AllocationStep, type SeatAllocation } from '../domain/allocator.ts';
import { neededPoolNames } from '../domain/pool-table.ts';
import { isProtected } from '../domain/protection.ts';
import type { AccountChange, AllocationPlan, SeatAccount } from '../domain/types.ts';
import type { DeltaRow, DeltaSummary, Repositories, StagingRepository } from '../store/repositories.ts';
import type { ApplyInput } from './apply-run.ts';
import { queuedNewcomer } from './newcomer.ts';
import { allocationFingerprint, allocationSettingsOf, auditActorOf, unchangedPlan } from './reconcile.ts';
import { throwIfAborted } from './run-aborted.ts';

export interface AllocatedDelta {
  /** The pools and, when the run notifies, the newly blocked and grace-started accounts (stored ids) with their changes. */
  readonly plan: AllocationPlan;
  /**
   * Accounts that existed before this run and are now removed or disabled (new users out of scope or
   * disabled from the start are not among them): what the mass-change hold (SPEC rule 10) weighs.
   */
  readonly dropped: { readonly removed: number; readonly disabled: number };
  /**
   * The state changes the listing asked for, and how many there are of each kind: the run's counts of the
   * same names (`activated`, `blocked`, `disabled`, `removed`) are those of `listed.byKind`.
   */
  readonly listed: ListedChanges;
  /**
   * How the allocation ran: new accounts decided as they came (behind a settled state), or everything
   * at the end, over every account or around the settled keepers (counted, not loaded); `skipped`:
   * nothing it reads changed, the stored seats stand (see `allocationFingerprint`).
   */
  readonly allocation: 'as they came' | 'one call' | 'around settled' | 'skipped';
}

/**
 * Which state changes a run keeps for its report (a dry run shows what it would do): of the kinds asked for, `limit` of each
 * kind from the `offset`-th on (0 = the first). Each kind is kept apart: a first sync activating a million still lists its few blocks.
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

/** What a dry run lists unless told otherwise: the first DRY_RUN_LISTED of every kind. */
export const DEFAULT_DRY_RUN_LISTING: ChangeListing = { kinds: CHANGE_KINDS, offset: 0, limit: DRY_RUN_LISTED };

/** Most accounts a run may change for the allocation to leave the settled keepers out (beyond it, loading every one costs the same). */
const MAX_CHANGED_AROUND_SETTLED = 10_000;

/** New accounts per slice: a few MB of rows and decisions, and writes big enough that per-statement costs do not matter. */
const DEFAULT_SLICE = 20_000;

/**
 * The run id the apply writes in the bigint run columns (the accounts' runs, audit rows, the cursor's
 * run): the run's own, or for a dry run, which has none, 0, the id of no run (run ids start at 1). A dry
 * run's writes are rolled back.
 */
export function storedRunId(input: Pick<ApplyInput, 'runId'>): string {
  return input.runId ?? '0';
}

/** No account ids reserved: a run without new users. */
const NO_IDS = { first: 0, count: 0 } as const;

/** One run's allocation: what it is given, what it reads once (`changed`: `changedById`), its writer. */
interface DeltaRun {
  readonly tx: Repositories;
  readonly input: ApplyInput;
  readonly summary: DeltaSummary;
  readonly changed: ReadonlyMap<number, DeltaRow>;
  /** The accounts left as they are (seat-store.ts `recordUnreadable`): this read's unreadable entries and those not read again since an earlier read found them unreadable. */
  readonly frozen: ReadonlySet<number>;
  readonly writer: StepWriter;
}

/**
 * Allocates and writes the run's delta, or nothing when nothing the allocation reads changed (users only
 * renamed, re-mailed, …): its last result stands.
 */
export async function allocateDelta(tx: Repositories, input: ApplyInput, summary: DeltaSummary): Promise<AllocatedDelta> {
  const { staging } = input;
  const runId = storedRunId(input);
  // Frozen: the accounts this read found unreadable, and those not read again since a read found them so.
  // Which were recorded unreadable is read here, under the seat lock: a run of the same source that
  // overlapped this one (a CLI sync beside the worker's) may have recorded some after this read began.
  const readAgain = input.readableAmong(await tx.seats.unreadableIdsOf(input.source));
  const frozenIds = await tx.seats.recordUnreadable(input.source, { frozen: input.frozenIds, cleared: [...readAgain, ...summary.missingIds] });
  const fingerprint = allocationFingerprint(input.config, frozenIds);
  const quiet = summary.newCount + summary.seatChangedCount === 0 && summary.missingIds.length === 0;
  const last = quiet ? await tx.seats.lastAllocation() : null;
  if (last?.fingerprint === fingerprint && !(await tx.seats.graceEnded(input.now))) {
    if (summary.changedCount > 0) await staging.updateChanged(runId);
    return unallocated(input, await unchangedPlan(tx, input.config, last.pools));
  }
  const changed = summary.changedCount > 0 ? await staging.changedById() : new Map<number, DeltaRow>();
  // Each new account's id is known before it is decided: every slice's new accounts are inserted while
  // the next slice is decided, ids in read order.
  const ids = summary.newCount > 0 ? await reserveIds(staging, input) : NO_IDS;
  const run: DeltaRun = { tx, input, summary, changed, frozen: new Set(frozenIds), writer: new StepWriter(tx, input, ids) };
  // A first sync: the account table's indexes are built after its inserts.
  const allocated = await tx.accounts.loadInBulk(summary.newCount, () => allocateAndWrite(run));
  await tx.seats.saveAllocation({ fingerprint, pools: allocated.plan.pools });
  return allocated;
}

/**
 * The ids of the run's new accounts (staging-store.ts `reserveIds`): a sync draws them from the sequence; a
 * dry run, which must leave the sequence as it is, starts where it stands, past the ids the dry runs
 * planned before it in the same transaction reserved (`idFloor`), and moves the floor on as a draw moves
 * the sequence, whether its plan is then kept or rolled back (failed, or held on what it decided), as a
 * sync's draw stands either way. A run held before its allocation, which a sync ends before drawing, is
 * planned (planHeld) on a copy of the floor (apply-run.ts `decideAndApply`).
 */
async function reserveIds(staging: StagingRepository, input: ApplyInput): Promise<{ first: number; count: number }> {
  if (!input.dryRun) return staging.reserveIds({ draw: true });
  const ids = await staging.reserveIds({ draw: false, floor: input.idFloor?.next ?? 1 });
  if (input.idFloor) input.idFloor.next = ids.first + ids.count;
  return ids;
}

/** The outcome of a run whose allocation was skipped: no change, the stored seats' plan. */
function unallocated(input: ApplyInput, plan: AllocationPlan): AllocatedDelta {
  return {
    plan,
    dropped: { removed: 0, disabled: 0 },
    listed: { changes: [], total: 0, byKind: noChangesByKind(), listing: listingOf(input) },
    allocation: 'skipped',
  };
}

/** A dry run lists its changes, as asked (by default DEFAULT_DRY_RUN_LISTING); an applied run none. */
function listingOf(input: ApplyInput): ChangeListing | null {
  return input.dryRun ? (input.listing ?? DEFAULT_DRY_RUN_LISTING) : null;
}

async function allocateAndWrite(run: DeltaRun): Promise<AllocatedDelta> {
  const { tx, input, summary } = run;
  const runId = storedRunId(input);
  // A run that changes a few accounts (a delta, a resync with some changes) leaves the settled keepers
  // out; the allocator declines when one of their pools must shrink (nothing is decided then), and the
  // run begins again with every account.
  const aroundSettled = run.changed.size + summary.missingIds.length <= MAX_CHANGED_AROUND_SETTLED;
  const first = await beginWithStored(run, { leaveOutSettled: aroundSettled });
  // The directory side of the changes, once the stored accounts are read as they were.
  if (summary.changedCount > 0) await input.staging.updateChanged(runId);
  await tx.accounts.markMissing(summary.missingIds, runId);
  let result = await admitNewcomers(run, first);
  const declined = result.end.kind === 'declined';
  if (declined) result = await admitNewcomers(run, await beginWithStored(run, { leaveOutSettled: false }));
  if (result.end.kind === 'declined') throw new Error('internal error: an allocation over every account declined');
  const how = result.asTheyCame ? 'as they came' : aroundSettled && !declined ? 'around settled' : 'one call';
  return run.writer.finish(result.end.pools, summary.newCount, how);
}

/**
 * Begins the allocation with the stored accounts (settled keepers only counted, when asked) and this
 * read's changes (on copies): changed and returning users get their new directory facts (removed ones
 * that return, left out by the load, are loaded here), missing ones are marked absent, those whose
 * entries were present but unreadable, in this read or in the last applied run of their own source, are
 * frozen (their seat state kept exactly).
 */
async function beginWithStored({ tx, input, summary, changed, frozen }: DeltaRun, { leaveOutSettled }: { leaveOutSettled: boolean }): Promise<SeatAllocation> {
  const settledHeld = new Map(input.config.profiles.filter((p) => p.pools.length > 0).map((p) => [p.name, neededPoolNames(p.pools)]));
  const { accounts, settled } = leaveOutSettled
    ? await tx.seats.loadAroundSettled({ settledHeld, include: [...changed.keys(), ...summary.missingIds] })
    : { accounts: await tx.seats.load(), settled: new Map<string, number>() };
  const known = new Set(accounts.map((a) => a.id));
  // Loops, not push(...list): a list of a million would overflow the call stack.
  for (const account of await tx.seats.loadById([...changed.keys()].filter((id) => !known.has(id)))) accounts.push(account);
  const missing = new Set(summary.missingIds);
  const allocation = beginAllocation(allocationSettingsOf(input.config, input.now), { settled });
  allocation.admit(
    accounts.map((account): SeatAccount => {
      const row = changed.get(account.id);
      if (row) {
        const { username, enabled, profile } = row;
        const directoryCreatedAt = row.createdMs;
        const protection = isProtected({ adminProtected: account.adminProtected, policyProtected: row.policyProtected });
        return { ...account, username, directoryCreatedAt, present: true, enabled, profile, protected: protection };
      }
      if (missing.has(account.id)) return { ...account, present: false };
      return frozen.has(account.id) ? { ...account, frozen: true } : account;
    }),
  );
  return allocation;
}

/**
 * New accounts from the staging table in queue order; what is decided as they come is written at once
 * (its insert runs in the database while the next slice is decided), the rest at the end.
 */
async function admitNewcomers({ input, summary, writer }: DeltaRun, allocation: SeatAllocation): Promise<{ end: AllocationEnd; asTheyCame: boolean }> {
  let asTheyCame = false;
  // A run without new users (most resyncs) does not query for them.
  const slices = summary.newCount > 0 ? input.staging.newcomerSlices(input.allocationSlice ?? DEFAULT_SLICE) : [];
  // A failed insert aborts the transaction; the statements after it (the next FETCH, the cursor's CLOSE,
  // the next step's writes) then fail with the insert's error (`reportingFirstFailure`, store/db.ts).
  for await (const rows of slices) {
    throwIfAborted(input.signal);
    const step = allocation.admitQueued(rows.map(queuedNewcomer));
    if (step.changes.length > 0) asTheyCame = true;
    await writer.write(step);
  }
  const end = allocation.finish();
  if (end.kind === 'planned') await writer.write(end.step);
  return { end, asTheyCame };
}

/** Writes the steps of an allocation and keeps what the notifications and the run report need. */
class StepWriter {
  readonly #tx: Repositories;
  readonly #staging: StagingRepository;
  readonly #audit: { actor: string; runId: string };
  readonly #listing: ChangeListing | null;
  /** What the notifications read, with stored ids; null when the run does not notify. */
  readonly #noticed: { changes: AccountChange[]; newlyBlocked: number[]; graceStarted: number[] } | null;
  /** The account ids reserved for the new users: the first, for seq 1, and how many (`reserveIds`). */
  readonly #ids: { readonly first: number; readonly count: number };
  /** The insert sent last (the database runs it, or will next), and how many the inserts before it inserted. */
  #inserting: Promise<number> = Promise.resolve(0);
  #inserted = 0;
  readonly #byKind = noChangesByKind();
  readonly #listed: AccountChange[] = [];
  readonly #dropped = { removed: 0, disabled: 0 };

  constructor(tx: Repositories, input: ApplyInput, ids: { readonly first: number; readonly count: number }) {
    const runId = storedRunId(input);
    this.#tx = tx;
    this.#ids = ids;
    this.#staging = input.staging;
    this.#audit = { actor: auditActorOf({ kind: 'run', runId }).actor, runId };
    this.#listing = listingOf(input);
    // A first sync may block a hundred thousand accounts: what the notifications read is kept only for them.
    this.#noticed = input.runId !== null && input.notifier !== undefined ? { changes: [], newlyBlocked: [], graceStarted: [] } : null;
  }

  /** The stored id of an account of the allocation (a new one's is −seq there). */
  #idOf(id: number): number {
    if (id > 0) return id;
    if (-id > this.#ids.count) throw new Error('internal error: a new account without a reserved id');
    return this.#ids.first - id - 1;
  }

  async write(step: AllocationStep): Promise<void> {
    if (step.changes.length === 0) return;
    await this.#tx.seats.write(step.changes.filter((c) => c.id > 0), this.#audit);
    // New accounts in read order (−seq descending): their ids were reserved in that order. The insert is
    // sent at once and left running while the caller decides the next slice: the connection runs
    // statements in the order sent, so the database goes from one slice's insert to the next without
    // waiting for this process.
    const fresh = step.changes.filter((c) => c.id < 0).sort((a, b) => b.id - a.id);
    if (fresh.length > 0) {
      const accounts = fresh.map(({ id, to, reason }) => ({ seq: -id, id: this.#idOf(id), to, reason }));
      const before = this.#inserting;
      this.#inserting = this.#staging.insertNew(accounts, this.#audit);
      // Awaited by the next write or by `finish`; never an unhandled rejection while the next slice is decided.
      this.#inserting.catch(() => undefined);
      // At most this insert waits behind the one running: a million new users are never all queued.
      this.#inserted += await before;
    }
    for (const change of step.changes) this.#count(change);
    if (this.#noticed === null) return;
    const notice = new Set([...step.newlyBlocked, ...step.graceStarted]);
    for (const change of step.changes) if (notice.has(change.id)) this.#noticed.changes.push({ ...change, id: this.#idOf(change.id) });
    for (const id of step.newlyBlocked) this.#noticed.newlyBlocked.push(this.#idOf(id));
    for (const id of step.graceStarted) this.#noticed.graceStarted.push(this.#idOf(id));
  }

  /** Counts the change by kind, and keeps it when it falls in the listing's window of its kind. */
  #count(change: AccountChange): void {
    const kind = changeKindOf(change);
    const index = this.#byKind[kind]++;
    if (change.from !== null && (kind === 'removed' || kind === 'disabled')) this.#dropped[kind] += 1;
    const listing = this.#listing;
    if (listing !== null && listing.kinds.includes(kind) && index >= listing.offset && index < listing.offset + listing.limit) this.#listed.push(change);
  }

  /** The run's outcome once every step is written. */
  async finish(pools: AllocationPlan['pools'], newcomers: number, allocation: Exclude<AllocatedDelta['allocation'], 'skipped'>): Promise<AllocatedDelta> {
    this.#inserted += await this.#inserting;
    if (this.#inserted !== newcomers) throw new Error('internal error: the allocation left a new account without a state');
    const byKind = { ...this.#byKind };
    const listed = {
      changes: CHANGE_KINDS.flatMap((kind) => this.#listed.filter((c) => changeKindOf(c) === kind)),
      total: CHANGE_KINDS.reduce((sum, kind) => sum + byKind[kind], 0),
      byKind,
      listing: this.#listing,
    };
    const plan = { ...(this.#noticed ?? { changes: [], newlyBlocked: [], graceStarted: [] }), pools };
    return { plan, dropped: this.#dropped, listed, allocation };
  }
}
