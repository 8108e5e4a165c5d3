// SPEC §8: `seatsync run` survives PostgreSQL restarting mid-run. A private server (the suite's is
// shared) is stopped at once while the worker's sync is reading, and started again: the worker stays
// up, the job is retried with backoff and completes, nothing of the cut-off run was applied, and that
// run is recorded as interrupted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueSync } from '../../../jobs/enqueue.ts';
import { findSyncJob } from '../../../jobs/job-view.ts';
import { manyPeople, spawnWorker, waitFor, type WorkerProcess } from '../../integration/worker/worker-fixtures.ts';
import { workerServicesOf } from '../../integration/worker/worker-services.ts';

const USERS = 60_000;
const SEATS = 100;

describe('seatsync run while PostgreSQL restarts', () => {
  const services = workerServicesOf('pgrestart', { postgres: 'private' });
  let worker: WorkerProcess;

  beforeAll(async () => {
    const { dir } = services;
    dir.writeConfig({ ...(await services.configOptions()), sources: { hr: dir.writeCsv('hr', manyPeople(USERS)) }, seats: { primary: SEATS } });
    worker = spawnWorker(dir.configPath);
    await worker.started;
  }, 120_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
  });

  it('retries the job once the server is back, applies it once, and records the cut-off run', async () => {
    const { syncQueue: queue, privatePostgres: pg } = services;
    const { id } = await enqueueSync(queue, { sources: ['hr'], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'cli' });
    await waitFor(async () => {
      const view = await findSyncJob(queue, id);
      return view?.progress?.phase === 'read' && view.progress.read > 0 ? view : null;
    }, { what: 'the sync to be reading', everyMs: 20 });
    await pg.crash();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await pg.start();

    const done = await waitFor(async () => {
      const view = await findSyncJob(queue, id);
      return view?.state === 'completed' || view?.state === 'failed' ? view : null;
    }, { what: 'the retried job to finish', timeoutMs: 90_000 });
    expect(done.state).toBe('completed');
    expect(done.attemptsMade).toBeGreaterThanOrEqual(2);
    expect(done.result?.runs[0]).toMatchObject({ source: 'hr', status: 'ok', seen: USERS, created: USERS, activated: SEATS });
    expect(worker.child.exitCode).toBeNull();

    const { count, db } = services;
    expect(await count('SELECT count(*)::int AS n FROM accounts')).toBe(USERS);
    expect(await count(`SELECT count(*)::int AS n FROM accounts WHERE state = 'active'`)).toBe(SEATS);
    expect(await count(`SELECT count(*)::int AS n FROM audit`)).toBe(USERS);
    const runs = await db.query<{ status: string; error: string | null }>('SELECT status, error FROM runs ORDER BY id');
    expect(runs.rows).toEqual([
      { status: 'failed', error: expect.stringMatching(/^interrupted/) as unknown },
      { status: 'ok', error: null },
    ]);
  }, 150_000);
});
