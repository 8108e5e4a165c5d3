// One sync run of one source: stream → stage → (one transaction: lock, hold check, merge, sweep,
// allocate, audit, notifications, cursor) → run record. A read that fails changes nothing; a dry run
// plans everything in the transaction and rolls it back.
import { randomBytes } from 'node:crypto';
import type { SeatsyncConfig } from '../config/types.ts';
import type { AllocationPlan } from '../domain/types.ts';
import type { Logger } from '../logging.ts';
import type { DirectorySource, SourceReadOutcome } from '../sources/directory-source.ts';
import type { Database, Queryable } from '../store/db.ts';
import { countPresent, dropRepeatedIds, loadDeltaSummary, type RemovalCounts } from '../store/delta-store.ts';
import { updateChangedAccounts } from '../store/merge-store.ts';
import { createRun, failInterruptedRuns, finishRun, loadCursor, lockRun, saveCursor, type RunCounts, unlockRun } from '../store/run-store.ts';
import { graceEnded, loadAllocationFingerprint, lockSeats, purgeRemoved, saveAllocationFingerprint } from '../store/seat-store.ts';
import { analyzeStaging, createStaging, dropStaging, stagingTables, type StagingTables } from '../store/staging-store.ts';
import { type AllocatedDelta, allocateDelta, type ListedChanges, type SeatCounts } from './apply-delta.ts';
import { removalThreshold, shouldHold } from './hold-policy.ts';
import { MAX_REPORTED_SKIPS, readIntoStaging, type ReadStats, type SyncProgress } from './read-source.ts';
import { allocationFingerprint, profilePoolsOf, unchangedPlan } from './reconcile.ts';
import { queueKeyer } from '../domain/queue-order.ts';
import { poolViewsFromPlan, type PoolView } from './status.ts';
import { mappingFingerprint, mappingRulesOf, readRequestOf } from './rules.ts';
import { SourceSnapshot } from './source-snapshot.ts';

export type { SyncProgress } from './read-source.ts';

export interface SourceRunResult extends RunCounts {
  readonly source: string;
  readonly status: 'ok' | 'held' | 'failed';
  readonly runId: string | null;
  readonly mode: 'full' | 'incremental' | null;
  readonly durationMs: number;
  readonly dryRun: boolean;
  readonly error: string | null;
  /** `code` of the error a failed run ended with (SourceError codes, `database`, …), when it had one. */
  readonly errorCode?: string;
  /** Set when the run was held (SPEC rule 10). */
  readonly held: (RemovalCounts & { readonly threshold: number }) | null;
  /** First bad entries, for the run report. */
  readonly skippedEntries: ReadStats['skippedEntries'];
  /** Seat usage as this run's allocation left it (null when nothing was allocated). */
  readonly poolsAfter: PoolView[] | null;
  /** A dry run: the first planned state changes and their number (see DRY_RUN_LISTED). */
  readonly planned?: ListedChanges;
}

/** State changes a dry run lists (its counts cover all of them). */
export const DRY_RUN_LISTED = 1_000;

/** Hooks through which notifications are written in the run's transaction (see notify/). */
export interface RunNotifier {
  afterAllocation(tx: Queryable, context: { runId: string; source: string; plan: AllocationPlan; now: number }): Promise<void>;
  onHeld(db: Database, context: { runId: string; source: string; counts: RemovalCounts; threshold: number; now: number }): Promise<void>;
}

export interface SyncSourceDeps {
  readonly db: Database;
  readonly config: SeatsyncConfig;
  readonly source: DirectorySource;
  readonly logger: Logger;
  readonly notifier?: RunNotifier;
}

export interface SyncSourceOptions {
  readonly dryRun: boolean;
  readonly allowRemovals: boolean;
  readonly forceFull: boolean;
  /** `cli`, `schedule`, `api:<token name>`, … */
  readonly trigger: string;
  readonly onProgress?: (progress: SyncProgress) => void;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  /**
   * New accounts per slice handed to the allocator (default 20,000; see domain/allocator.ts). A tuning
   * knob for memory, and a way for tests to make small runs cross slice boundaries.
   */
  readonly allocationSlice?: number;
}

