// One sync run of one source, in named phases, each a function:
//   readAndStage     the source, page by page, into the run's staging table (read-source.ts; no transaction
//                    open), then what was staged settled: repeated new ids dropped as the read ends,
//                    statistics, the accounts a full read did not return, the frozen ones
//   decideAndApplyIn one short transaction (apply-run.ts): hold check, allocation, writes, cursor
//   record           the run's outcome
// Each phase returns a value; the run ends with one of four outcomes: `applied`, `planned` (a dry run,
// rolled back through the transaction API), `held` (rule 10, rolled back the same way) or `failed`.
// `syncSource` is one run; `planInTurn` plans the dry runs of several sources in one transaction (see
// there). run-sync.ts `runSync`, the one entry point of a sync, calls one or the other.
import { randomBytes } from 'node:crypto';
import type { SeatsyncConfig } from '../config/types.ts';
import { queueKeyer } from '../domain/queue-order.ts';
import { sourceLogger, type Logger } from '../logging.ts';
import type { DirectorySource } from '../sources/directory-source.ts';
import { storeOf, type Database, type DatabaseStore, type RemovalCounts, type RunCounts, type StagingRepository, type Store } from '../store/repositories.ts';
import { describeHold, type HoldReason } from '../domain/hold.ts';
import type { ChangeListing, ListedChanges } from './apply-delta.ts';
import { type Applied, type ApplyInput, type ApplyOutcome, decideAndApply, type RunNotifier, type SeatTally, sweeps } from './apply-run.ts';
import { throwIfAborted } from './run-aborted.ts';
import { readIntoStaging, type ReadStats, type SyncProgress } from './read-source.ts';
import { profilePoolsOf } from './reconcile.ts';
import { mappingFingerprint, mappingRulesOf, readRequestOf } from './map-user.ts';
import { SourceSnapshot } from './source-snapshot.ts';
import { poolViewsFromPlan, type PoolView } from './status.ts';

export type { RunNotifier } from './apply-run.ts';

/**
 * `skippedEntries`: the first bad entries, for the run report; `repaired`, `repairedEntries`: values read
 * with U+FFFD for bytes that were not UTF-8 (absent: none), and the first of them.
 */
interface RunResultBase extends RunCounts, Pick<ReadStats, 'skippedEntries'>, Partial<Pick<ReadStats, 'repaired' | 'repairedEntries'>> {
  readonly source: string;
  readonly runId: string | null;
  readonly mode: 'full' | 'incremental' | null;
  readonly durationMs: number;
  readonly dryRun: boolean;
  /** A dry run: the planned state changes it was asked to list, and their numbers by kind. */
  readonly planned?: ListedChanges;
  /** A dry run: what the source's accounts would hold, per profile and pool. */
  readonly tally?: SeatTally;
}

/** The result of one run: `outcome` tells which; `status` is its name in the SPEC's report (`ok` for applied and planned). */
export type SourceRunResult = RunResultBase &
  (
    /** `poolsAfter`: seat usage as this run's allocation left it. */
    | { readonly outcome: 'applied' | 'planned'; readonly status: 'ok'; readonly error: null; readonly held: null; readonly poolsAfter: PoolView[] }
    | {
        readonly outcome: 'held';
        readonly status: 'held';
        readonly error: null;
        /** What the run would have disabled and removed, and the threshold it exceeds (SPEC rule 10). */
        readonly held: RemovalCounts & { readonly threshold: number; readonly reason: HoldReason; readonly unidentified?: number };
        /** A dry run with `planHeld`: seat usage as its plan would leave it; otherwise null. */
        readonly poolsAfter: PoolView[] | null;
      }
    | {
        readonly outcome: 'failed';
        readonly status: 'failed';
        readonly error: string;
        /** `code` of the error the run ended with (SourceError codes, `database`, …), when it had one. */
        readonly errorCode?: string;
        readonly held: null;
        readonly poolsAfter: null;
      }
  );

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
  /** Dry runs: which planned changes to list (default DEFAULT_DRY_RUN_LISTING). */
  readonly listing?: ChangeListing;
  /** Dry runs: a held run still plans (as with removals allowed) and reports its plan with the hold, from its one read. */
  readonly planHeld?: boolean;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  /**
   * New accounts per slice handed to the allocator (default 20,000; see domain/allocator.ts). A tuning
   * knob for memory, and a way for tests to make small runs cross slice boundaries.
   */
  readonly allocationSlice?: number;
}

/** What the read and stage phases leave: the staged read, its numbers, and what the apply needs of them. */
type Staged = Pick<ApplyInput, 'outcome' | 'unseenIds' | 'frozenIds' | 'readableAmong' | 'mapping'> & { readonly stats: ReadStats };

