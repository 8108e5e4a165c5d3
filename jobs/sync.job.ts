// The sync job: takes the worker's config in force (the file re-read first, through the config watch), then
// syncs each requested source under its source lock (a dry run plans them together, under all their locks)
// and returns the SPEC `sync --json` document. Errors map to job behaviour here, once: a source's config and
// credential problems are unrecoverable (retrying cannot help), everything else is retried with backoff; a
// held run is a completed job. On shutdown a run is aborted before its commit (it changed nothing) and the
// job goes back to the queue for the sources not yet applied; runs that had committed are not repeated.
import { unknownNames } from '../src/domain/names.ts';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { SeatsyncConfig } from '../src/config/types.ts';
import { alreadyLogged, asExpected, sourceLogger, type Logger } from '../src/logging.ts';
import { createSourceFactory } from '../src/sources/factory.ts';
import type { Database } from '../src/store/db.ts';
import { runSync } from '../src/sync/run-sync.ts';
import type { RunNotifier, SourceRunResult } from '../src/sync/sync-source.ts';
import type { PoolView } from '../src/sync/status.ts';
import { syncJson } from '../src/sync/report.ts';
import type { SyncJobData, SyncJobProgress, SyncJobResult } from './names.ts';
import type { HeldSourceLock, SourceLocks } from './source-lock.ts';

/** Source error codes that another attempt cannot fix: the config or the directory's setup must change. */
const PERMANENT_CODES = new Set(['auth', 'permission', 'not-found', 'tls', 'invalid-data', 'config']);

export interface SyncJobDeps {
  /**
   * The config a job runs with: the worker's config in force, after a re-read of the file (every run sees
   * the current seats, sources and credentials; a file that does not load leaves the last good config).
   */
  readonly config: () => Promise<SeatsyncConfig>;
  readonly db: () => Promise<Database>;
  readonly logger: Logger;
  readonly locks: SourceLocks;
  readonly notifierFor?: (config: SeatsyncConfig) => RunNotifier | undefined;
  /** Called with every finished run (metrics). */
  readonly onRun?: (run: SourceRunResult) => void;
  /** Called after a job that may have written outbox rows (asks for delivery). */
  readonly afterApply?: () => Promise<void>;
  /** Shortest time between two progress writes to Redis (default 500 ms). */
  readonly progressIntervalMs?: number;
}

type SyncJob = Job<SyncJobData, SyncJobResult, 'sync'>;

export function createSyncJobHandler(deps: SyncJobDeps) {
  return async (job: SyncJob, token?: string, signal?: AbortSignal): Promise<SyncJobResult> => {
    const config = await deps.config();
    const names = sourcesOf(job.data, config);
    const progress = progressWriter(job, deps.progressIntervalMs ?? 500);
    const runs: SourceRunResult[] = [];
    let pools: PoolView[] = [];
    let coalescingReleased = false;
    const log = deps.logger.child({ jobId: job.id, trigger: job.data.trigger });
    try {
      // A sync takes its sources one at a time; a dry run plans them together (each after the ones before
      // it, as runSync does), under the locks of all of them.
      for (const group of job.data.dryRun ? [names] : names.map((name) => [name])) {
        const locks: HeldSourceLock[] = [];
        try {
          // In name order, so that two jobs holding several never wait for each other.
          for (const name of [...group].sort()) locks.push(await acquire(deps, name, { log, progress, ...(signal ? { signal } : {}) }));
          if (!coalescingReleased) {
            // From now on a new request for the same work queues behind this job instead of joining it.
            coalescingReleased = true;
            await job.removeDeduplicationKey();
          }
          const lost = locks.map((lock) => lock.lost);
          const report = await runGroup(deps, config, job.data, group, {
            signal: AbortSignal.any(signal ? [signal, ...lost] : lost),
            onProgress: (source, p) => progress.write({ phase: p.phase, source, read: p.read }),
          });
          // A run the shutdown cut off failed without applying anything; it is not part of the result.
          const finished = report.runs.filter((run) => !(signal?.aborted && run.status === 'failed'));
          runs.push(...finished);
          if (finished.length > 0) pools = report.pools;
          for (const run of finished) deps.onRun?.(run);
        } finally {
          for (const lock of locks) await lock.release();
        }
        if (signal?.aborted) break;
      }
    } catch (error) {
      if (!signal?.aborted) throw error;
    }
    if (signal?.aborted) {
      const left = names.filter((name) => !runs.some((run) => run.source === name));
      if (left.length > 0) {
        if (runs.some((run) => !run.dryRun)) await deps.afterApply?.().catch((error: unknown) => log.warn({ err: error }, 'could not ask for notification delivery'));
        return requeue(job, token, log, { reason: signal.reason, applied: runs.map((run) => run.source), left });
      }
      log.warn({ reason: String(signal.reason), applied: runs.map((run) => run.source) }, 'shutting down: every run of the sync job had committed already; the job is complete and is not requeued');
    }
    const result: SyncJobResult = syncJson({ runs, pools });
    progress.write({ phase: 'done', source: null, read: runs.reduce((n, r) => n + r.seen, 0), result }, { force: true });
    await progress.flush();
    if (!job.data.dryRun) await deps.afterApply?.().catch((error: unknown) => log.warn({ err: error }, 'could not ask for notification delivery'));
    throwIfFailed(runs, job);
    return result;
  };
}

