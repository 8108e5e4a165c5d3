// How a sync job is shown to people (`GET /api/v1/syncs/{id}`, `seatsync resync --wait`): its state,
// progress and result, without BullMQ's internals.
import type { Job } from 'bullmq';
import type { SyncQueue } from './enqueue.ts';
import type { SyncJobData, SyncJobProgress, SyncJobResult } from './names.ts';

export type SyncJobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'unknown';

export interface SyncJobView {
  readonly id: string;
  readonly state: SyncJobState;
  /** Empty: every configured source. */
  readonly sources: readonly string[];
  readonly trigger: string;
  readonly dryRun: boolean;
  readonly allowRemovals: boolean;
  /** The job's last progress report, without the result it carries at the end (that is `result`). */
  readonly progress: Omit<SyncJobProgress, 'result'> | null;
  /** The SPEC `sync --json` document once the job ended (also for a job that failed after its runs). */
  readonly result: SyncJobResult | null;
  readonly error: string | null;
  readonly attemptsMade: number;
  /** Attempts the job gets before it fails for good. */
  readonly attempts: number;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

type SyncJob = Job<SyncJobData, SyncJobResult, 'sync'>;

function stateOf(raw: string): SyncJobState {
  if (raw === 'waiting' || raw === 'prioritized' || raw === 'waiting-children') return 'waiting';
  if (raw === 'active' || raw === 'delayed' || raw === 'completed' || raw === 'failed') return raw;
  return 'unknown';
}

const iso = (ms: number | undefined): string | null => (ms ? new Date(ms).toISOString() : null);

/** The job's progress report, split: what it shows, and the result a job that failed after its runs left in it. */
function progressOf(job: SyncJob): { progress: Omit<SyncJobProgress, 'result'> | null; result: SyncJobResult | null } {
  const p = job.progress as unknown;
  if (!(p && typeof p === 'object' && 'phase' in p)) return { progress: null, result: null };
  const { result, ...progress } = p as SyncJobProgress;
  return { progress, result: result ?? null };
}

/** `rawState` must be read before the job's hash, so the data is at least as new as the state. */
function viewOf(job: SyncJob, rawState: string): SyncJobView {
  const state = stateOf(rawState);
  const { progress, result } = progressOf(job);
  const finished = state === 'completed' || state === 'failed';
  return {
    id: job.id ?? '',
    state,
    sources: job.data.sources,
    trigger: job.data.trigger,
    dryRun: job.data.dryRun,
    allowRemovals: job.data.allowRemovals,
    progress,
    result: state === 'completed' ? job.returnvalue : result,
    // Also set while a failed attempt waits for its retry.
    error: job.failedReason || null,
    attemptsMade: job.attemptsMade,
    attempts: job.opts.attempts ?? 1,
    createdAt: new Date(job.timestamp).toISOString(),
    startedAt: iso(job.processedOn),
    finishedAt: finished ? iso(job.finishedOn) : null,
  };
}

export async function findSyncJob(queue: SyncQueue, id: string): Promise<SyncJobView | null> {
  const state = await queue.getJobState(id);
  const job = (await queue.getJob(id)) as SyncJob | undefined;
  return job ? viewOf(job, state) : null;
}

/** Newest jobs first, from every state. */
export async function recentSyncJobs(queue: SyncQueue, limit: number): Promise<SyncJobView[]> {
  const jobs = (await queue.getJobs(['active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed'], 0, limit - 1, false)) as SyncJob[];
  const views = await Promise.all(jobs.filter(Boolean).map(async (job) => viewOf(job, await job.getState())));
  return views.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
}