/** A run's outcome before it is recorded: the apply's (a dry run's `applied` is planned), or a failure. */
type Ended = (ApplyOutcome & { readonly staged: Staged }) | { readonly kind: 'failed'; readonly staged: Staged | null; readonly error: unknown };

interface RunContext {
  readonly deps: SyncSourceDeps;
  readonly store: DatabaseStore;
  readonly options: SyncSourceOptions;
  readonly runId: string | null;
  readonly log: Logger;
  readonly clock: () => number;
  readonly started: number;
}

/** What a sync needs: the database, the config in force, and a way to build each source (closed after its run). */
export interface SyncDeps extends Omit<SyncSourceDeps, 'source'> {
  readonly createSource: (name: string) => DirectorySource;
}

/** One run of the source `name` (not a dry run: see `planInTurn`): read and staged, then decided and applied. */
export async function syncSource(deps: SyncDeps, name: string, options: SyncSourceOptions): Promise<SourceRunResult> {
  const ctx = await startRun({ ...deps, source: deps.createSource(name) }, options);
  try {
    return await record(ctx, await runPhases(ctx));
  } finally {
    await closeSource(ctx);
  }
}

/**
 * Dry runs of several sources, in order. A dry run must plan each source after the ones before it, as the
 * sync would apply them, while writing nothing and keeping directory I/O out of transactions (issue 17):
 * so every source is read and staged first (a read depends only on its source's own accounts and cursor,
 * which the others' applies do not touch), then each is applied as a sync applies it, in one transaction
 * rolled back at the end. Each apply is a savepoint in it: a planned one stays for the next source to plan
 * against, a held or failed one is rolled back to its savepoint, as the sync would leave it.
 */
export async function planInTurn(deps: SyncDeps, runs: readonly { readonly name: string; readonly options: SyncSourceOptions }[]): Promise<SourceRunResult[]> {
  const started: RunContext[] = [];
  try {
    for (const { name, options } of runs) started.push(await startRun({ ...deps, source: deps.createSource(name) }, options));
    const results: SourceRunResult[] = [];
    for (const { ctx, ended, durationMs } of await planStarted(storeOf(deps.db), started)) results.push(await record(ctx, ended, durationMs));
    return results;
  } finally {
    for (const ctx of started) await closeSource(ctx);
  }
}

async function closeSource(ctx: RunContext): Promise<void> {
  await ctx.deps.source.close().catch((error: unknown) => ctx.log.warn({ err: error }, 'closing the source failed'));
}

/** A run's row (not for a dry run), its logger and its clock. */
async function startRun(deps: SyncSourceDeps, options: SyncSourceOptions): Promise<RunContext> {
  const clock = options.now ?? Date.now;
  const started = clock();
  const store = storeOf(deps.db);
  const runId = options.dryRun ? null : await store.runs.create({ source: deps.source.name, trigger: options.trigger, allowRemovals: options.allowRemovals });
  const log = sourceLogger(deps.logger, deps.source.name).child({ runId, dryRun: options.dryRun });
  log.info({ trigger: options.trigger }, 'sync started');
  const ctx: RunContext = { deps, store, options, runId, log, clock, started };
  if (runId) {
    const interrupted = await store.runs.failInterrupted({ source: deps.source.name, exceptId: runId });
    if (interrupted > 0) log.warn({ interrupted }, 'earlier runs of this source were cut off (process or database stopped); marked failed, nothing of them was applied');
  }
  return ctx;
}

/**
 * `planInTurn`'s started runs: every source read and staged on one connection, then each decided and
 * applied in turn in one transaction that is rolled back; the staging tables are dropped whatever
 * happens. Each one's new accounts take ids past those the ones before it reserved (`idFloor`), as the
 * sync's draws from the sequence would (a run held before its allocation reserves none for the ones
 * after it: the sync draws none for it). `durationMs`: the run's own read and apply.
 */
async function planStarted(store: DatabaseStore, runs: readonly RunContext[]): Promise<{ ctx: RunContext; ended: Ended; durationMs: number }[]> {
  interface Read { readonly ctx: RunContext; readonly runKey: string; staged: Staged | null; error?: unknown; ended?: Ended; durationMs: number }
  const reads: Read[] = runs.map((ctx) => ({ ctx, runKey: `dry_${randomBytes(6).toString('hex')}`, staged: null, durationMs: 0 }));
  const timed = async <T>(read: Read, work: () => Promise<T>): Promise<T> => {
    const started = read.ctx.clock();
    try {
      return await work();
    } finally {
      read.durationMs += read.ctx.clock() - started;
    }
  };
  try {
    await store.session(async (conn) => {
      try {
        for (const read of reads) {
          await timed(read, async () => {
            read.staged = await readAndStage(conn, conn.staging(read.runKey, read.ctx.deps.source.name), read.ctx);
          }).catch((error: unknown) => (read.error = error));
        }
        const idFloor = { next: 1 };
        await conn.transaction(
          async (outer) => {
            for (const read of reads) {
              const { staged } = read;
              read.ended = staged === null ? { kind: 'failed', staged, error: read.error } : await timed(read, () => applyCaught(outer, read, staged, idFloor));
            }
          },
          { end: 'rollback' },
        );
      } finally {
        for (const read of reads) await conn.staging(read.runKey, read.ctx.deps.source.name).drop().catch(() => undefined);
      }
    });
  } catch (error) {
    // The session failed (no connection, or it was lost): the runs not ended by then fail with it.
    for (const read of reads) read.ended ??= { kind: 'failed', staged: read.staged, error: read.error ?? error };
  }
  return reads.map(({ ctx, ended, staged, error, durationMs }) => ({ ctx, ended: ended ?? { kind: 'failed', staged, error }, durationMs }));
}

