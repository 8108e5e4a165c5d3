// The decide and apply phases of a run, in its one short transaction (no directory I/O in it): lock the
// seats, weigh the mass-change hold on what the read changed (rule 10), allocate and write, weigh the
// hold again on what the allocation decided, then the notifications, the cursor and the purge. Returns
// a value: `held` (the caller rolls the transaction back) or the applied counts.
import type { SeatsyncConfig } from '../config/types.ts';
import type { Occasion } from '../domain/notification-events.ts';
import type { AllocationPlan } from '../domain/types.ts';
import type { SourceReadOutcome } from '../sources/directory-source.ts';
import type { Database, DeltaSummary, Queryable, RemovalCounts, Repositories, StagingRepository } from '../store/repositories.ts';
import { CHANGE_KINDS, DRY_RUN_LISTED } from '../domain/change-kinds.ts';
import { type AllocatedDelta, allocateDelta, type ChangeListing, type ListedChanges, NOTHING_LISTED, type SeatCounts } from './apply-delta.ts';
import { removalThreshold, shouldHold } from './hold-policy.ts';
import { allocationFingerprint, unchangedPlan } from './reconcile.ts';
import { throwIfAborted } from './run-aborted.ts';
import { tallyOf, type SeatTally } from './seat-tally.ts';

/** What a dry run lists unless told otherwise: the first DRY_RUN_LISTED of every kind. */
export const DEFAULT_DRY_RUN_LISTING: ChangeListing = { kinds: CHANGE_KINDS, offset: 0, limit: DRY_RUN_LISTED };

/** Hooks through which notifications are written in the run's transaction (see notify/). */
export interface RunNotifier {
  /** After the seats were decided, in the same transaction; `occasion` says whether a run or an admin action did it. */
  afterAllocation(tx: Queryable, context: { occasion: Occasion; source: string; plan: AllocationPlan; now: number }): Promise<void>;
  onHeld(db: Database, context: { runId: string; source: string; counts: RemovalCounts; threshold: number; now: number }): Promise<void>;
  /** After every finished (non-dry) run, whatever its outcome: reports a source that keeps failing, and its recovery. */
  afterRun?(db: Database, context: { runId: string; source: string; now: number }): Promise<void>;
}

export interface Applied {
  /** Removed accounts deleted under `policy.purgeRemovedAfter`. */
  readonly purged: number;
  readonly created: number;
  readonly updated: number;
  readonly plan: AllocationPlan;
  readonly seats: SeatCounts;
  readonly listed: ListedChanges;
  /** Dry runs: what the source's accounts would hold, per profile and pool (null for applied runs). */
  readonly tally: SeatTally | null;
  /** `skipped`: nothing changed, the stored seats stand (see `allocationFingerprint`). */
  readonly allocation: 'skipped' | AllocatedDelta['allocation'];
}

export type ApplyOutcome =
  | { readonly kind: 'applied'; readonly applied: Applied }
  | { readonly kind: 'held'; readonly counts: RemovalCounts; readonly threshold: number; /** `planHeld`: the plan the hold stopped. */ readonly planned?: Applied };

/** What the apply needs of the run: the staged read and how it was asked for. */
export interface ApplyInput {
  readonly config: SeatsyncConfig;
  readonly source: string;
  /** The run's staged read, in this transaction. */
  readonly staging: StagingRepository;
  /** Null for a dry run (its writes are rolled back). */
  readonly runId: string | null;
  readonly outcome: SourceReadOutcome;
  /** Full reads: present accounts of the source the read did not return (the snapshot's view). */
  readonly unseenIds: readonly number[];
  /** Accounts whose entries were present but unreadable: frozen in the allocation (their seat state kept exactly). */
  readonly frozenIds: readonly number[];
  /** Users read. */
  readonly read: number;
  /** Entries skipped without a readable id (see hold-policy.ts). */
  readonly unidentified: number;
  readonly now: number;
  /** The mapping rules' fingerprint, saved with the cursor. */
  readonly mapping: string;
  readonly allowRemovals: boolean;
  readonly dryRun: boolean;
  /** Dry runs: a run the hold stops is planned anyway, as with removals allowed, and returned held with its plan. */
  readonly planHeld?: boolean;
  /** Dry runs: the state changes to list (default DEFAULT_DRY_RUN_LISTING). */
  readonly listing?: ChangeListing;
  readonly allocationSlice?: number;
  readonly notifier?: RunNotifier;
  /** A stopping worker's abort: the apply gives up between steps (`RunAbortedError`), and rolls back. */
  readonly signal?: AbortSignal;
}

const NO_SEAT_CHANGES = { activated: 0, blocked: 0, disabled: 0, removed: 0 };


