// SIGTERM tells the truth about what was applied. A run inside its apply when `--shutdown-timeout` ends
// rolls back before its commit and its job goes back to the queue; in a job of several sources, the
// runs that had committed are not repeated: the job goes back for the others only. The log says which.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueSync, type SyncQueue } from '../../../jobs/enqueue.ts';
import { findSyncJob } from '../../../jobs/job-view.ts';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import {
  aConfigDir, clearPrefix, freePort, manyPeople, REDIS_URL, requireRedis, spawnWorker, uniquePrefix, waitFor, type WorkerProcess,
} from '../../integration/worker/worker-fixtures.ts';

const USERS = 100_000;

interface Setup {
  readonly prefix: string;
  readonly pg: { url: string; drop: () => Promise<void> };
  readonly db: Database;
  readonly redis: Redis;
  readonly queue: SyncQueue;
  readonly worker: WorkerProcess;
}

async function setUp(name: string): Promise<Setup> {
  const prefix = uniquePrefix(name);
  const pg = await createPostgresDatabase();
  const db = await openDatabase({ url: pg.url, dataDir: 'unused' });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue: SyncQueue = new Queue('sync', { connection: redis, prefix });
  const dir = aConfigDir();
  dir.writeConfig({
    databaseUrl: pg.url, prefix, port: await freePort(), seats: { primary: 100 },
    sources: { crm: dir.writeCsv('crm', manyPeople(3, 'c')), hr: dir.writeCsv('hr', manyPeople(USERS)) },
  });
  // No grace: a running sync is aborted as soon as the signal arrives.
  const worker = spawnWorker(dir.configPath, { args: ['--shutdown-timeout', '0'] });
  await worker.started;
  return { prefix, pg, db, redis, queue, worker };
}

async function tearDown(s: Setup | undefined): Promise<void> {
  if (!s) return;
  await s.worker.stop('SIGKILL');
  await s.queue.close();
  s.redis.disconnect();
  await s.db.close();
  await s.pg.drop();
  await clearPrefix(s.prefix);
}

const count = async (db: Database, sql: string): Promise<number> => (await db.query<{ n: number }>(sql)).rows[0]?.n ?? -1;

describe('SIGTERM while a run applies', () => {
  let s: Setup;
  let jobId: string;
  let exit: number | null;

  beforeAll(async () => {
    await requireRedis();
    s = await setUp('term-apply');
    jobId = (await enqueueSync(s.queue, { sources: ['hr'], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'cli' })).id;
    await waitFor(async () => (await findSyncJob(s.queue, jobId))?.progress?.phase === 'apply', { what: 'the run to be applying', everyMs: 10, timeoutMs: 90_000 });
    exit = await s.worker.stop('SIGTERM');
  }, 180_000);
  afterAll(() => tearDown(s));

  it('rolls the run back instead of committing it, and requeues its job', async () => {
    expect(exit).toBe(0);
    expect(s.worker.logs()).toContain('the sync job goes back to the queue; nothing of its current run was applied');
    expect(await count(s.db, 'SELECT count(*)::int AS n FROM accounts')).toBe(0);
    expect(await count(s.db, 'SELECT count(*)::int AS n FROM audit')).toBe(0);
    expect(await count(s.db, 'SELECT count(*)::int AS n FROM source_cursors')).toBe(0);
    const runs = await s.db.query<{ status: string; error: string | null }>('SELECT status, error FROM runs ORDER BY id');
    expect(runs.rows).toEqual([{ status: 'failed', error: expect.stringContaining('nothing was applied') }]);
    const view = await findSyncJob(s.queue, jobId);
    expect(view).toMatchObject({ state: 'waiting', attemptsMade: 0, sources: ['hr'] });
  });
});

describe('SIGTERM after one source of a job committed', () => {
  let s: Setup;
  let jobId: string;
  let exit: number | null;

  beforeAll(async () => {
    await requireRedis();
    s = await setUp('term-partial');
    jobId = (await enqueueSync(s.queue, { sources: ['crm', 'hr'], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'cli' })).id;
    await waitFor(async () => {
      const progress = (await findSyncJob(s.queue, jobId))?.progress;
      return progress?.source === 'hr' && progress.phase === 'read' && progress.read > 0;
    }, { what: 'the second source to be reading', everyMs: 10, timeoutMs: 90_000 });
    exit = await s.worker.stop('SIGTERM');
  }, 180_000);
  afterAll(() => tearDown(s));

  it('keeps the committed run, does not repeat it, and requeues the job for the other source only', async () => {
    expect(exit).toBe(0);
    expect(s.worker.logs()).toContain('The runs of crm had committed and are not repeated');
    expect(await count(s.db, `SELECT count(*)::int AS n FROM accounts WHERE source = 'crm'`)).toBe(3);
    expect(await count(s.db, `SELECT count(*)::int AS n FROM accounts WHERE source = 'hr'`)).toBe(0);
    const runs = await s.db.query<{ source: string; status: string }>('SELECT source, status FROM runs ORDER BY id');
    expect(runs.rows).toEqual([{ source: 'crm', status: 'ok' }, { source: 'hr', status: 'failed' }]);
    expect(await findSyncJob(s.queue, jobId)).toMatchObject({ state: 'waiting', attemptsMade: 0, sources: ['hr'] });
  });
});
