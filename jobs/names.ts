// Every queue and job of seatsync, with its payload type: one closed map. Payloads hold names and
// options only, never secrets (SPEC §8): they live in Redis, readable by anyone who can read Redis.
import type { SyncJson } from '../src/sync/report.ts';


/** Queue names (BullMQ keys are `<redis.prefix>:<queue>:…`). */
export const QUEUE = {
  /** Sync runs; at most one per source at a time (see `source-lock.ts`). */
  sync: 'sync',
  /** Ticks of the per-source job schedulers; each tick enqueues a coalesced sync. */
  schedule: 'schedule',
  /** Delivery of outbox rows (emails, targets) and the targets' scheduled reconciles. */
  notify: 'notify',
} as const;

export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export interface SyncJobData {
  /** Sources to sync, in order; empty: every configured source (as the config says when the job runs). */
  readonly sources: readonly string[];
  readonly dryRun: boolean;
  readonly allowRemovals: boolean;
  /** Read the whole directory even when an incremental read is possible. */
  readonly forceFull: boolean;
  /** Who asked: `schedule`, `cli`, `api:<token name>`, `config`. Written to the run record. */
  readonly trigger: string;
}

export interface ScheduleTickData {
  readonly source: string;
}

export interface DeliverJobData {
  /** Why delivery was asked for (logs only). */
  readonly reason: 'schedule' | 'after-run' | 'start';
}

export interface ReconcileTargetData {
  /** The SCIM target to reconcile (as the config names it when the job runs). */
  readonly target: string;
}

/** Job name → payload. A job name belongs to exactly one queue (`JOB_QUEUE`). */
export interface JobPayloads {
  sync: SyncJobData;
  'schedule-tick': ScheduleTickData;
  deliver: DeliverJobData;
  'reconcile-target': ReconcileTargetData;
}

export type JobName = keyof JobPayloads;

export const JOB_QUEUE = {
  sync: QUEUE.sync,
  'schedule-tick': QUEUE.schedule,
  deliver: QUEUE.notify,
  'reconcile-target': QUEUE.notify,
} as const satisfies { readonly [N in JobName]: QueueName };

/** The result of a sync job: the SPEC §5 `sync --json` shape. */
export type SyncJobResult = SyncJson;

/** Progress a sync job reports while it runs; `result` is set once it ended (also when it failed). */
export interface SyncJobProgress {
  readonly phase: 'waiting-for-source' | 'read' | 'apply' | 'done';
  /** Source being synced. */
  readonly source: string | null;
  /** Users read so far from that source. */
  readonly read: number;
  readonly result?: SyncJobResult;
}
