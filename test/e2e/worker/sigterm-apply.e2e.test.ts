// SIGTERM tells the truth about what was applied. A run inside its apply when `--shutdown-timeout` ends
// rolls back before its commit and its job goes back to the queue; in a job of several sources, the
// runs that had committed are not repeated: the job goes back for the others only. The log says which.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueSync } from '../../../jobs/enqueue.ts';
import { findSyncJob } from '../../../jobs/job-view.ts';
import { manyPeople, spawnWorker, waitFor, type WorkerProcess } from '../../integration/worker/worker-fixtures.ts';
import { workerServicesOf, type WorkerServices } from '../../integration/worker/worker-services.ts';

const USERS = 100_000;

/** A worker on `services` with two sources, `hr` long enough to be caught mid-run. */
async function startWorkerOn(services: WorkerServices): Promise<WorkerProcess> {
  const { dir } = services;
  dir.writeConfig({
    ...(await services.configOptions()), seats: { primary: 100 },
    sources: { crm: dir.writeCsv('crm', manyPeople(3, 'c')), hr: dir.writeCsv('hr', manyPeople(USERS)) },
  });
  // No grace: a running sync is aborted as soon as the signal arrives.
  const worker = spawnWorker(dir.configPath, { args: ['--shutdown-timeout', '0'] });
  await worker.started;
  return worker;
}

describe('SIGTERM while a run applies', () => {
  const services = workerServicesOf('term-apply');
  let worker: WorkerProcess;
  let jobId: string;
  let exit: number | null;

  beforeAll(async () => {
    worker = await startWorkerOn(services);
    jobId = (await enqueueSync(services.syncQueue, { sources: ['hr'], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'cli' })).id;
    await waitFor(async () => (await findSyncJob(services.syncQueue, jobId))?.progress?.phase === 'apply', { what: 'the run to be applying', everyMs: 10, timeoutMs: 90_000 });
    exit = await worker.stop('SIGTERM');
  }, 180_000);
  afterAll(async () => {
    await worker?.stop('SIGKILL');
  });

  it('rolls the run back instead of committing it, and requeues its job', async () => {
    expect(exit).toBe(0);
    expect(worker.logs()).toContain('the sync job goes back to the queue; nothing of its current run was applied');
    expect(await services.count('SELECT count(*)::int AS n FROM accounts')).toBe(0);
    expect(await services.count('SELECT count(*)::int AS n FROM audit')).toBe(0);
    expect(await services.count('SELECT count(*)::int AS n FROM source_cursors')).toBe(0);
    const runs = await services.db.query<{ status: string; error: string | null }>('SELECT status, error FROM runs ORDER BY id');
    expect(runs.rows).toEqual([{ status: 'failed', error: expect.stringContaining('nothing was applied') }]);
    const view = await findSyncJob(services.syncQueue, jobId);
    expect(view).toMatchObject({ state: 'waiting', attemptsMade: 0, sources: ['hr'] });
  });
});

describe('SIGTERM after one source of a job committed', () => {
  const services = workerServicesOf('term-partial');
  let worker: WorkerProcess;
  let jobId: string;
  let exit: number | null;

  beforeAll(async () => {
    worker = await startWorkerOn(services);
    jobId = (await enqueueSync(services.syncQueue, { sources: ['crm', 'hr'], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'cli' })).id;
    await waitFor(async () => {
      const progress = (await findSyncJob(services.syncQueue, jobId))?.progress;
      return progress?.source === 'hr' && progress.phase === 'read' && progress.read > 0;
    }, { what: 'the second source to be reading', everyMs: 10, timeoutMs: 90_000 });
    exit = await worker.stop('SIGTERM');
  }, 180_000);
  afterAll(async () => {
    await worker?.stop('SIGKILL');
  });

  it('keeps the committed run, does not repeat it, and requeues the job for the other source only', async () => {
    expect(exit).toBe(0);
    expect(worker.logs()).toContain('The runs of crm had committed and are not repeated');
    expect(await services.count(`SELECT count(*)::int AS n FROM accounts WHERE source = 'crm'`)).toBe(3);
    expect(await services.count(`SELECT count(*)::int AS n FROM accounts WHERE source = 'hr'`)).toBe(0);
    const runs = await services.db.query<{ source: string; status: string }>('SELECT source, status FROM runs ORDER BY id');
    expect(runs.rows).toEqual([{ source: 'crm', status: 'ok' }, { source: 'hr', status: 'failed' }]);
    expect(await findSyncJob(services.syncQueue, jobId)).toMatchObject({ state: 'waiting', attemptsMade: 0, sources: ['hr'] });
  });
});
