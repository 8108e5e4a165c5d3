// The BullMQ workers of `seatsync run`, and how they stop: stop taking jobs, give the running ones
// `timeoutMs` to finish, then abort them (a sync job goes back to the queue untouched), and as a last
// resort drop them (the process is about to exit; an open transaction rolls back with its connection).
import { Worker, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import { isAlreadyLogged, type Logger } from '../src/logging.ts';
import { QUEUE, type QueueName } from './names.ts';

export interface JobHandlers {
  readonly sync: Processor;
  readonly scheduleTick: Processor;
  readonly deliver: Processor;
  /** `reconcile-target` jobs, which share the notify queue with the deliveries. */
  readonly reconcile: Processor;
}

export interface JobWorkersOptions {
  readonly connection: Redis;
  readonly prefix: string;
  readonly logger: Logger;
  /** Sync jobs this process runs at once. */
  readonly syncConcurrency: number;
}

export interface JobWorkers {
  close(options: { timeoutMs: number }): Promise<void>;
}

/** After the abort, how long the handlers get to give their jobs back before the workers are dropped. */
const ABORT_GRACE_MS = 10_000;
/** After dropping the workers, how long their close may still take before shutdown goes on without it. */
const DROP_WAIT_MS = 2_000;

export function startJobWorkers(handlers: JobHandlers, options: JobWorkersOptions): JobWorkers {
  let running = 0;
  const counted = (processor: Processor): Processor => async (job, token, signal) => {
    running += 1;
    try {
      return await processor(job, token, signal);
    } finally {
      running -= 1;
    }
  };
  const make = (queue: QueueName, processor: Processor, concurrency: number): Worker => {
    const worker = new Worker(queue, counted(processor), { connection: options.connection, prefix: options.prefix, concurrency });
    const log = options.logger.child({ queue });
    worker.on('error', (error) => log.error({ err: error }, 'worker error'));
    worker.on('failed', (job: Job | undefined, error) => {
      const attempt = { jobId: job?.id, attemptsMade: job?.attemptsMade };
      // A sync job's runs logged why they failed (one line each): this line only says the job ended so.
      if (isAlreadyLogged(error)) log.info(attempt, 'job failed: its runs failed (logged above)');
      else log.warn({ ...attempt, err: error }, 'job failed');
    });
    return worker;
  };
  const workers = [
    make(QUEUE.sync, handlers.sync, options.syncConcurrency),
    make(QUEUE.schedule, handlers.scheduleTick, 1),
    // One worker for the queue: a reconcile and a delivery pass never run at once in this process.
    make(QUEUE.notify, (job, token, signal) => (job.name === 'reconcile-target' ? handlers.reconcile : handlers.deliver)(job, token, signal), 1),
  ];
  return {
    async close({ timeoutMs }) {
      if (options.connection.status !== 'ready' && running === 0) {
        // Nothing to finish and nobody to tell: a graceful close would wait for Redis to come back.
        options.logger.warn({ redis: options.connection.status }, 'Redis is not reachable and no job is running: the workers stop without waiting for it');
        await Promise.allSettled(workers.map((w) => w.close(true)));
        return;
      }
      const abort = setTimeout(() => {
        options.logger.warn({ timeoutMs }, 'running jobs did not finish in time; aborting them (they go back to the queue)');
        for (const w of workers) w.cancelAllJobs('shutdown');
      }, timeoutMs);
      let stopWaiting: () => void = () => undefined;
      const dropped = new Promise<'dropped'>((resolve) => (stopWaiting = () => resolve('dropped')));
      let lastWait: NodeJS.Timeout | undefined;
      const drop = setTimeout(() => {
        options.logger.error('jobs did not stop after the abort; dropping them');
        for (const w of workers) void w.close(true);
        // A close that needs Redis (a job reporting its end) never ends while Redis is away.
        lastWait = setTimeout(stopWaiting, DROP_WAIT_MS);
      }, timeoutMs + ABORT_GRACE_MS);
      try {
        const closed = Promise.allSettled(workers.map((w) => w.close()));
        const results = await Promise.race([closed, dropped]);
        if (results === 'dropped') {
          options.logger.error({ redis: options.connection.status }, 'the workers did not close after being dropped; stopping without them');
          return;
        }
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
      } finally {
        clearTimeout(abort);
        clearTimeout(drop);
        clearTimeout(lastWait);
      }
    },
  };
}
