// SPEC §8: `seatsync run` survives Redis restarting. A private Redis (the suite's is shared) that keeps
// nothing on disk is killed and started again empty while the worker runs scheduled syncs: the worker
// reconnects, puts its job schedulers back, and answers a manual resync.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { runCli } from '../../support/cli.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import { spawnLogged, stopProcess, waitForPort } from '../../support/openldap.ts';
import {
  aConfigDir, freePort, manyPeople, spawnWorker, uniquePrefix, waitFor, type ConfigDir, type WorkerProcess,
} from '../../integration/worker/worker-fixtures.ts';

const REDIS_SERVER = '/usr/bin/redis-server';

describe('seatsync run while Redis restarts', () => {
  let redisPort: number;
  let redis: ReturnType<typeof spawnLogged> | null = null;
  let pg: { url: string; drop: () => Promise<void> };
  let db: Database;
  let dir: ConfigDir;
  let worker: WorkerProcess;

  const startRedis = async (): Promise<void> => {
    // Nothing on disk: a restart loses every key, the worst case for the worker.
    redis = spawnLogged(REDIS_SERVER, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await waitForPort(redis, '127.0.0.1', redisPort, 15_000);
  };
  const killRedis = async (): Promise<void> => {
    const child = redis;
    redis = null;
    if (child !== null) await stopProcess(child, 'SIGKILL');
  };
  const count = async (sql: string): Promise<number> => (await db.query<{ n: number }>(sql)).rows[0]?.n ?? -1;
  const scheduledRuns = () => count(`SELECT count(*)::int AS n FROM runs WHERE trigger = 'schedule' AND status = 'ok'`);

  beforeAll(async () => {
    redisPort = await freePort();
    await startRedis();
    pg = await createPostgresDatabase();
    db = await openDatabase({ url: pg.url, dataDir: 'unused' });
    dir = aConfigDir();
    dir.writeConfig({
      databaseUrl: pg.url, prefix: uniquePrefix('restart'), port: await freePort(), redisUrl: `redis://127.0.0.1:${redisPort}`,
      sources: { hr: dir.writeCsv('hr', manyPeople(6)) }, seats: { primary: 4 }, schedule: '{ every: 1m }',
    });
    worker = spawnWorker(dir.configPath);
    await worker.started;
  }, 60_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await killRedis();
    await db?.close();
    await pg?.drop();
  });

  it('goes on with scheduled syncs after Redis comes back empty, and runs a manual resync', async () => {
    await waitFor(() => scheduledRuns().then((n) => n > 0), { what: 'a scheduled run before the restart' });
    await killRedis();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await startRedis();
    const before = await scheduledRuns();
    await waitFor(() => scheduledRuns().then((n) => n > before), { what: 'a scheduled run after Redis came back', timeoutMs: 30_000 });

    const resync = await runCli(['resync', '--wait', '--json', '--config', dir.configPath], { timeoutMs: 60_000 });
    expect(resync.code).toBe(0);
    expect((JSON.parse(resync.stdout) as { runs: { status: string }[] }).runs[0]?.status).toBe('ok');
    expect(await count('SELECT count(*)::int AS n FROM accounts')).toBe(6);
    expect(await count(`SELECT count(*)::int AS n FROM accounts WHERE state = 'active'`)).toBe(4);
    // The worker is still the one that started: it reconnected rather than died.
    expect(worker.child.exitCode).toBeNull();
  }, 90_000);
});
