// Sync jobs through real Redis into real PostgreSQL, with the worker running in this process:
// coalescing, one more queued behind a running sync, error mapping, held runs, schedulers.
import { Queue } from 'bullmq';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enqueueSync, type SyncQueue } from '../../../jobs/enqueue.ts';
import { findSyncJob, type SyncJobView } from '../../../jobs/job-view.ts';
import type { SyncJobData } from '../../../jobs/names.ts';
import { applySchedules, schedulerIdOf, type ScheduleQueue } from '../../../jobs/schedulers.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { silentLogger } from '../../../src/logging.ts';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { migrate } from '../../../src/store/migrations.ts';
import { startWorker, type RunningWorker } from '../../../src/worker.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import { manyPeople, waitFor, type ConfigDir } from './worker-fixtures.ts';
import { workerServicesOf } from './worker-services.ts';

const SYNC: Omit<SyncJobData, 'sources'> = { dryRun: false, allowRemovals: false, forceFull: false, trigger: 'cli' };

describe('sync jobs', () => {
  const services = workerServicesOf('jobs');
  const { prefix } = services;
  let queue: SyncQueue;
  let dir: ConfigDir;
  let worker: RunningWorker | null = null;

  beforeAll(async () => {
    ({ dir, syncQueue: queue } = services);
  });
  afterEach(async () => {
    await worker?.stop();
    worker = null;
  });

  async function start(): Promise<RunningWorker> {
    const config = await loadConfig({ path: dir.configPath });
    let opened: Database | null = null;
    worker = await startWorker({
      config,
      logger: silentLogger(),
      database: {
        open: async () => {
          opened = await openDatabase({ url: config.database.url, dataDir: config.dataDir });
          await migrate(opened);
          return opened;
        },
        close: async () => opened?.close(),
      },
      shutdownTimeoutMs: 5_000,
    });
    return worker;
  }

  const finished = (id: string): Promise<SyncJobView> =>
    waitFor(async () => {
      const view = await findSyncJob(queue, id);
      return view && (view.state === 'completed' || view.state === 'failed') ? view : null;
    }, { what: `job ${id} to finish`, timeoutMs: 60_000 });

  const runsOf = async (source: string): Promise<{ id: string; status: string; trigger: string; started: Date; finished: Date | null }[]> =>
    (await services.db.query<{ id: string; status: string; trigger: string; started: Date; finished: Date | null }>(
      'SELECT id::text, status, trigger, started_at AS started, finished_at AS finished FROM runs WHERE source = $1 ORDER BY id',
      [source],
    )).rows;

  it('coalesces triggers while a sync is queued, and queues one more behind a running one', async () => {
    const hr = dir.writeCsv('hr', manyPeople(40_000));
    dir.writeConfig({ databaseUrl: services.postgresUrl, prefix, sources: { hr }, seats: { primary: 100 } });
    // No worker yet: the first request waits in the queue and the second joins it.
    const first = await enqueueSync(queue, { ...SYNC, sources: ['hr'] });
    const second = await enqueueSync(queue, { ...SYNC, sources: ['hr'] });
    expect(first.coalesced).toBe(false);
    expect(second).toEqual({ id: first.id, coalesced: true });
    // A different request (a dry run) is other work: not coalesced.
    const dry = await enqueueSync(queue, { ...SYNC, sources: ['hr'], dryRun: true });
    expect(dry.coalesced).toBe(false);

    await start();
    // While the first one runs, a new request queues behind it; a further one joins that.
    // (Active is not enough: a job waiting for its source to be free still counts as queued.)
    await waitFor(async () => (await findSyncJob(queue, first.id))?.progress?.phase === 'read', { what: 'the first sync to read', everyMs: 20 });
    const third = await enqueueSync(queue, { ...SYNC, sources: ['hr'] });
    const fourth = await enqueueSync(queue, { ...SYNC, sources: ['hr'] });
    expect(third.coalesced).toBe(false);
    expect(third.id).not.toBe(first.id);
    expect(fourth).toEqual({ id: third.id, coalesced: true });

    const views = await Promise.all([first.id, dry.id, third.id].map(finished));
    expect(views.map((v) => v.state)).toEqual(['completed', 'completed', 'completed']);
    expect(views[0]?.result?.runs[0]).toMatchObject({ source: 'hr', status: 'ok', seen: 40_000, created: 40_000, activated: 100 });
    expect(views[1]?.result?.runs[0]).toMatchObject({ dryRun: true });
    // The result is shown once, as `result`: the copy the job's last progress report carries is not repeated in `progress`.
    expect(views[0]?.progress).toMatchObject({ phase: 'done' });
    expect(views[0]?.progress).not.toHaveProperty('result');
    // Two real runs (the dry run keeps no run record), one after the other, never overlapping.
    const runs = await runsOf('hr');
    expect(runs.map((r) => [r.status, r.trigger])).toEqual([['ok', 'cli'], ['ok', 'cli']]);
    expect(runs[1]!.started.getTime()).toBeGreaterThanOrEqual(runs[0]!.finished!.getTime());
  });

  it('fails a job for an unknown source at once, without retries', async () => {
    const hr = dir.writeCsv('hr', manyPeople(5));
    dir.writeConfig({ databaseUrl: services.postgresUrl, prefix, sources: { hr } });
    await start();
    const job = await enqueueSync(queue, { ...SYNC, sources: ['gone'] });
    const view = await finished(job.id);
    expect(view.state).toBe('failed');
    expect(view.attemptsMade).toBe(1);
    expect(view.error).toMatch(/unknown source "gone"/);
  });

  it('completes a held sync as a job whose result says held, and why', async () => {
    const all = manyPeople(30);
    const hr = dir.writeCsv('hr-held', all);
    dir.writeConfig({ databaseUrl: services.postgresUrl, prefix, sources: { 'hr-held': hr }, seats: { primary: 50 } });
    await start();
    expect((await finished((await enqueueSync(queue, { ...SYNC, sources: ['hr-held'] })).id)).state).toBe('completed');
    dir.writeCsv('hr-held', all.slice(0, 10)); // 20 of 30 gone: far over the 10% limit
    const view = await finished((await enqueueSync(queue, { ...SYNC, sources: ['hr-held'] })).id);
    expect(view.state).toBe('completed');
    expect(view.result?.runs[0]).toMatchObject({
      source: 'hr-held', status: 'held', removed: 0,
      held: { wouldDisable: 0, wouldRemove: 20, total: 30, threshold: 5, reason: 'removals' },
    });
    // Nothing applied: all 30 accounts are still there.
    const kept = await services.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM accounts WHERE source = 'hr-held' AND state <> 'removed'`);
    expect(kept.rows[0]?.n).toBe(30);
  });

  it('plans a dry-run job of several sources each after the ones before it, as the sync job that follows applies them', async () => {
    // A database of its own: the seats the tests before allocated would make the worker queue a sync of
    // its own at start (their pools are not this config's).
    const own = await createPostgresDatabase();
    const ownDb = await openDatabase({ url: own.url, dataDir: 'unused' });
    try {
      // Four in east (synced first) and two in west for three seats.
      const east = dir.writeCsv('east', manyPeople(4, 'e'));
      const west = dir.writeCsv('west', manyPeople(2, 'w'));
      dir.writeConfig({ databaseUrl: own.url, prefix, sources: { east, west }, seats: { primary: 3 } });
      await start();
      const dry = await finished((await enqueueSync(queue, { ...SYNC, sources: ['east', 'west'], dryRun: true })).id);
      expect((await ownDb.query('SELECT 1 FROM accounts UNION ALL SELECT 1 FROM runs')).rows).toEqual([]);
      const real = await finished((await enqueueSync(queue, { ...SYNC, sources: ['east', 'west'] })).id);
      const counts = (view: SyncJobView) => view.result?.runs.map((r) => [r.source, r.status, r.created, r.activated, r.blocked]);
      expect(counts(real)).toEqual([['east', 'ok', 4, 3, 1], ['west', 'ok', 2, 0, 2]]);
      expect(counts(dry)).toEqual(counts(real));
      expect(dry.result?.pools).toEqual(real.result?.pools);
      expect(real.result?.pools).toEqual([{ name: 'primary', seats: 3, used: 3, available: 0, waiting: 3 }]);
    } finally {
      await worker?.stop();
      worker = null;
      await ownDb.close();
      await own.drop();
    }
  });

  it('keeps one job scheduler per scheduled source, following the config', async () => {
    const schedules: ScheduleQueue = new Queue('schedule', { connection: services.redis, prefix });
    try {
      const hr = dir.writeCsv('hr', manyPeople(5));
      dir.writeConfig({ databaseUrl: services.postgresUrl, prefix, sources: { hr, crm: hr }, schedule: '"*/5 * * * *"' });
      const log = silentLogger();
      expect(await applySchedules(schedules, await loadConfig({ path: dir.configPath }), log)).toEqual({ upserted: ['hr', 'crm'], removed: [] });
      // The same config again changes nothing (the next run time stays).
      const before = await schedules.getJobScheduler(schedulerIdOf('hr'));
      expect(await applySchedules(schedules, await loadConfig({ path: dir.configPath }), log)).toEqual({ upserted: [], removed: [] });
      expect((await schedules.getJobScheduler(schedulerIdOf('hr')))?.next).toBe(before?.next);
      // Cron is read in UTC whatever the worker's time zone, as `seatsync status` reads it; a scheduler
      // left without a time zone (read in the worker's own) is replaced.
      expect(before?.tz).toBe('UTC');
      await schedules.upsertJobScheduler(schedulerIdOf('crm'), { pattern: '*/5 * * * *' }, { name: 'schedule-tick', data: { source: 'crm' } });
      expect(await applySchedules(schedules, await loadConfig({ path: dir.configPath }), log)).toEqual({ upserted: ['crm'], removed: [] });
      expect((await schedules.getJobScheduler(schedulerIdOf('crm')))?.tz).toBe('UTC');
      // crm removed, hr on an interval instead of cron.
      dir.writeConfig({ databaseUrl: services.postgresUrl, prefix, sources: { hr }, schedule: '{ every: 10m }' });
      expect(await applySchedules(schedules, await loadConfig({ path: dir.configPath }), log)).toEqual({ upserted: ['hr'], removed: ['crm'] });
      const all = await schedules.getJobSchedulers(0, -1);
      expect(all.map((s) => [s.id ?? s.key, s.every ?? s.pattern])).toEqual([[schedulerIdOf('hr'), 600_000]]);
      // schedule: off removes it.
      dir.writeConfig({ databaseUrl: services.postgresUrl, prefix, sources: { hr }, schedule: 'off' });
      expect(await applySchedules(schedules, await loadConfig({ path: dir.configPath }), log)).toEqual({ upserted: [], removed: ['hr'] });
    } finally {
      await schedules.close();
    }
  });
});
