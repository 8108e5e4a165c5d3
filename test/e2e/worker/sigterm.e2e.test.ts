// SIGTERM in the middle of a long sync: the worker aborts the run, changes nothing, puts the job back in
// the queue and exits 0; the next worker runs the same job to the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueSync } from '../../../jobs/enqueue.ts';
import { findSyncJob, type SyncJobView } from '../../../jobs/job-view.ts';
import { manyPeople, spawnWorker, waitFor, type WorkerProcess } from '../../integration/worker/worker-fixtures.ts';
import { workerServicesOf } from '../../integration/worker/worker-services.ts';

const USERS = 80_000;
const SEATS = 100;

describe('SIGTERM during a sync', () => {
  const services = workerServicesOf('term');
  let jobId: string;
  let first: WorkerProcess;
  let second: WorkerProcess | null = null;
  let firstExit: number | null;
  let interruptedAt: SyncJobView;

  const count = (sql: string): Promise<number> => services.count(sql);

  beforeAll(async () => {
    const { dir } = services;
    dir.writeConfig({ ...(await services.configOptions()), sources: { hr: dir.writeCsv('hr', manyPeople(USERS)) }, seats: { primary: SEATS } });
    // No grace: the running sync is aborted as soon as the signal arrives.
    first = spawnWorker(dir.configPath, { args: ['--shutdown-timeout', '0'] });
    await first.started;
    jobId = (await enqueueSync(services.syncQueue, { sources: ['hr'], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'cli' })).id;
    interruptedAt = await waitFor(async () => {
      const view = await findSyncJob(services.syncQueue, jobId);
      return view?.progress?.phase === 'read' && view.progress.read > 0 ? view : null;
    }, { what: 'the sync to be reading', everyMs: 20 });
    firstExit = await first.stop('SIGTERM');
  }, 120_000);

  afterAll(async () => {
    await first?.stop('SIGKILL');
    await second?.stop('SIGKILL');
  });

  it('stops the worker cleanly, mid-read', () => {
    expect(firstExit).toBe(0);
    expect(interruptedAt.progress!.read).toBeLessThan(USERS);
    expect(first.logs()).toContain('the sync job goes back to the queue');
  });

  it('applies nothing of the interrupted run', async () => {
    expect(await count('SELECT count(*)::int AS n FROM accounts')).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM audit')).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM source_cursors')).toBe(0);
    const runs = await services.db.query<{ status: string; error: string | null }>('SELECT status, error FROM runs ORDER BY id');
    expect(runs.rows).toEqual([{ status: 'failed', error: expect.any(String) }]);
  });

  it('puts the job back in the queue without using up an attempt', async () => {
    const view = await findSyncJob(services.syncQueue, jobId);
    expect(view?.state).toBe('waiting');
    expect(view?.attemptsMade).toBe(0);
  });

  it('lets the next worker run the same job to the end', async () => {
    second = spawnWorker(services.dir.configPath);
    await second.started;
    const done = await waitFor(async () => {
      const view = await findSyncJob(services.syncQueue, jobId);
      return view?.state === 'completed' || view?.state === 'failed' ? view : null;
    }, { what: 'the requeued job to finish', timeoutMs: 90_000 });
    expect(done.state).toBe('completed');
    expect(done.result?.runs[0]).toMatchObject({ source: 'hr', status: 'ok', seen: USERS, created: USERS, activated: SEATS });
    expect(await count('SELECT count(*)::int AS n FROM accounts')).toBe(USERS);
    expect(await count(`SELECT count(*)::int AS n FROM accounts WHERE held ? 'primary'`)).toBe(SEATS);
    const runs = await services.db.query<{ status: string }>('SELECT status FROM runs ORDER BY id');
    expect(runs.rows.map((r) => r.status)).toEqual(['failed', 'ok']);
    expect(await second.stop('SIGTERM')).toBe(0);
  });
});
