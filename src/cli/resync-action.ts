// The action of `seatsync resync` (see resync-command.ts): loaded only when the command runs, so other
// commands don't load BullMQ and ioredis.
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { enqueueSync, type SyncQueue } from '../../jobs/enqueue.ts';
import { findSyncJob, type SyncJobView } from '../../jobs/job-view.ts';
import { QUEUE, type SyncJobProgress, type SyncJobResult } from '../../jobs/names.ts';
import { openSyncQueue } from '../../jobs/queues.ts';
import { closeRedis, connectRedis } from '../../jobs/redis.ts';
import { syncProgressText } from '../domain/sync-progress.ts';
import type { CommandContext } from './context.ts';
import { EXIT, requireConfigured, UsageError, type ExitCode } from './exit-codes.ts';
import { heldText, runsTable, table, type Output } from './output.ts';
import type { ResyncFlags } from './resync-command.ts';
import { secondsOption } from './option-values.ts';


/** Events make progress prompt; this poll covers events missed while connecting. */
const POLL_MS = 1_000;
/** `--wait` gives up after this long when no worker is connected to take the job (`--start-timeout`). */
const DEFAULT_START_TIMEOUT_MS = 30_000;

export async function resyncCommand(ctx: CommandContext, out: Output, flags: ResyncFlags): Promise<ExitCode> {
  const configured = ctx.config.sources.map((s) => s.name);
  requireConfigured('source', flags.source, configured);
  // Read before anything is queued: a bad value stops the command with nothing changed.
  if (!flags.wait && (flags.timeout !== undefined || flags.startTimeout !== undefined)) {
    throw new UsageError('--timeout and --start-timeout say how long --wait waits: add --wait');
  }
  const timeoutMs = flags.timeout === undefined ? null : secondsOption('--timeout', flags.timeout, { zero: false });
  const startTimeoutMs = flags.startTimeout === undefined ? DEFAULT_START_TIMEOUT_MS : secondsOption('--start-timeout', flags.startTimeout, { zero: false });
  const redis = await connectRedis(ctx.config.redis.url, { name: 'seatsync:resync' });
  const queue = openSyncQueue(redis, ctx.config.redis.prefix);
  try {
    const enqueued = await enqueueSync(queue, {
      sources: flags.source,
      dryRun: Boolean(flags.dryRun),
      allowRemovals: Boolean(flags.allowRemovals),
      forceFull: Boolean(flags.full),
      trigger: 'cli',
    });
    const sources = flags.source.length > 0 ? flags.source : configured;
    if ((await queue.getWorkersCount()) === 0) {
      process.stderr.write(`warning: no seatsync worker is connected to Redis with prefix "${ctx.config.redis.prefix}"; the sync runs when one starts\n`);
    }
    if (!flags.wait) {
      if (flags.json) out.json({ jobs: [{ id: enqueued.id, sources, coalesced: enqueued.coalesced }] });
      else out.line(`${enqueued.coalesced ? 'joined the sync already queued' : 'queued sync'} ${enqueued.id} (${sources.join(', ')})`);
      return EXIT.ok;
    }
    if (enqueued.coalesced && !flags.json) out.line(`joined the sync already queued: ${enqueued.id}`);
    const view = await follow({ queue, redis, prefix: ctx.config.redis.prefix, jobId: enqueued.id, dryRun: Boolean(flags.dryRun), out, timeoutMs, startTimeoutMs });
    out.endProgress();
    return report(out, view, flags);
  } finally {
    await queue.close().catch(() => undefined);
    await closeRedis(redis);
  }
}

interface FollowOptions {
  readonly queue: SyncQueue;
  readonly redis: Redis;
  readonly prefix: string;
  readonly jobId: string;
  /** The job only plans (its progress must not read as applying). */
  readonly dryRun: boolean;
  readonly out: Output;
  readonly timeoutMs: number | null;
  /** Give up when no worker has started the job this long and none is connected. */
  readonly startTimeoutMs: number;
}

