// The queues of one deployment, under `redis.prefix`, sharing one Redis connection.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/logging.ts';
import type { NotifyQueue, SyncQueue } from './enqueue.ts';
import { QUEUE } from './names.ts';
import type { ScheduleQueue } from './schedulers.ts';

export interface Queues {
  readonly sync: SyncQueue;
  readonly schedule: ScheduleQueue;
  readonly notify: NotifyQueue;
  close(): Promise<void>;
}

export function openQueues(connection: Redis, options: { prefix: string; logger: Logger }): Queues {
  const common = { connection, prefix: options.prefix };
  const sync: SyncQueue = new Queue(QUEUE.sync, common);
  const schedule: ScheduleQueue = new Queue(QUEUE.schedule, common);
  const notify: NotifyQueue = new Queue(QUEUE.notify, common);
  const all = [sync, schedule, notify] as const;
  for (const queue of all) queue.on('error', (error) => options.logger.warn({ err: error, queue: queue.name }, 'queue error'));
  return {
    sync,
    schedule,
    notify,
    async close() {
      const results = await Promise.allSettled(all.map((q) => q.close()));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/** Only the sync queue, for `seatsync resync`. */
export function openSyncQueue(connection: Redis, prefix: string): SyncQueue {
  return new Queue(QUEUE.sync, { connection, prefix });
}
