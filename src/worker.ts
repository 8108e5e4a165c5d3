// Composition root of `seatsync run`: the database, Redis, the queues and their workers, the job
// schedulers, the config watch and the HTTP server, built here and handed to the parts that use them.
// `stop()` closes them in reverse order, every step running even when an earlier one fails.
import { hostname } from 'node:os';
import type { Processor } from 'bullmq';
import { watchConfig, type ConfigWatch } from '../jobs/config-watch.ts';
import { createDeliverJobHandler } from '../jobs/deliver.job.ts';
import { enqueueDelivery, enqueueSync } from '../jobs/enqueue.ts';
import { openQueues, type Queues } from '../jobs/queues.ts';
import { closeRedis, connectRedis, warnUnlessNoEviction } from '../jobs/redis.ts';
import { createScheduleTickHandler } from '../jobs/schedule-tick.job.ts';
import { applyDeliverySchedule, applySchedules, applyTargetSchedules, nextScheduledRuns } from '../jobs/schedulers.ts';
import { createReconcileJobHandler } from '../jobs/reconcile-target.job.ts';
import { SourceLocks } from '../jobs/source-lock.ts';
import { createSyncJobHandler } from '../jobs/sync.job.ts';
import { startJobWorkers } from '../jobs/workers.ts';
import { loadConfig } from './config/index.ts';
import { followConfig } from './notify/delivery-channels.ts';
import { runHooksFor } from './run-hooks.ts';
import type { SeatsyncConfig } from './config/types.ts';
import { createMetrics } from './http/metrics.ts';
import { REDIS_DEADLINE_MS } from './http/redis-deadline.ts';
import { createHttpServer } from './http/server.ts';
import { sourceLogger, type Logger } from './logging.ts';
import { connectionsFor, type Database } from './store/db.ts';
import { storeOf, type Repositories } from './store/repositories.ts';
import { seatSettingsChanged, storedSeatSettings } from './sync/reconcile.ts';
import { poolViews, schedulesOf, sourceSchedules, targetViews } from './sync/status.ts';

export interface StartWorkerOptions {
  readonly config: SeatsyncConfig;
  readonly logger: Logger;
  /** `open(connections)`: a pool of that many connections, enough for every sync job at once (see `connectionsFor`). */
  readonly database: { open(connections: number): Promise<Database>; close(): Promise<void> };
  /** Sync jobs run at once by this process (different sources). Default 2; 1 on embedded PGlite (one connection). */
  readonly concurrency?: number;
  /** After SIGTERM, how long running jobs may take to finish before they are aborted and requeued (default 20000 ms). */
  readonly shutdownTimeoutMs?: number;
  /** Re-read the config file this often even without file events (default 60000 ms). */
  readonly configPollMs?: number;
}

export interface RunningWorker {
  /** Where the HTTP server listens, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  stop(): Promise<void>;
}

class Closers {
  readonly #steps: { name: string; close: () => Promise<void> | void }[] = [];
  readonly #logger: Logger;
  constructor(logger: Logger) {
    this.#logger = logger;
  }
  add(name: string, close: () => Promise<void> | void): void {
    this.#steps.push({ name, close });
  }
  /** Closes in reverse order of opening; a failing step is logged and the next one still runs. */
  async closeAll(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step.close();
      } catch (error) {
        this.#logger.error({ err: error, step: step.name }, 'shutdown step failed');
      }
    }
  }
}