/** One dry run's apply in the transaction of `planStarted`: a failure fails this run only (its savepoint is rolled back). */
async function applyCaught(outer: Store, { runKey, ctx }: { runKey: string; ctx: RunContext }, staged: Staged, idFloor: { next: number }): Promise<Ended> {
  try {
    return await decideAndApplyIn(outer, runKey, ctx, staged, idFloor);
  } catch (error) {
    return { kind: 'failed', staged, error };
  }
}

/** read and stage, then decide and apply, on the run's own connection; the staging table is dropped whatever happens. */
async function runPhases(ctx: RunContext): Promise<Ended> {
  const { runId } = ctx;
  // A dry run's apply would commit here: it is planned by planInTurn.
  if (runId === null) throw new Error('a dry run is planned in planInTurn');
  // What the read staged, for the report of a run that fails after it.
  let staged: Staged | null = null;
  try {
    return await ctx.store.session(async (conn) => {
      // Held while the run works on this connection: a run whose lock is gone was cut off.
      await conn.runs.lock(runId);
      const staging = conn.staging(runId, ctx.deps.source.name);
      try {
        staged = await readAndStage(conn, staging, ctx);
        return await decideAndApplyIn(conn, runId, ctx, staged);
      } finally {
        await staging.drop().catch(() => undefined);
        await conn.runs.unlock(runId).catch(() => undefined);
      }
    });
  } catch (error) {
    // Thrown out of the session, so its connection is discarded.
    return { kind: 'failed', staged, error };
  }
}

/**
 * Phases read and stage: the source into the staging table, page by page, with no transaction open, its
 * repeated new ids dropped; then statistics, the unseen and frozen accounts.
 */
