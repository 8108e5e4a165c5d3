// The decide and apply phases of a run, in its one short transaction (no directory I/O in it): lock the
// seats, weigh the mass-change hold on what the read changed (rule 10), allocate and write, weigh the
// hold again on what the allocation decided, then the notifications, the cursor and the purge. Returns
// a value: `held` (the caller rolls the transaction back) or the applied counts.
import type { SeatsyncConfig } from '../config/types.ts';
import { holdReason, type HoldReason, mayBeHeld, removalThreshold } from '../domain/hold.ts';
import type { Occasion } from '../domain/notification-events.ts';
import type { AllocationPlan } from '../domain/types.ts';
import type { SourceReadOutcome } from '../sources/directory-source.ts';
import type { Database, RemovalCounts, Repositories, SourceSeatRow, StagingRepository } from '../store/repositories.ts';
import { type AllocatedDelta, allocateDelta, type ChangeListing, storedRunId } from './apply-delta.ts';
import { throwIfAborted } from './run-aborted.ts';

/** Hooks through which notifications are written in the run's transaction (see notify/). */
export interface RunNotifier {
  /** After the seats were decided, in the same transaction (`tx`: its repositories); `occasion` says whether a run or an admin action did it. */
  afterAllocation(tx: Repositories, context: { occasion: Occasion; source: string; plan: AllocationPlan; now: number }): Promise<void>;
  /** After a held run (rolled back); `reason`: why it was held (`holdReason`). */
  onHeld(db: Database, context: { runId: string; source: string; counts: RemovalCounts; threshold: number; reason: HoldReason; now: number }): Promise<void>;
  /** After every finished (non-dry) run, whatever its outcome: reports a source that keeps failing, and its recovery. */
  afterRun?(db: Database, context: { runId: string; source: string; now: number }): Promise<void>;
}

export interface Applied extends Omit<AllocatedDelta, 'dropped'> {
  /** Removed accounts deleted under `policy.purgeRemovedAfter`. */
  readonly purged: number;
  readonly created: number;
  readonly updated: number;
  /** Dry runs: what the source's accounts would hold, per profile and pool (null for applied runs). */
  readonly tally: SeatTally | null;
}

export type ApplyOutcome =
  | { readonly kind: 'applied'; readonly applied: Applied }
  | {
      readonly kind: 'held';
      readonly counts: RemovalCounts;
      readonly threshold: number;
      readonly reason: HoldReason;
      /** `planHeld`: the plan the hold stopped. */
      readonly planned?: Applied;
    };

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
  /**
   * Of the accounts `ids`, those this read returned readable (source-snapshot.ts `readableAmong`). Asked under
   * the seat lock with the accounts recorded unreadable then, so that a run of the same source that
   * overlapped this one and recorded an account unreadable meanwhile is seen (apply-delta.ts `allocateDelta`).
   */
  readonly readableAmong: (ids: readonly number[]) => number[];
  /** Entries the read returned in scope, readable or not, as the read counted them (read-source.ts `ReadStats`). */
  readonly returned: number;
  /** Entries skipped without a readable id (see `holdReason`, domain/hold.ts). */
  readonly unidentified: number;
  readonly now: number;
  /** The mapping rules' fingerprint, saved with the cursor. */
  readonly mapping: string;
  readonly allowRemovals: boolean;
  readonly dryRun: boolean;
  /**
   * Dry runs planned in turn in one transaction (sync-source.ts `planInTurn`): the lowest id the next new
   * account may take, moved on by each dry run's reservation (apply-delta.ts `reserveIds`) as the sync's
   * draw would move the sequence: not by a run held before its allocation, which the sync ends before it
   * draws (`decideAndApply`). The sequence, which a dry run does not draw from, does not know of the ids
   * the earlier ones reserved.
   */
  readonly idFloor?: { next: number };
  /** Dry runs: a run the hold stops is planned anyway, as with removals allowed, and returned held with its plan. */
  readonly planHeld?: boolean;
  /** Dry runs: the state changes to list (default DEFAULT_DRY_RUN_LISTING). */
  readonly listing?: ChangeListing;
  readonly allocationSlice?: number;
  readonly notifier?: RunNotifier;
  /** A stopping worker's abort: the apply gives up between steps (`RunAbortedError`), and rolls back. */
  readonly signal?: AbortSignal;
}

