// SPEC §8: `seatsync run` survives Redis restarting. A private Redis (the suite's is shared) that keeps
// nothing on disk is killed and started again empty while the worker runs scheduled syncs: the worker
// reconnects, puts its job schedulers back, and answers a manual resync.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import { manyPeople, spawnWorker, waitFor, type WorkerProcess } from '../../integration/worker/worker-fixtures.ts';
import { workerServicesOf } from '../../integration/worker/worker-services.ts';

describe('seatsync run while Redis restarts', () => {
  // Nothing on disk: a restart loses every key, the worst case for the worker.
  const services = workerServicesOf('restart', { redis: 'private' });
  let worker: WorkerProcess;

  const scheduledRuns = () => services.count(`SELECT count(*)::int AS n FROM runs WHERE trigger = 'schedule' AND status = 'ok'`);

  beforeAll(async () => {
    const { dir } = services;
    dir.writeConfig({ ...(await services.configOptions()), sources: { hr: dir.writeCsv('hr', manyPeople(6)) }, seats: { primary: 4 }, schedule: '{ every: 1m }' });
    worker = spawnWorker(dir.configPath);
    await worker.started;
  }, 60_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
  });

  it('goes on with scheduled syncs after Redis comes back empty, and runs a manual resync', async () => {
    await waitFor(() => scheduledRuns().then((n) => n > 0), { what: 'a scheduled run before the restart' });
    await services.privateRedis.crash();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await services.privateRedis.start();
    const before = await scheduledRuns();
    await waitFor(() => scheduledRuns().then((n) => n > before), { what: 'a scheduled run after Redis came back', timeoutMs: 30_000 });

    const resync = await runCli(['resync', '--wait', '--json', '--config', services.dir.configPath], { timeoutMs: 60_000 });
    expect(resync.code).toBe(0);
    expect((JSON.parse(resync.stdout) as { runs: { status: string }[] }).runs[0]?.status).toBe('ok');
    expect(await services.count('SELECT count(*)::int AS n FROM accounts')).toBe(6);
    expect(await services.count(`SELECT count(*)::int AS n FROM accounts WHERE state = 'active'`)).toBe(4);
    // The worker is still the one that started: it reconnected rather than died.
    expect(worker.child.exitCode).toBeNull();
  }, 90_000);
});