async function readAndStage(conn: Store, staging: StagingRepository, ctx: RunContext): Promise<Staged> {
  const { deps, options, log } = ctx;
  await staging.create();
  const rules = mappingRulesOf(deps.config);
  const mapping = mappingFingerprint(rules);
  const stored = await conn.cursors.load(deps.source.name);
  // An incremental read returns changed entries only: after a change of the mapping rules every user
  // must be read (and mapped) again.
  const remap = stored !== null && stored.mapping !== mapping;
  if (remap && !options.forceFull) log.info('profiles or policy.protect changed since the last read: reading every user again');
  const forceFull = options.forceFull || remap;
  const cursor = stored?.cursor ?? null;
  // A read that returns every user (asked to, or with no cursor to resume from) needs every present
  // account: loaded on a connection of its own while the source binds and sends its first pages.
  const snapshot = new SourceSnapshot(conn, deps.source.name, { loader: ctx.store, whole: forceFull || cursor === null });
  const read = await readIntoStaging(staging, {
    snapshot,
    source: deps.source,
    request: { ...readRequestOf(rules), cursor, forceFull, ...(options.signal ? { signal: options.signal } : {}) },
    rules,
    queueKey: queueKeyer(profilePoolsOf(deps.config)),
    logger: log,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  await staging.analyze();
  options.onProgress?.({ phase: 'apply', read: read.stats.seen });
  const unseenIds = sweeps(read.outcome) ? await snapshot.unseenIds() : [];
  return { ...read, unseenIds, frozenIds: await snapshot.frozenIds(), readableAmong: await snapshot.readableAmong(), mapping };
}

/**
 * Phases decide and apply, in one transaction that commits only an applied run (a held one rolls back).
 * A dry run's is a savepoint of the transaction `planInTurn` rolls back, kept there for the next source
 * (`idFloor`: where the new accounts' ids of the dry runs planned before it end).
 */
async function decideAndApplyIn(conn: Store, runKey: string, ctx: RunContext, staged: Staged, idFloor?: { next: number }): Promise<Ended> {
  const { deps, options } = ctx;
  const outcome = await conn.transaction<ApplyOutcome>(
    async (tx) => {
      const { dryRun, allowRemovals, listing, allocationSlice, signal } = options;
      const decided = await decideAndApply(tx, {
        dryRun, allowRemovals, ...(listing ? { listing } : {}), ...(allocationSlice === undefined ? {} : { allocationSlice }), ...(signal ? { signal } : {}),
        ...staged, ...(deps.notifier ? { notifier: deps.notifier } : {}), planHeld: dryRun && options.planHeld === true,
        config: deps.config, source: deps.source.name, staging: tx.staging(runKey, deps.source.name), runId: ctx.runId,
        returned: staged.stats.returned, unidentified: staged.stats.unidentified, now: ctx.clock(), ...(idFloor ? { idFloor } : {}),
      });
      // The last moment to give up: a run aborted (shutdown) while applying rolls back here instead of
      // committing, so "aborted" always means "nothing applied".
      throwIfAborted(options.signal);
      return decided;
    },
    { end: (result) => (result.kind === 'applied' ? 'commit' : 'rollback') },
  );
  return { ...outcome, staged };
}

/** Phase record: the run's row, its log line, and the result; `runMs`: its time, when not from its start to now (a dry run planned with others). */
async function record(ctx: RunContext, ended: Ended, runMs?: number): Promise<SourceRunResult> {
  const { deps, options, runId, log } = ctx;
  const stats: ReadStats = ended.staged?.stats ?? { seen: 0, skipped: 0, returned: 0, unidentified: 0, deleted: 0, skippedEntries: [], repaired: 0, repairedEntries: [] };
  const mode = ended.staged?.outcome.mode ?? null;
  const repairs = stats.repaired > 0 ? { repaired: stats.repaired, repairedEntries: stats.repairedEntries } : {};
  const base = { source: deps.source.name, runId, dryRun: options.dryRun, mode, skippedEntries: stats.skippedEntries, ...repairs };
  const unapplied: RunCounts = { seen: stats.seen, created: 0, updated: 0, activated: 0, blocked: 0, disabled: 0, removed: 0, skipped: stats.skipped };
  const durationMs = (): number => runMs ?? ctx.clock() - ctx.started;
  switch (ended.kind) {
    case 'applied': {
      const { applied } = ended;
      const { activated, blocked, disabled, removed } = applied.listed.byKind;
      const counts: RunCounts = { seen: stats.seen, created: applied.created, updated: applied.updated, activated, blocked, disabled, removed, skipped: stats.skipped };
      if (runId) await ctx.store.runs.finish(runId, { status: 'ok', mode, counts, error: null, details: { skippedEntries: stats.skippedEntries, purged: applied.purged, ...repairs } });
      log.info({ ...counts, repaired: stats.repaired, mode, allocation: applied.allocation, durationMs: durationMs() }, 'sync finished');
      return {
        ...base, ...counts, outcome: options.dryRun ? 'planned' : 'applied', status: 'ok', durationMs: durationMs(), error: null, held: null,
        ...(options.dryRun ? planOf(applied) : { poolsAfter: poolViewsFromPlan(applied.plan.pools) }),
      };
    }
    case 'held': {
      const held = { ...ended.counts, threshold: ended.threshold, reason: ended.reason, ...(stats.unidentified > 0 ? { unidentified: stats.unidentified } : {}) };
      if (runId) {
        await deps.notifier?.onHeld(deps.db, { runId, source: deps.source.name, counts: ended.counts, threshold: ended.threshold, reason: ended.reason, now: ctx.clock() });
        await ctx.store.runs.finish(runId, { status: 'held', mode, counts: unapplied, error: null, details: { held, skippedEntries: stats.skippedEntries } });
      }
      log.warn({ held }, `sync held: ${describeHold(held)}`);
      return { ...base, ...unapplied, outcome: 'held', status: 'held', durationMs: durationMs(), error: null, held, ...(ended.planned ? planOf(ended.planned) : { poolsAfter: null }) };
    }
    case 'failed': {
      const { error } = ended;
      const message = error instanceof Error ? error.message : String(error);
      const errorCode = (error as { code?: unknown } | null)?.code;
      const details = typeof errorCode === 'string' ? { errorCode } : {};
      if (runId) await ctx.store.runs.finish(runId, { status: 'failed', mode, counts: unapplied, error: message, details }).catch(() => undefined);
      log.error({ err: error }, 'sync failed; nothing was applied');
      return { ...base, ...unapplied, outcome: 'failed', status: 'failed', durationMs: durationMs(), error: message, held: null, poolsAfter: null, ...details };
    }
  }
}

/** What a dry run reports of its plan. */
function planOf(applied: Applied): Pick<SourceRunResult, 'planned' | 'tally'> & { poolsAfter: PoolView[] } {
  return { poolsAfter: poolViewsFromPlan(applied.plan.pools), planned: applied.listed, ...(applied.tally ? { tally: applied.tally } : {}) };
}