class HeldRun extends Error {
  readonly counts: RemovalCounts;
  readonly threshold: number;
  constructor(counts: RemovalCounts, threshold: number) {
    super('held');
    this.counts = counts;
    this.threshold = threshold;
  }
}

class DryRunRollback extends Error {
  readonly result: Applied;
  constructor(result: Applied) {
    super('dry run');
    this.result = result;
  }
}

interface Applied {
  /** Removed accounts deleted under `policy.purgeRemovedAfter`. */
  readonly purged: number;
  readonly created: number;
  readonly updated: number;
  readonly plan: AllocationPlan;
  readonly seats: SeatCounts;
  readonly listed: ListedChanges;
  /** `skipped`: nothing changed, the stored seats stand (see `allocationFingerprint`). */
  readonly allocation: 'skipped' | AllocatedDelta['allocation'];
}

const ZERO: RunCounts = { seen: 0, created: 0, updated: 0, activated: 0, blocked: 0, disabled: 0, removed: 0, skipped: 0 };

export async function syncSource(deps: SyncSourceDeps, options: SyncSourceOptions): Promise<SourceRunResult> {
  const { db, source, logger } = deps;
  const clock = options.now ?? Date.now;
  const started = clock();
  const runId = options.dryRun
    ? null
    : await createRun(db, { source: source.name, trigger: options.trigger, allowRemovals: options.allowRemovals });
  const log = logger.child({ runId, source: source.name, dryRun: options.dryRun });
  log.info({ trigger: options.trigger }, 'sync started');
  if (runId) {
    const interrupted = await failInterruptedRuns(db, { source: source.name, exceptId: runId });
    if (interrupted > 0) log.warn({ interrupted }, 'earlier runs of this source were cut off (process or database stopped); marked failed, nothing of them was applied');
  }
  let stats: ReadStats = { seen: 0, skipped: 0, deleted: 0, skippedEntries: [] };
  let outcome: SourceReadOutcome | null = null;
  const base = { source: source.name, runId, dryRun: options.dryRun };
  const rules = mappingRulesOf(deps.config);
  const mapping = mappingFingerprint(rules);
  // The read into the staging table, then the apply (in the transaction `apply` gives it).
  const readAndApply = async (
    conn: Queryable & Pick<Database, 'transaction'>,
    tables: StagingTables,
    apply: (ctx: ApplyContext) => Promise<Applied>,
  ): Promise<Applied> => {
    await createStaging(conn, tables);
    const stored = await loadCursor(conn, source.name);
    // An incremental read returns changed entries only: after a change of the mapping rules every user
    // must be read (and mapped) again.
    const remap = stored !== null && stored.mapping !== mapping;
    if (remap && !options.forceFull) log.info('profiles or policy.protect changed since the last read: reading every user again');
    const snapshot = new SourceSnapshot(conn, source.name);
    const read = await readIntoStaging(conn, {
      tables,
      snapshot,
      source,
      request: {
        ...readRequestOf(deps.config), cursor: stored?.cursor ?? null, forceFull: options.forceFull || remap,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      rules,
      queueKey: queueKeyer(profilePoolsOf(deps.config)),
      logger: log,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const repeats = await dropRepeatedIds(conn, tables);
    if (repeats > 0) log.warn({ entry: source.name, attribute: 'id', repeats }, 'directory returned new ids more than once; first occurrences kept');
    stats = withRepeatsDropped(read.stats, repeats, source.name);
    outcome = read.outcome;
    await analyzeStaging(conn, tables);
    options.onProgress?.({ phase: 'apply', read: stats.seen });
    const unseenIds = read.outcome.mode === 'full' ? await snapshot.unseenIds() : [];
    return apply({ ...deps, tables, runId, outcome: read.outcome, options, now: clock(), unseenIds, read: stats.seen, mapping });
  };
  try {
    const applied = await db.session(async (conn) => {
      // Held while the run works on this connection: a run whose lock is gone was cut off.
      if (runId) await lockRun(conn, runId);
      const tables = stagingTables(runId ?? `dry_${randomBytes(6).toString('hex')}`);
      try {
        return await readAndApply(conn, tables, (ctx) => conn.transaction((tx) => applyIn(tx, ctx)));
      } finally {
        await dropStaging(conn, tables).catch(() => undefined);
        if (runId) await unlockRun(conn, runId).catch(() => undefined);
      }
    }).catch((error: unknown) => {
      if (error instanceof DryRunRollback) return error.result;
      throw error;
    });
    const counts = countsOf(applied, stats);
    const mode = (outcome as SourceReadOutcome | null)?.mode ?? null;
    if (runId) await finishRun(db, runId, { status: 'ok', mode, counts, error: null, details: { skippedEntries: stats.skippedEntries, purged: applied.purged } });
    log.info({ ...counts, mode, allocation: applied.allocation, durationMs: clock() - started }, 'sync finished');
    return {
      ...base, ...counts, status: 'ok', mode, durationMs: clock() - started, error: null, held: null, skippedEntries: stats.skippedEntries,
      poolsAfter: poolViewsFromPlan(applied.plan.pools), ...(options.dryRun ? { planned: applied.listed } : {}),
    };
  } catch (error) {
    const mode = (outcome as SourceReadOutcome | null)?.mode ?? null;
    const counts = { ...ZERO, seen: stats.seen, skipped: stats.skipped };
    if (error instanceof HeldRun) {
      const held = { ...error.counts, threshold: error.threshold };
      if (runId) {
        await deps.notifier?.onHeld(db, { runId, source: source.name, counts: error.counts, threshold: error.threshold, now: clock() });
        await finishRun(db, runId, { status: 'held', mode, counts, error: null, details: { held, skippedEntries: stats.skippedEntries } });
      }
      log.warn({ held }, 'sync held: it would disable or remove more accounts than policy.maxRemovals allows');
      return { ...base, ...counts, status: 'held', mode, durationMs: clock() - started, error: null, held, skippedEntries: stats.skippedEntries, poolsAfter: null };
    }
    const message = error instanceof Error ? error.message : String(error);
    if (runId) await finishRun(db, runId, { status: 'failed', mode, counts, error: message, details: {} }).catch(() => undefined);
    log.error({ err: error }, 'sync failed; nothing was applied');
    const errorCode = (error as { code?: unknown } | null)?.code;
    return {
      ...base, ...counts, status: 'failed', mode, durationMs: clock() - started, error: message, held: null, skippedEntries: stats.skippedEntries, poolsAfter: null,
      ...(typeof errorCode === 'string' ? { errorCode } : {}),
    };
  }
}

interface ApplyContext extends SyncSourceDeps {
  readonly tables: StagingTables;
  /** Full reads: present accounts of the source the read did not return (the snapshot's view). */
  readonly unseenIds: readonly number[];
  /** Users read. */
  readonly read: number;
  readonly runId: string | null;
  readonly outcome: SourceReadOutcome;
  readonly options: SyncSourceOptions;
  readonly now: number;
  /** The mapping rules' fingerprint, saved with the cursor. */
  readonly mapping: string;
}

async function applyIn(tx: Queryable, ctx: ApplyContext): Promise<Applied> {
  const { config, source, tables, outcome, options } = ctx;
  await lockSeats(tx);
  const delta = await loadDeltaSummary(tx, { tables, source: source.name, mode: outcome.mode, unseenIds: ctx.unseenIds, read: ctx.read });
  // Rule 10. The source's total is counted only when there is something to weigh against it.
  let total: number | null = null;
  const holdIfTooMany = async (counts: Omit<RemovalCounts, 'total'>): Promise<void> => {
    if (options.allowRemovals || (counts.staged > 0 && counts.wouldRemove + counts.wouldDisable === 0)) return;
    total ??= await countPresent(tx, source.name);
    const weighed = { ...counts, total };
    const threshold = removalThreshold(config.policy.maxRemovals, total);
    if (shouldHold(weighed, { threshold, mode: outcome.mode })) throw new HeldRun(weighed, threshold);
  };
  await holdIfTooMany(delta.counts);
  // A dry run still needs a number for the bigint run columns; its writes are rolled back.
  const runId = ctx.runId ?? '0';
  const fingerprint = allocationFingerprint(config);
  // Nothing the allocation reads changed (users only renamed, re-mailed, …): its last result stands.
  const unchanged =
    delta.newCount + delta.seatChangedCount === 0 &&
    delta.missingIds.length === 0 &&
    (await loadAllocationFingerprint(tx)) === fingerprint &&
    !(await graceEnded(tx, ctx.now));
  if (unchanged && delta.changedCount > 0) await updateChangedAccounts(tx, { tables, source: source.name, runId });
  const allocated = unchanged
    ? {
        plan: await unchangedPlan(tx, config),
        counts: { activated: 0, blocked: 0, disabled: 0, removed: 0 },
        dropped: { removed: 0, disabled: 0 },
        listed: { changes: [], total: 0 },
        allocation: 'skipped' as const,
      }
    : await allocateDelta(tx, {
        config, source: source.name, tables, summary: delta, runId, now: ctx.now, forNotifications: ctx.runId !== null && ctx.notifier !== undefined,
        listChanges: options.dryRun ? DRY_RUN_LISTED : 0,
        ...(options.allocationSlice === undefined ? {} : { chunkSize: options.allocationSlice }),
      });
  // Rule 10 again, on what the allocation decided: users still returned but now matching no profile (a
  // broken `when`, a profile removed) are removed too, and count like users the directory stopped returning.
  // Only accounts that existed before count: a first sync's out-of-scope or disabled users drop nothing.
  await holdIfTooMany({ ...delta.counts, wouldRemove: allocated.dropped.removed, wouldDisable: allocated.dropped.disabled });
  const storedPlan = allocated.plan;
  if (!unchanged) await saveAllocationFingerprint(tx, fingerprint);
  if (ctx.runId) await ctx.notifier?.afterAllocation(tx, { runId: ctx.runId, source: source.name, plan: storedPlan, now: ctx.now });
  await saveCursor(tx, source.name, outcome.cursor, runId, ctx.mapping);
  const purged =
    config.policy.purgeRemovedAfterMs === null
      ? 0
      : await purgeRemoved(tx, { source: source.name, olderThanMs: config.policy.purgeRemovedAfterMs, now: ctx.now });
  const applied: Applied = {
    purged, created: delta.newCount, updated: delta.changedCount, plan: storedPlan, seats: allocated.counts, listed: allocated.listed, allocation: allocated.allocation,
  };
  if (options.dryRun) throw new DryRunRollback(applied);
  return applied;
}

/** New ids the read returned twice are found after the read; their repeats count as skipped. */
function withRepeatsDropped(stats: ReadStats, repeats: number, source: string): ReadStats {
  if (repeats === 0) return stats;
  const entry = { entry: source, attribute: 'id', reason: 'duplicate id in this read' };
  const room = Math.max(0, MAX_REPORTED_SKIPS - stats.skippedEntries.length);
  return {
    ...stats,
    seen: stats.seen - repeats,
    skipped: stats.skipped + repeats,
    skippedEntries: [...stats.skippedEntries, ...Array.from({ length: Math.min(room, repeats) }, () => entry)],
  };
}

function countsOf(applied: Applied, stats: ReadStats): RunCounts {
  return { seen: stats.seen, created: applied.created, updated: applied.updated, ...applied.seats, skipped: stats.skipped };
}