/** Decide and apply, in the transaction `tx`. */
export async function decideAndApply(tx: Repositories, input: ApplyInput): Promise<ApplyOutcome> {
  await tx.seats.lock();
  throwIfAborted(input.signal);
  const delta = await input.staging.summary({ sweep: sweeps(input.outcome), unseenIds: input.unseenIds });
  // The source's present accounts are counted at most once (a scan of the source's accounts). After the
  // run's writes they are the count before them moved by what the run itself wrote: accounts marked
  // missing, absent accounts back, new accounts. Nothing else changes `present` meanwhile: every write of
  // it is a run's apply, under the seat lock this transaction holds.
  let present: number | null = null;
  const before = await holdCheck(input, delta.counts, async () => (present ??= await tx.accounts.countPresent(input.source)));
  if (before !== null && !input.planHeld) return before;
  throwIfAborted(input.signal);
  // A sync held here has returned above, drawing no ids: the plan of one (planHeld) numbers its new
  // accounts from the floor without moving it on for the dry runs after it.
  const allocated = await allocateDelta(tx, before === null ? input : { ...input, ...withFloorKept(input.idFloor) }, delta);
  throwIfAborted(input.signal);
  // Rule 10 again, on what the allocation decided: users still returned but now matching no profile (a
  // broken `when`, a profile removed) are removed too, and count like users the directory stopped returning.
  // Only accounts that existed before count: a first sync's out-of-scope or disabled users drop nothing.
  const after =
    before ??
    (await holdCheck(input, { wouldRemove: allocated.dropped.removed, wouldDisable: allocated.dropped.disabled }, async () =>
      present === null ? tx.accounts.countPresent(input.source) : present - delta.missingIds.length + delta.returningCount + delta.newCount,
    ));
  if (after !== null && !input.planHeld) return after;
  if (input.runId !== null) {
    await input.notifier?.afterAllocation(tx, { occasion: { kind: 'run', runId: input.runId }, source: input.source, plan: allocated.plan, now: input.now });
  }
  await tx.cursors.save(input.source, { cursor: input.outcome.cursor, runId: storedRunId(input), mapping: input.mapping });
  const purgeAfterMs = input.config.policy.purgeRemovedAfterMs;
  const purged = purgeAfterMs === null ? 0 : await tx.accounts.purgeRemoved({ source: input.source, olderThanMs: purgeAfterMs, now: input.now });
  const tally = input.dryRun ? tallyOf(input.config, await tx.accounts.seatRows(input.source)) : null;
  const { plan, listed, allocation } = allocated;
  const applied: Applied = { purged, created: delta.newCount, updated: delta.changedCount, plan, listed, tally, allocation };
  return after === null ? { kind: 'applied', applied } : { ...after, planned: applied };
}

/** A copy of the dry runs' id floor, for a reservation that must leave it where it stands. */
function withFloorKept(idFloor: ApplyInput['idFloor']): Pick<ApplyInput, 'idFloor'> {
  return idFloor === undefined ? {} : { idFloor: { next: idFloor.next } };
}

/**
 * Rule 10: the held outcome, or null, for what the run would remove and disable and the entries its read
 * returned. The source's total is counted only when there is something to weigh against it.
 */
async function holdCheck(
  input: ApplyInput, removals: Pick<RemovalCounts, 'wouldRemove' | 'wouldDisable'>, total: () => Promise<number>,
): Promise<Extract<ApplyOutcome, { kind: 'held' }> | null> {
  const counts = { ...removals, returned: input.returned };
  if (input.allowRemovals || !mayBeHeld(counts)) return null;
  const weighed = { ...counts, total: await total() };
  const threshold = removalThreshold(input.config.policy.maxRemovals, weighed.total);
  const mode = sweeps(input.outcome) ? 'full' : 'incremental';
  const reason = holdReason(weighed, { threshold, mode, unidentified: input.unidentified });
  return reason === null ? null : { kind: 'held', counts: weighed, threshold, reason };
}

/** Whether the read listed every id in scope, so that accounts it did not list are swept. */
export function sweeps(outcome: SourceReadOutcome): boolean {
  return outcome.mode === 'full' || outcome.listedScope === true;
}

/** One source's accounts per profile after a dry run (what `seatsync check` shows), read before it rolls back. */
export interface SeatTally {
  /** Accounts of the source that are not removed. */
  readonly accounts: number;
  /**
   * Every configured profile, in config order, then accounts without one (null: not removed, so disabled
   * or suspended), if any. `active`: holding their seats (or needing none); `blocked`: waiting for a
   * seat; `other`: disabled in the directory or suspended by an admin.
   */
  readonly profiles: readonly ({ readonly profile: string | null } & Readonly<Record<'accounts' | 'active' | 'blocked' | 'other', number>>)[];
  /** Every configured pool, in config order: the source's accounts holding a seat of it, and blocked waiting for it. */
  readonly pools: readonly ({ readonly pool: string } & Readonly<Record<'held' | 'blocked', number>>)[];
}

/** The tally of a source's seat rows: the allocator's decisions as stored, not a second calculation. */
function tallyOf(config: Pick<SeatsyncConfig, 'profiles' | 'pools'>, rows: readonly SourceSeatRow[]): SeatTally {
  const counts = () => ({ accounts: 0, active: 0, blocked: 0, other: 0 });
  const profiles = new Map<string | null, ReturnType<typeof counts>>(config.profiles.map((p) => [p.name, counts()]));
  const pools = new Map(config.pools.map((p) => [p.name, { held: 0, blocked: 0 }]));
  const add = (names: readonly string[], key: 'held' | 'blocked', n: number): void => {
    for (const name of names) {
      const pool = pools.get(name);
      if (pool) pool[key] += n;
    }
  };
  for (const row of rows) {
    const profile = profiles.get(row.profile) ?? counts();
    profiles.set(row.profile, profile);
    profile.accounts += row.n;
    profile[row.state === 'active' || row.state === 'blocked' ? row.state : 'other'] += row.n;
    add(row.held, 'held', row.n);
    add(row.waitingFor, 'blocked', row.n);
  }
  return {
    accounts: rows.reduce((sum, row) => sum + row.n, 0),
    profiles: [...profiles].map(([profile, counts]) => ({ profile, ...counts })),
    pools: [...pools].map(([pool, counts]) => ({ pool, ...counts })),
  };
}
