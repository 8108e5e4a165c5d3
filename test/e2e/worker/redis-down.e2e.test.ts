// `seatsync run` with its Redis away (a private redis-server: the suite's is shared). The sync API
// answers 503 within about 2 s instead of hanging; a request answered 503 while Redis hung is not queued
// once Redis answers again; and SIGTERM still stops the worker promptly.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines } from '../../support/log-lines.ts';
import { ADMIN_TOKEN, api, manyPeople, spawnWorker, waitFor, type WorkerProcess } from '../../integration/worker/worker-fixtures.ts';
import { workerServicesOf } from '../../integration/worker/worker-services.ts';
import { SCREENSHOT_DIR, withSignedInConsole } from '../../support/browser.ts';

describe('seatsync run while Redis is away', () => {
  const services = workerServicesOf('redis-down', { redis: 'private' });
  let worker: WorkerProcess;
  let admin: ReturnType<typeof api>;
  let base: string;

  const timed = async <T>(op: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const started = Date.now();
    const value = await op();
    return { value, ms: Date.now() - started };
  };
  const queuedJobs = async (): Promise<number> => {
    // A connection of its own: the one the services would keep open outlives a server killed in a test.
    const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('sync', { connection: redis, prefix: services.prefix });
    try {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  };

  beforeAll(async () => {
    const { dir } = services;
    const options = await services.configOptions();
    dir.writeConfig({ ...options, sources: { hr: dir.writeCsv('hr', manyPeople(3)) } });
    worker = spawnWorker(dir.configPath);
    base = await worker.started;
    admin = api(base);
  }, 60_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
  });

  it('answers 503 within 3 s while Redis hangs, and does not queue that request when Redis answers again', async () => {
    expect((await admin('/api/v1/syncs')).status).toBe(200);
    services.privateRedis.pause();
    try {
      const post = await timed(() => admin('/api/v1/syncs', { method: 'POST', body: { source: 'hr' } }));
      expect(post.value.status).toBe(503);
      expect(post.value.body).toMatchObject({ error: { code: 'unavailable', message: expect.stringContaining('the sync was not queued') } });
      expect(post.ms).toBeLessThan(3_000);
    } finally {
      services.privateRedis.resume();
    }
    // Redis runs what it had received; the worker takes the late job back.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await queuedJobs()).toBe(0);
  });

  it('answers 503 within 3 s while Redis is down, and logs each as one line without a stack', async () => {
    const logsFrom = worker.logs().length;
    await services.privateRedis.crash();
    for (const [path, method] of [['/api/v1/syncs', 'POST'], ['/api/v1/syncs', 'GET'], ['/api/v1/syncs/0b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f', 'GET'], ['/api/v1/schedules', 'GET']] as const) {
      const response = await timed(() => admin(path, method === 'POST' ? { method, body: {} } : {}));
      expect(response.value.status, `${method} ${path}`).toBe(503);
      expect(response.value.body).toMatchObject({ error: { code: 'unavailable' } });
      expect(response.ms, `${method} ${path}`).toBeLessThan(3_000);
    }
    // Routes that need only the database still answer.
    expect((await admin('/api/v1/status')).status).toBe(200);
    const logs = worker.logs().slice(logsFrom);
    const notServed = logLines(logs).filter((line) => line.msg === 'request not served');
    expect(notServed).toHaveLength(4);
    for (const line of notServed) expect(line).toMatchObject({ level: 40, err: { type: 'ApiError', code: 'unavailable', message: expect.stringContaining('Redis is not reachable') } });
    expect(logs).not.toContain('stack');
  });

  it('shows in the console that the schedules are unknown while Redis is down, not that the source is manual only', async () => {
    await withSignedInConsole(base, ADMIN_TOKEN, async (page) => {
      const sources = page.getByRole('table', { name: 'Last run per source' });
      await sources.waitFor();
      expect(await sources.getByRole('row').nth(1).innerText()).toMatch(/^hr\b.*\bunknown$/);
      expect(await page.getByText('manual only').count()).toBe(0);
      const warning = page.getByRole('region', { name: 'Needs attention' });
      expect(await warning.innerText()).toContain('The schedules cannot be read, so no scheduled sync starts and Sync now cannot queue one: Redis is not reachable');
      await page.screenshot({ path: `${SCREENSHOT_DIR}redis-down-overview.png`, fullPage: true });
    });
  }, 60_000);

  it('stops promptly on SIGTERM', async () => {
    const stopped = await timed(() => worker.stop('SIGTERM'));
    expect(stopped.value).toBe(0);
    expect(stopped.ms).toBeLessThan(10_000);
    expect(worker.logs()).toContain('Redis is not reachable and no job is running');
    expect(worker.logs()).toContain('"msg":"stopped"');
  }, 60_000);
});

describe('seatsync run losing Redis in the middle of a sync', () => {
  const services = workerServicesOf('redis-lost', { redis: 'private' });
  let worker: WorkerProcess;

  beforeAll(async () => {
    const { dir } = services;
    const options = await services.configOptions();
    dir.writeConfig({ ...options, sources: { hr: dir.writeCsv('hr', manyPeople(100_000)) } });
    worker = spawnWorker(dir.configPath, { args: ['--shutdown-timeout', '1'] });
    expect((await api(await worker.started)('/api/v1/syncs', { method: 'POST', body: { source: 'hr' } })).status).toBe(202);
    await waitFor(async () => worker.logs().includes('"msg":"sync started"'), { what: 'the sync to start', everyMs: 20 });
  }, 60_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
  });

  it('still stops on SIGTERM, within its shutdown timeout and the abort grace', async () => {
    await services.privateRedis.crash();
    const started = Date.now();
    expect(await worker.stop('SIGTERM')).toBe(0);
    // 1 s timeout + 10 s for the aborted job + 2 s for the dropped workers + the process' exit grace.
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(worker.logs()).toContain('"msg":"stopped"');
  }, 60_000);
});
