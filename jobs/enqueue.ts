// Adding jobs: one place that decides job ids, coalescing, retries and retention, used by the worker
// (schedules, config changes), `seatsync resync` and the HTTP API alike.
import { randomUUID } from 'node:crypto';
import type { JobsOptions, Queue } from 'bullmq';
import type { DeliverJobData, ReconcileTargetData, SyncJobData, SyncJobResult } from './names.ts';

export type SyncQueue = Queue<SyncJobData, SyncJobResult, 'sync'>;
/** Name type `string`: the queue also holds the delivery job scheduler, whose id is not a job name. */
export type NotifyQueue = Queue<DeliverJobData | ReconcileTargetData, unknown, string>;

/** Attempts of a sync job before it is failed for good (transient errors: directory or database away). */
export const SYNC_ATTEMPTS = 5;

const DAY_SECONDS = 86_400;

const SYNC_JOB_OPTIONS: JobsOptions = {
  attempts: SYNC_ATTEMPTS,
  // 15 s, 30 s, 60 s, 120 s: long enough for a domain controller or PostgreSQL to restart.
  backoff: { type: 'exponential', delay: 15_000 },
  // Finished jobs stay readable (`GET /api/v1/syncs/{id}`, `resync --wait`) for a week.
  removeOnComplete: { age: 7 * DAY_SECONDS, count: 1_000 },
  removeOnFail: { age: 30 * DAY_SECONDS, count: 1_000 },
};

/**
 * Jobs asking for the same work share one key: the same sources (order kept, empty = all) and options.
 * While a job with that key waits, adding another returns the waiting one (BullMQ deduplication).
 * The sync handler releases the key when the job starts running, so one more may queue behind it.
 */
export function syncDedupId(data: SyncJobData): string {
  const sources = data.sources.length > 0 ? data.sources.join(',') : '*';
  const mode = [data.dryRun ? 'dry' : 'apply', data.allowRemovals ? 'allow-removals' : '', data.forceFull ? 'full' : '']
    .filter(Boolean)
    .join('+');
  return `sync:${sources}:${mode}`;
}

export interface EnqueuedSync {
  readonly id: string;
  /** True when the request joined a job that was already queued. */
  readonly coalesced: boolean;
}

export async function enqueueSync(queue: SyncQueue, data: SyncJobData): Promise<EnqueuedSync> {
  // Our own id (not BullMQ's counter) tells whether the add was coalesced, and is not guessable.
  const jobId = randomUUID();
  const job = await queue.add('sync', data, { ...SYNC_JOB_OPTIONS, jobId, deduplication: { id: syncDedupId(data) } });
  const id = job.id ?? jobId;
  return { id, coalesced: id !== jobId };
}

/** Asks for an outbox delivery soon; requests made while one waits are coalesced. */
export async function enqueueDelivery(queue: NotifyQueue, reason: DeliverJobData['reason']): Promise<void> {
  await queue.add('deliver', { reason }, {
    deduplication: { id: 'deliver' },
    attempts: 3,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { count: 100 },
    removeOnFail: { count: 100 },
  });
}

/** True for ids `enqueueSync` hands out (so the API can tell job ids from run ids). */
export function isSyncJobId(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