export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { config, logger } = options;
  const closers = new Closers(logger);
  let ready = false;
  try {
    const db = await options.database.open(connectionsFor(options.concurrency ?? DEFAULT_SYNC_JOBS));
    closers.add('database', () => options.database.close());
    // The repositories of the pool, built once: the API, metrics, notifications and jobs use them.
    const store = storeOf(db);
    const redis = await connectRedis(config.redis.url, { name: `seatsync:${hostname()}:${process.pid}` });
    closers.add('redis', () => closeRedis(redis));
    await warnUnlessNoEviction(redis, logger);
    const locks = new SourceLocks(redis, { prefix: config.redis.prefix });
    await failInterruptedRunsOf({ repos: store, config, logger });
    const queues = openQueues(redis, { prefix: config.redis.prefix, logger });
    closers.add('queues', () => queues.close());

    let watch: ConfigWatch | null = null;
    const current = (): SeatsyncConfig => watch?.current() ?? config;
    const metrics = createMetrics({
      snapshot: async () => {
        const names = current().sources.map((s) => s.name);
        const health = await store.runs.health(names);
        return {
          pools: await poolViews(store, current()),
          outbox: await store.outbox.counts(),
          sources: names.flatMap((name) => health.get(name) ?? []),
          ...(await sourceSchedules(store, current(), new Date())),
          targets: await targetViews(store, current()),
          frozen: new Map([...(await store.seats.frozenCounts(names))].map(([source, count]) => [source, count.accounts])),
        };
      },
    });
    // Emails and targets hear of a run in its transaction (src/notify, src/targets).
    const notifierFor = (c: SeatsyncConfig) => runHooksFor(c, store.outbox);
    // The API queues and reads sync jobs on a connection of its own that fails fast: while Redis is away a
    // request answers 503 instead of waiting, and a request answered 503 is never queued later.
    const apiRedis = await connectRedis(config.redis.url, { name: `seatsync:${hostname()}:${process.pid}:api`, failFastAfterMs: REDIS_DEADLINE_MS });
    closers.add('api redis', () => closeRedis(apiRedis));
    // The schedulers' next runs are read there too, so a console page never queues commands on the worker's connection.
    const apiQueues = openQueues(apiRedis, { prefix: config.redis.prefix, logger: logger.child({ connection: 'api' }) });
    closers.add('api queues', () => apiQueues.close());
    const app = await createHttpServer({
      config: current, db, repos: store, redis, syncQueue: apiQueues.sync, metrics, logger, ready: () => ready, notifierFor,
      nextScheduledRuns: () => nextScheduledRuns(apiQueues.schedule),
    });
    closers.add('http', () => app.close());
    const url = await app.listen({ host: config.http.host, port: config.http.port });

    await applySourceSchedules({ queues, store, config, logger });
    await applyTargetSchedules(queues.notify, config, logger);
    await applyDeliverySchedule(queues.notify);
    // Redis restarted (or failed over) and the connection is back: its job schedulers may be gone with
    // its data (a Redis that keeps nothing on disk), so they are put back. Upserts: harmless otherwise.
    const onReconnect = (): void => {
      void (async () => {
        await applySchedules(queues.schedule, current(), logger);
        await applyTargetSchedules(queues.notify, current(), logger);
        await applyDeliverySchedule(queues.notify);
        logger.warn('Redis connection back: job schedulers put back');
      })().catch((error: unknown) => logger.error({ err: error }, 'Redis connection back, but the job schedulers could not be put back'));
    };
    redis.on('ready', onReconnect);
    closers.add('reconnect watch', () => {
      redis.off('ready', onReconnect);
    });
    // Before the job workers: sync jobs take their config from it (the last good one, re-read first).
    const w = watchConfig(config, {
      path: config.path,
      load: () => loadConfig({ path: config.path }),
      onChange: (next, previous) => applyConfigChange({ next, previous, queues, store, logger }),
      onReload: (result) => metrics.observeConfigReload(result),
      logger,
      ...(options.configPollMs !== undefined ? { pollMs: options.configPollMs } : {}),
    });
    watch = w;
    closers.add('config watch', () => w.close());
    await applyChangeSinceLastAllocation({ store, config, queues, logger });
    // The mail transport and targets live as long as the config (connections, tokens), closed after the workers.
    const channels = followConfig(current, logger);
    closers.add('delivery channels', () => channels.close());
    const handlers = {
      sync: createSyncJobHandler({
        config: () => w.latest(),
        db: async () => db,
        logger,
        locks,
        notifierFor,
        onRun: (run) => metrics.observeRun(run),
        afterApply: () => enqueueDelivery(queues.notify, 'after-run'),
      }) as Processor,
      scheduleTick: createScheduleTickHandler({ syncQueue: queues.sync, config: current, logger }) as Processor,
      deliver: createDeliverJobHandler({ channels, outbox: store.outbox, logger }) as Processor,
      reconcile: createReconcileJobHandler({ config: current, channels, store, logger }) as Processor,
    };
    const workers = startJobWorkers(handlers, {
      connection: redis,
      prefix: config.redis.prefix,
      logger,
      syncConcurrency: options.concurrency ?? (db.kind === 'pglite' ? 1 : DEFAULT_SYNC_JOBS),
    });
    closers.add('workers', () => workers.close({ timeoutMs: options.shutdownTimeoutMs ?? 20_000 }));

    await enqueueDelivery(queues.notify, 'start');
    ready = true;
    logger.info({ url, sources: config.sources.map((s) => s.name), prefix: config.redis.prefix, database: db.kind }, 'seatsync worker started');
    return {
      url,
      async stop() {
        ready = false;
        logger.info('stopping: no new jobs are taken; running jobs may finish');
        await closers.closeAll();
        logger.info('stopped');
      },
    };
  } catch (error) {
    await closers.closeAll();
    throw error;
  }
}

/** Sync jobs a worker on PostgreSQL runs at once unless told (`--concurrency`). */
const DEFAULT_SYNC_JOBS = 2;


