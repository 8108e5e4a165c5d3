// BullMQ job schedulers from the config: one per source with a `schedule`, one per SCIM target (its
// reconcile), plus the outbox delivery.
// Called at start and whenever the config file changes; any number of replicas may call it at once
// (an upsert with the same settings changes nothing, a removal of a missing scheduler is a no-op).
import type { Queue } from 'bullmq';
import type { Schedule, SeatsyncConfig } from '../src/config/types.ts';
import { SCHEDULE_TIME_ZONE } from '../src/config/values.ts';
import type { Logger } from '../src/logging.ts';
import type { NotifyQueue } from './enqueue.ts';
import type { ScheduleTickData } from './names.ts';

/** Name type `string`: scheduler ids (`source:<name>`) are not job names. */
export type ScheduleQueue = Queue<ScheduleTickData, unknown, string>;

const SOURCE_PREFIX = 'source:';
export const DELIVERY_SCHEDULER_ID = 'deliver-outbox';
/** How often pending notifications are looked at without a run asking for it (retries, restarts). */
export const DELIVERY_EVERY_MS = 30_000;

export const schedulerIdOf = (source: string): string => `${SOURCE_PREFIX}${source}`;

interface Repeat {
  readonly pattern?: string;
  /** The time zone of `pattern` (always given with it). */
  readonly tz?: string;
  readonly every?: number;
}

function repeatOf(schedule: Schedule): Repeat {
  return 'cron' in schedule ? { pattern: schedule.cron, tz: SCHEDULE_TIME_ZONE } : { every: schedule.everyMs };
}

export interface SchedulerChanges {
  readonly upserted: string[];
  readonly removed: string[];
}

interface SchedulerSet {
  /** Ids of this set start with it (`source:`, `target:`); other schedulers of the queue are left alone. */
  readonly prefix: string;
  /** Key (source or target name) → its repeat, from the config. */
  readonly wanted: ReadonlyMap<string, Repeat>;
  /** Creates or changes the scheduler `id` of `key` (the job it makes is the set's own). */
  readonly upsert: (id: string, repeat: Repeat, key: string) => Promise<unknown>;
  readonly what: string;
}

const KEPT_JOBS = { removeOnComplete: { count: 10 }, removeOnFail: { count: 50 } };

/**
 * Makes one set of schedulers of a queue match the config: new or changed ones upserted, those no
 * longer configured removed. Unchanged schedulers are left alone (their next run stays).
 */
async function syncSchedulerSet(queue: ScheduleQueue | NotifyQueue, set: SchedulerSet, logger: Logger): Promise<SchedulerChanges> {
  const existing = new Map<string, Repeat>();
  for (const s of await queue.getJobSchedulers(0, -1)) {
    const id = s.id ?? s.key;
    if (id.startsWith(set.prefix)) {
      existing.set(id, { ...(s.pattern ? { pattern: s.pattern } : {}), ...(s.tz ? { tz: s.tz } : {}), ...(s.every ? { every: s.every } : {}) });
    }
  }
  const changes: SchedulerChanges = { upserted: [], removed: [] };
  for (const [key, repeat] of set.wanted) {
    const id = `${set.prefix}${key}`;
    const current = existing.get(id);
    // A scheduler kept from before its time zone was given (read in the worker's own) is replaced too.
    if (current && current.pattern === repeat.pattern && current.tz === repeat.tz && current.every === repeat.every) continue;
    await set.upsert(id, repeat, key);
    changes.upserted.push(key);
  }
  for (const id of existing.keys()) {
    const key = id.slice(set.prefix.length);
    if (set.wanted.has(key)) continue;
    await queue.removeJobScheduler(id);
    changes.removed.push(key);
  }
  if (changes.upserted.length > 0 || changes.removed.length > 0) logger.info(changes, `${set.what} updated from the config`);
  return changes;
}

/** Makes the sources' schedulers match the config. */
export async function applySchedules(queue: ScheduleQueue, config: SeatsyncConfig, logger: Logger): Promise<SchedulerChanges> {
  const wanted = new Map(config.sources.filter((s) => s.schedule !== null).map((s) => [s.name, repeatOf(s.schedule as Schedule)]));
  const upsert = (id: string, repeat: Repeat, source: string): Promise<unknown> =>
    queue.upsertJobScheduler(id, repeat, { name: 'schedule-tick', data: { source }, opts: KEPT_JOBS });
  return syncSchedulerSet(queue, { prefix: SOURCE_PREFIX, wanted, upsert, what: 'job schedulers' }, logger);
}

/** When each scheduled source runs next (epoch ms), as the schedulers in Redis say. */
export async function nextScheduledRuns(queue: ScheduleQueue): Promise<Map<string, number>> {
  const next = new Map<string, number>();
  for (const s of await queue.getJobSchedulers(0, -1)) {
    const id = s.id ?? s.key;
    if (id.startsWith(SOURCE_PREFIX) && typeof s.next === 'number') next.set(id.slice(SOURCE_PREFIX.length), s.next);
  }
  return next;
}

/** The repeating delivery of pending notifications. */
export async function applyDeliverySchedule(queue: NotifyQueue): Promise<void> {
  const current = await queue.getJobScheduler(DELIVERY_SCHEDULER_ID);
  if (current?.every === DELIVERY_EVERY_MS) return;
  await queue.upsertJobScheduler(DELIVERY_SCHEDULER_ID, { every: DELIVERY_EVERY_MS }, {
    name: 'deliver',
    data: { reason: 'schedule' },
    opts: KEPT_JOBS,
  });
}

const TARGET_PREFIX = 'target:';

/** One reconcile scheduler per SCIM target with a `schedule` (default daily), on the notify queue. */
export async function applyTargetSchedules(queue: NotifyQueue, config: SeatsyncConfig, logger: Logger): Promise<SchedulerChanges> {
  const wanted = new Map<string, Repeat>();
  for (const t of config.targets) if (t.kind === 'scim' && t.schedule !== null) wanted.set(t.name, repeatOf(t.schedule));
  const upsert = (id: string, repeat: Repeat, target: string): Promise<unknown> =>
    queue.upsertJobScheduler(id, repeat, { name: 'reconcile-target', data: { target }, opts: KEPT_JOBS });
  return syncSchedulerSet(queue, { prefix: TARGET_PREFIX, wanted, upsert, what: 'target reconcile schedulers' }, logger);
}
