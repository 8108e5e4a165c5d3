// `POST /api/v1/syncs` (queue a sync through Redis, coalesced with a queued one of the same work),
// `GET /api/v1/syncs/{id}` (a job: state, progress, result; or a run record by its numeric id) and
// `GET /api/v1/syncs` (recent jobs and runs). Jobs and runs carry `kind`, so a client (and the
// document's `oneOf`) can tell them apart. Redis calls answer 503 within about 2 s when Redis is away.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { enqueueSync, isSyncJobId } from '../../jobs/enqueue.ts';
import { findSyncJob, recentSyncJobs, type SyncJobView } from '../../jobs/job-view.ts';
import { scrubKnownSecrets } from '../config/secrets.ts';
import type { RunRecord } from '../store/repositories.ts';
import { defineRoute } from './api-route.ts';
import { callerOf } from './auth.ts';
import { ApiError, requireConfigured } from './errors.ts';
import { takeBackJob, withRedis } from './redis-deadline.ts';
import type { HttpDeps } from './server.ts';

interface SyncBody {
  readonly source?: string;
  readonly dryRun: boolean;
  readonly allowRemovals: boolean;
  readonly full: boolean;
}

// Errors are a library's words and may quote a connection URL: scrubbed of the config's secrets.
const jobOut = (job: SyncJobView): SyncJobView & { kind: 'job' } => ({ kind: 'job', ...job, error: job.error && scrubKnownSecrets(job.error) });
const runOut = (run: RunRecord): RunRecord & { kind: 'run' } => ({ kind: 'run', ...run, error: run.error && scrubKnownSecrets(run.error) });

export function registerSyncRoutes(api: FastifyInstance, deps: HttpDeps): void {
  defineRoute<{ Body: SyncBody }>(
    api,
    'requestSync',
    async (request, reply) => {
      const { source, dryRun, allowRemovals, full } = request.body;
      const configured = deps.config().sources.map((s) => s.name);
      requireConfigured('source', source, configured);
      const sources = source === undefined ? [] : [source];
      const trigger = `api:${callerOf(request).name}`;
      // Our own job id: a request answered 503 takes its job back should Redis still run the add later.
      const jobId = randomUUID();
      const enqueued = await withRedis('the sync was not queued', () => enqueueSync(deps.syncQueue, { sources, dryRun, allowRemovals, forceFull: full, trigger }, { jobId }), {
        onGiveUp: () =>
          takeBackJob(
            () => deps.syncQueue.remove(jobId),
            (outcome) => request.log.info({ jobId, outcome }, 'sync request answered 503: its job was taken back from Redis'),
          ),
      });
      request.log.info({ jobId: enqueued.id, coalesced: enqueued.coalesced, sources, dryRun, allowRemovals }, 'sync requested');
      return reply
        .code(202)
        .header('location', `/api/v1/syncs/${enqueued.id}`)
        .send({ id: enqueued.id, coalesced: enqueued.coalesced, sources: sources.length > 0 ? sources : configured });
    },
    {
      // No body at all means "sync everything with the defaults".
      preValidation: async (request) => {
        request.body ??= {} as SyncBody;
      },
    },
  );

  defineRoute<{ Params: { id: string } }>(api, 'getSync', async (request) => {
    const { id } = request.params;
    if (isSyncJobId(id)) {
      const job = await withRedis('sync jobs cannot be read', () => findSyncJob(deps.syncQueue, id));
      if (job) return jobOut(job);
    } else {
      const run = await deps.repos.runs.get(id);
      if (run) return runOut(run);
    }
    throw new ApiError(404, 'not-found', `no sync job or run "${id}" (finished jobs are kept for 7 days, runs for ever)`);
  });

  defineRoute<{ Querystring: { limit: number; source?: string } }>(api, 'listSyncs', async (request) => {
    const { limit, source } = request.query;
    requireConfigured('source', source, deps.config().sources.map((s) => s.name));
    const [jobs, runs] = await Promise.all([
      withRedis('sync jobs cannot be read', () => recentSyncJobs(deps.syncQueue, limit)),
      deps.repos.runs.recent({ limit, ...(source ? { source } : {}) }),
    ]);
    const shown = source ? jobs.filter((j) => j.sources.length === 0 || j.sources.includes(source)) : jobs;
    return { jobs: shown.map(jobOut), runs: runs.map(runOut) };
  });
}