function sourcesOf(data: SyncJobData, config: SeatsyncConfig): readonly string[] {
  const configured = config.sources.map((s) => s.name);
  if (data.sources.length === 0) return configured;
  const unknown = unknownNames('source', data.sources, configured);
  if (unknown !== null) throw asExpected(new UnrecoverableError(`${unknown} (no longer in the config?)`));
  return data.sources;
}

function acquire(deps: SyncJobDeps, name: string, options: { log: Logger; progress: ProgressWriter; signal?: AbortSignal }): Promise<HeldSourceLock> {
  return deps.locks.acquire(name, {
    ...(options.signal ? { signal: options.signal } : {}),
    onWait: () => {
      sourceLogger(options.log, name).info('another worker is syncing this source; waiting for it');
      options.progress.write({ phase: 'waiting-for-source', source: name, read: 0 }, { force: true });
    },
  });
}

async function runGroup(
  deps: SyncJobDeps,
  config: SeatsyncConfig,
  data: SyncJobData,
  sources: readonly string[],
  options: { signal: AbortSignal; onProgress: (source: string, p: { phase: 'read' | 'apply'; read: number }) => void },
) {
  const notifier = deps.notifierFor?.(config);
  return runSync(
    { db: await deps.db(), config, logger: deps.logger, createSource: createSourceFactory(config, deps.logger), ...(notifier ? { notifier } : {}) },
    {
      sources,
      dryRun: data.dryRun,
      allowRemovals: data.allowRemovals,
      forceFull: data.forceFull,
      trigger: data.trigger,
      signal: options.signal,
      onProgress: (source, p) => options.onProgress(source, { phase: p.phase === 'apply' ? 'apply' : 'read', read: p.read }),
    },
  );
}

/**
 * Puts the job back in the queue without using up an attempt, for the sources whose run did not commit
 * (`left`); runs that committed (`applied`) are not repeated: the job's sources become `left`.
 */
async function requeue(job: SyncJob, token: string | undefined, log: Logger, cut: { reason: unknown; applied: readonly string[]; left: readonly string[] }): Promise<never> {
  if (cut.applied.length > 0) {
    await job.updateData({ ...job.data, sources: cut.left });
    log.warn(
      { reason: String(cut.reason), applied: cut.applied, left: cut.left },
      `shutting down: the sync job goes back to the queue for ${cut.left.join(', ')}; nothing of its current run was applied. ` +
        `The runs of ${cut.applied.join(', ')} had committed and are not repeated`,
    );
  } else {
    log.warn({ reason: String(cut.reason), left: cut.left }, 'shutting down: the sync job goes back to the queue; nothing of its current run was applied');
  }
  await job.moveToWait(token);
  throw new WaitingError();
}

function throwIfFailed(runs: readonly SourceRunResult[], job: SyncJob): void {
  const failed = runs.filter((r) => r.status === 'failed');
  if (failed.length === 0) return;
  // Source errors name their source already.
  const message = failed.map((r) => (r.error?.startsWith(`${r.source}: `) ? r.error : `${r.source}: ${r.error ?? 'failed'}`)).join('; ');
  // Each failed run logged its error: the job's failure is not told again (jobs/workers.ts).
  if (failed.some((r) => r.errorCode !== undefined && PERMANENT_CODES.has(r.errorCode))) throw alreadyLogged(new UnrecoverableError(message));
  const attempts = job.opts.attempts ?? 1;
  throw alreadyLogged(new Error(job.attemptsMade + 1 < attempts ? `${message} (will retry)` : message));
}

interface ProgressWriter {
  write(progress: SyncJobProgress, options?: { force?: boolean }): void;
  flush(): Promise<void>;
}

/** Progress goes to Redis at most every `intervalMs`, in order, without slowing the run down. */
function progressWriter(job: SyncJob, intervalMs: number): ProgressWriter {
  let chain: Promise<void> = Promise.resolve();
  let lastAt = 0;
  let lastPhase: string | null = null;
  return {
    write(progress, options = {}) {
      const now = Date.now();
      if (!options.force && progress.phase === lastPhase && now - lastAt < intervalMs) return;
      lastAt = now;
      lastPhase = progress.phase;
      chain = chain.then(() => job.updateProgress(progress as unknown as object)).catch(() => undefined);
    },
    flush: () => chain,
  };
}