/** Decide and apply, in the transaction `tx`. */
export async function decideAndApply(tx: Repositories, input: ApplyInput): Promise<ApplyOutcome> {
  await tx.seats.lock();
  throwIfAborted(input.signal);
  const delta = await input.staging.summary({ sweep: sweeps(input.outcome), unseenIds: input.unseenIds, read: input.read });
  const present = new PresentCount(tx, input.source);
  const before = await holdCheck(input, delta.counts, () => present.beforeWrites());
  if (before !== null && !input.planHeld) return before;
  throwIfAborted(input.signal);
  const allocated = await allocateOrSkip(tx, input, delta);
  throwIfAborted(input.signal);
  // Rule 10 again, on what the allocation decided: users still returned but now matching no profile (a
  // broken `when`, a profile removed) are removed too, and count like users the directory stopped returning.
  // Only accounts that existed before count: a first sync's out-of-scope or disabled users drop nothing.
  const after = before ?? await holdCheck(input, { ...delta.counts, wouldRemove: allocated.dropped.removed, wouldDisable: allocated.dropped.disabled }, () => present.afterWrites(delta));
  if (after !== null && !input.planHeld) return after;
  if (input.runId !== null) {
    await input.notifier?.afterAllocation(tx.connection, { occasion: { kind: 'run', runId: input.runId }, source: input.source, plan: allocated.plan, now: input.now });
  }
  // A dry run still needs a number for the bigint run columns; its writes are rolled back.
  await tx.cursors.save(input.source, { cursor: input.outcome.cursor, runId: input.runId ?? '0', mapping: input.mapping });
  const purgeAfterMs = input.config.policy.purgeRemovedAfterMs;
  const purged = purgeAfterMs === null ? 0 : await tx.accounts.purgeRemoved({ source: input.source, olderThanMs: purgeAfterMs, now: input.now });
  const tally = input.dryRun ? tallyOf(input.config, await tx.accounts.seatRows(input.source)) : null;
  const applied: Applied = {
    purged, created: delta.newCount, updated: delta.changedCount, plan: allocated.plan, seats: allocated.counts, listed: allocated.listed, tally, allocation: allocated.allocation,
  };
  return after === null ? { kind: 'applied', applied } : { ...after, planned: applied };
}

/** Rule 10: the held outcome, or null. The source's total is counted only when there is something to weigh against it. */
async function holdCheck(input: ApplyInput, counts: Omit<RemovalCounts, 'total'>, total: () => Promise<number>): Promise<Extract<ApplyOutcome, { kind: 'held' }> | null> {
  if (input.allowRemovals || (counts.staged > 0 && counts.wouldRemove + counts.wouldDisable === 0)) return null;
  const weighed = { ...counts, total: await total() };
  const threshold = removalThreshold(input.config.policy.maxRemovals, weighed.total);
  const mode = sweeps(input.outcome) ? 'full' : 'incremental';
  return shouldHold(weighed, { threshold, mode, unidentified: input.unidentified }) ? { kind: 'held', counts: weighed, threshold } : null;
}

/**
 * The source's present accounts, counted at most once per apply (a scan of the source's accounts). After
 * the run's writes they are the count before them moved by what the run itself wrote: accounts marked
 * missing, absent accounts back, new accounts. Nothing else changes `present` meanwhile: every write of
 * it is a run's apply, under the seat lock this transaction holds.
 */
class PresentCount {
  readonly #tx: Repositories;
  readonly #source: string;
  #before: number | null = null;

  constructor(tx: Repositories, source: string) {
    this.#tx = tx;
    this.#source = source;
  }

  /** Before the run's writes. */
  async beforeWrites(): Promise<number> {
    this.#before ??= await this.#tx.accounts.countPresent(this.#source);
    return this.#before;
  }

  /** After the run's writes (of `delta`): counted only if it was not counted before them. */
  async afterWrites(delta: DeltaSummary): Promise<number> {
    if (this.#before === null) return this.#tx.accounts.countPresent(this.#source);
    return this.#before - delta.missingIds.length + delta.returningCount + delta.newCount;
  }
}

/** Whether the read listed every id in scope, so that accounts it did not list are swept. */
export function sweeps(outcome: SourceReadOutcome): boolean {
  return outcome.mode === 'full' || outcome.listedScope === true;
}

/** The allocation, or none when nothing it reads changed (users only renamed, re-mailed, …): its last result stands. */
async function allocateOrSkip(tx: Repositories, input: ApplyInput, delta: DeltaSummary): Promise<Omit<AllocatedDelta, 'allocation'> & { allocation: Applied['allocation'] }> {
  const runId = input.runId ?? '0';
  const fingerprint = allocationFingerprint(input.config);
  const unchanged =
    delta.newCount + delta.seatChangedCount === 0 &&
    delta.missingIds.length === 0 &&
    (await tx.seats.fingerprint()) === fingerprint &&
    !(await tx.seats.graceEnded(input.now));
  if (unchanged) {
    if (delta.changedCount > 0) await input.staging.updateChanged(runId);
    const plan = await unchangedPlan(tx, input.config);
    return { plan, counts: NO_SEAT_CHANGES, dropped: { removed: 0, disabled: 0 }, listed: { ...NOTHING_LISTED, listing: listingOf(input) }, allocation: 'skipped' };
  }
  const allocated = await allocateDelta(tx, {
    config: input.config, staging: input.staging, summary: delta, runId, now: input.now,
    forNotifications: input.runId !== null && input.notifier !== undefined, listChanges: listingOf(input), frozenIds: input.frozenIds,
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.allocationSlice === undefined ? {} : { chunkSize: input.allocationSlice }),
  });
  await tx.seats.saveAllocation({ fingerprint, pools: allocated.plan.pools });
  return allocated;
}

/** The changes a run lists: a dry run's, as asked; none for an applied run. */
function listingOf(input: ApplyInput): ChangeListing | null {
  return input.dryRun ? (input.listing ?? DEFAULT_DRY_RUN_LISTING) : null;
}