/**
 * The sources' job schedulers set from `config`, then recorded as scheduled (run-store.ts
 * `recordSchedules`): a source's overdue time counts from when a worker first scheduled its current
 * schedule, never from a status or a metrics scrape, which only read.
 */
async function applySourceSchedules(options: { queues: Queues; store: Repositories; config: SeatsyncConfig; logger: Logger }): Promise<void> {
  await applySchedules(options.queues.schedule, options.config, options.logger);
  await options.store.runs.recordSchedules(schedulesOf(options.config), new Date());
}

/** Runs left `running` by a process or a database that stopped mid-run are marked failed at start. */
async function failInterruptedRunsOf(deps: { repos: Repositories; config: SeatsyncConfig; logger: Logger }): Promise<void> {
  for (const source of deps.config.sources) {
    const count = await deps.repos.runs.failInterrupted({ source: source.name });
    if (count > 0) sourceLogger(deps.logger, source.name).warn({ count }, 'runs interrupted by a stopped process or database were marked failed (nothing of them was applied)');
  }
}

const restartOnlyOf = (c: SeatsyncConfig): string => JSON.stringify([c.database, c.dataDir, c.redis, c.http.host, c.http.port]);

/** The seat settings (`seatSettingsChanged`), as the log names them. */
const SEAT_SETTINGS = "pools' seats, profiles' order, when rules or pools, policy.graceDays or policy.protect";

/**
 * A new config: schedulers follow it; a change of the seat settings (`seatSettingsChanged`) is applied at
 * once by a sync of every source (trigger `config`) rather than at the next scheduled run. A change of the
 * mapping rules makes that run read every user (the run compares them with its cursor's; sync-source.ts).
 * The settings compared with the new config's are those the seats were decided under (`seatsDecidedOtherwise`),
 * not `previous`'s: when applying a change failed, sync jobs ran under it meanwhile, and the file then went
 * back to `previous`, the watch applies `previous` again with `previous` (config-watch.ts), and the seats
 * those runs decided are still a change to apply. Safe to run again: one that fails part way is run again,
 * whole, by the watch at its next re-read; schedulers are upserted (and the others removed), schedules
 * recorded only when they differ, and the sync is coalesced with one still waiting.
 */
async function applyConfigChange(options: { next: SeatsyncConfig; previous: SeatsyncConfig; queues: Queues; store: Repositories; logger: Logger }): Promise<void> {
  const { next, previous, queues, logger } = options;
  await applySourceSchedules({ queues, store: options.store, config: next, logger });
  await applyTargetSchedules(queues.notify, next, logger);
  if (await seatsDecidedOtherwise(options.store, next)) await queueConfigSync(queues, logger, `the seat settings changed (${SEAT_SETTINGS})`);
  if (restartOnlyOf(next) !== restartOnlyOf(previous)) {
    logger.warn('database, dataDir, redis or http.host/port changed: these take effect when seatsync run restarts');
  }
}

/**
 * At start: seats decided under other seat settings than the loaded config's (any change the watch would
 * have applied, made while no worker ran) are applied the way the watch applies a change, by the same test
 * (`seatsDecidedOtherwise`). Replicas starting together queue one sync (coalesced) or two; seat decisions
 * are serialized, and a second run finds the allocation current and changes nothing (SPEC rule 11).
 */
async function applyChangeSinceLastAllocation(options: { store: Repositories; config: SeatsyncConfig; queues: Queues; logger: Logger }): Promise<void> {
  if (!(await seatsDecidedOtherwise(options.store, options.config))) return;
  await queueConfigSync(options.queues, options.logger, `the seats were decided under other seat settings (${SEAT_SETTINGS})`);
}

/**
 * Whether the stored seats were decided under other seat settings than `config`'s: the same
 * `seatSettingsChanged`, against the settings the last allocation and each source's last applied run
 * recorded (`storedSeatSettings`); false before any allocation (the first sync decides the seats). A
 * source's own mapping rules count, so a run of another source alone (`sync --source`) does not hide a
 * change of them. Accounts the last allocation left as they were (unreadable entries) are not a change of
 * settings. A held or failed run rolls back and saves no mapping rules: those recorded stay the ones its
 * users are mapped under, so the change it did not apply is found again, start after start.
 */
async function seatsDecidedOtherwise(store: Repositories, config: SeatsyncConfig): Promise<boolean> {
  const stored = await storedSeatSettings(store, config);
  return stored !== null && seatSettingsChanged(stored, config);
}

/** How a change of seat settings applies at once rather than at the next scheduled run: a sync of every source, trigger `config`. */
async function queueConfigSync(queues: Queues, logger: Logger, why: string): Promise<void> {
  const enqueued = await enqueueSync(queues.sync, { sources: [], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'config' });
  logger.info({ jobId: enqueued.id, coalesced: enqueued.coalesced }, `${why}: a sync of every source was queued`);
}