async function follow(options: FollowOptions): Promise<SyncJobView> {
  const { queue, jobId, out } = options;
  const connection = options.redis.duplicate();
  const events = new QueueEvents(QUEUE.sync, { connection, prefix: options.prefix });
  let wake: () => void = () => undefined;
  const attempts = attemptReporter(out);
  const onEvent = (args: { jobId: string; data?: unknown }): void => {
    if (args.jobId !== jobId) return;
    if (args.data && typeof args.data === 'object' && 'phase' in args.data) out.progress(syncProgressText(args.data as SyncJobProgress, options));
    wake();
  };
  events.on('progress', onEvent);
  events.on('completed', onEvent);
  events.on('failed', onEvent);
  events.on('waiting', onEvent);
  // A failed attempt that will be retried is moved to `delayed`; the event says when it is due.
  events.on('delayed', (args: { jobId: string; delay: number | string }) => {
    if (args.jobId !== jobId) return;
    attempts.retryAt(Number(args.delay));
    wake();
  });
  const deadline = options.timeoutMs === null ? null : Date.now() + options.timeoutMs;
  const startDeadline = Date.now() + options.startTimeoutMs;
  try {
    await events.waitUntilReady();
    for (;;) {
      const view = await findSyncJob(queue, jobId);
      if (!view) throw new Error(`sync job ${jobId} no longer exists (removed from Redis?)`);
      if (view.state === 'completed' || view.state === 'failed') return view;
      attempts.observe(view);
      out.progress(view.progress ? syncProgressText(view.progress, options) : view.state === 'delayed' ? `retrying after: ${view.error ?? 'an error'}` : 'queued; waiting for a worker…');
      if (deadline !== null && Date.now() >= deadline) {
        out.endProgress();
        throw new Error(`sync job ${jobId} is still ${view.state}; stopped waiting (it goes on: GET /api/v1/syncs/${jobId})`);
      }
      if (view.startedAt === null && Date.now() >= startDeadline && (await queue.getWorkersCount()) === 0) {
        out.endProgress();
        throw new NoWorkerError(
          `no seatsync worker picked up sync job ${jobId} within ${Math.round(options.startTimeoutMs / 1000)} s: none is connected to Redis ` +
            `with prefix "${options.prefix}". The job stays queued and runs when a worker starts (seatsync run); ` +
            'to sync now without a worker, run seatsync sync.',
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    await events.close().catch(() => undefined);
    connection.disconnect();
  }
}

export class NoWorkerError extends Error {
  readonly code = 'no-worker';
  constructor(message: string) {
    super(message);
    this.name = 'NoWorkerError';
  }
}

/**
 * Prints each failed attempt once, on stderr, as it happens: its error and when the next one is due.
 * The `delayed` event carries the due time; a poll may see the failed attempt first, so a line waits one
 * poll for its event (and is printed without the time if the event never comes).
 */
function attemptReporter(out: Output): { observe(view: SyncJobView): void; retryAt(at: number): void } {
  let printed = 0;
  let waitingFor: number | null = null;
  let dueAt: number | null = null;
  return {
    retryAt(at) {
      dueAt = Number.isFinite(at) ? at : null;
    },
    observe(view) {
      if (view.attemptsMade <= printed || view.error === null) return;
      if (dueAt === null && waitingFor !== view.attemptsMade) {
        waitingFor = view.attemptsMade;
        return;
      }
      const next = dueAt === null ? 'retrying soon' : `next retry at ${new Date(dueAt).toISOString()} (in ${Math.max(0, Math.round((dueAt - Date.now()) / 1000))} s)`;
      out.endProgress();
      process.stderr.write(`attempt ${view.attemptsMade} of ${view.attempts} failed: ${view.error}; ${next}\n`);
      printed = view.attemptsMade;
      waitingFor = null;
      dueAt = null;
    },
  };
}

function exitCodeOf(result: SyncJobResult | null): ExitCode {
  if (!result || result.runs.some((r) => r.status === 'failed')) return EXIT.failure;
  return result.runs.some((r) => r.status === 'held') ? EXIT.held : EXIT.ok;
}

function report(out: Output, view: SyncJobView, flags: ResyncFlags): ExitCode {
  const result = view.result;
  if (view.state === 'failed') process.stderr.write(`error: sync job ${view.id} failed: ${view.error ?? 'unknown error'}\n`);
  if (flags.json) {
    out.json(result ?? { runs: [], pools: [] });
  } else if (result) {
    out.line(runsTable(result.runs));
    for (const r of result.runs.filter((run) => run.status === 'held')) {
      out.line(heldText(r.source, r.held, 'resync'));
    }
    out.line('');
    out.line(table(['pool', 'seats', 'used', 'available', 'waiting'], result.pools.map((p) => [p.name, p.seats, p.used, p.available, p.waiting])));
  }
  return view.state === 'failed' ? EXIT.failure : exitCodeOf(result);
}
