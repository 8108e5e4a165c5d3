// `seatsync run` as a process, as the container runs it, with real PostgreSQL and Redis: a scheduled
// sync, `seatsync resync` (with and without --wait), a seat change in the config file applied without a
// restart and an edit that moves no seat queuing nothing, the pool gauges, the address it logs for
// `http.port: 0`, and a clean stop on SIGTERM.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import type { CsvPerson } from '../../support/config-builder.ts';
import {
  aConfigDir, api, manyPeople, spawnWorker, uniquePrefix, waitFor, type ConfigDir, type WorkerConfigOptions, type WorkerProcess,
} from '../../integration/worker/worker-fixtures.ts';
import { workerServicesOf } from '../../integration/worker/worker-services.ts';

interface SyncJson {
  runs: { source: string; status: string; seen: number; created: number; activated: number; blocked: number }[];
  pools: { name: string; seats: number; used: number; available: number; waiting: number }[];
}

describe('seatsync run (a process)', () => {
  const services = workerServicesOf('proc');
  let dir: ConfigDir;
  let people: CsvPerson[];
  let options: WorkerConfigOptions;
  let worker: WorkerProcess;
  /** Where the worker listens, from its start line. */
  let base: string;

  const count = (sql: string): Promise<number> => services.count(sql);
  const cli = (args: string[]) => runCli([...args, '--config', dir.configPath], { timeoutMs: 60_000 });

  beforeAll(async () => {
    dir = services.dir;
    people = manyPeople(8);
    options = { ...(await services.configOptions()), sources: { hr: dir.writeCsv('hr', people) }, seats: { primary: 3 }, schedule: '{ every: 1m }' };
    dir.writeConfig(options);
    worker = spawnWorker(dir.configPath);
    base = await worker.started;
  }, 60_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
  });

  it('listens on a port the system picked for http.port 0, and logs where as the url of its start line', async () => {
    expect(readFileSync(dir.configPath, 'utf8')).toMatch(/^ {2}port: 0$/m);
    const port = Number(/^http:\/\/127\.0\.0\.1:(\d+)$/.exec(base)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('runs the scheduled sync of a source', async () => {
    await waitFor(() => count(`SELECT count(*)::int AS n FROM runs WHERE trigger = 'schedule' AND status = 'ok'`).then((n) => n > 0), { what: 'a scheduled run' });
    expect(await count(`SELECT count(*)::int AS n FROM accounts`)).toBe(8);
    expect(await count(`SELECT count(*)::int AS n FROM accounts WHERE state = 'active'`)).toBe(3);
    const schedules = await api(base)('/api/v1/schedules');
    const [hr] = (schedules.body as { sources: { nextRunAt: string }[] }).sources;
    // Every minute (the shortest interval a schedule takes): the next run is due within a minute of now.
    expect(Math.abs(new Date(hr?.nextRunAt ?? 0).getTime() - Date.now())).toBeLessThan(65_000);
  });

  it('stops scheduling when the config says schedule: off', async () => {
    options = { ...options, schedule: 'off' };
    dir.writeConfig(options);
    const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: null });
    const schedules = new Queue('schedule', { connection: redis, prefix: services.prefix });
    try {
      await waitFor(async () => (await schedules.getJobSchedulersCount()) === 0, { what: 'the scheduler to be removed' });
    } finally {
      await schedules.close();
      redis.disconnect();
    }
  });

  it('resync --wait prints the sync result and exits 0', async () => {
    const result = await cli(['resync', '--wait', '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as SyncJson;
    expect(json.runs).toEqual([expect.objectContaining({ source: 'hr', status: 'ok', seen: 8, created: 0 })]);
    expect(json.pools).toEqual([{ name: 'primary', seats: 3, used: 3, available: 0, waiting: 5 }]);
    expect(await count(`SELECT count(*)::int AS n FROM runs WHERE trigger = 'cli' AND status = 'ok'`)).toBe(1);
  });

  it('resync without --wait prints the job id; --wait on a held run exits 3', async () => {
    const queued = await cli(['resync', '--json', '--source', 'hr']);
    expect(queued.code).toBe(0);
    const { jobs } = JSON.parse(queued.stdout) as { jobs: { id: string; sources: string[] }[] };
    expect(jobs).toEqual([expect.objectContaining({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), sources: ['hr'] })]);
    dir.writeCsv('hr', people.slice(0, 2)); // 6 of 8 gone: held
    const held = await cli(['resync', '--wait', '--json', '--source', 'hr']);
    expect(held.code).toBe(3);
    expect((JSON.parse(held.stdout) as SyncJson).runs[0]).toMatchObject({ source: 'hr', status: 'held' });
    expect(await count(`SELECT count(*)::int AS n FROM accounts WHERE state = 'removed'`)).toBe(0);
    dir.writeCsv('hr', people);
    expect((await cli(['resync', '--unknown-flag'])).code).toBe(2);
    expect((await cli(['resync', '--source', 'nope'])).code).toBe(2);
  });

  it('applies a seat change in the config file without a restart', async () => {
    options = { ...options, seats: { primary: 5 } };
    dir.writeConfig(options);
    await waitFor(() => count(`SELECT count(*)::int AS n FROM accounts WHERE held ? 'primary'`).then((n) => n === 5), { what: 'two more seats to be given' });
    // The run is marked ok just after its seats commit.
    await waitFor(() => count(`SELECT count(*)::int AS n FROM runs WHERE trigger = 'config' AND status = 'ok'`).then((n) => n >= 1), { what: 'the config run to end ok' });
    const metrics = await api(base, null)('/metrics');
    expect(metrics.text).toContain('seatsync_pool_seats{pool="primary"} 5');
    expect(metrics.text).toContain('seatsync_pool_used{pool="primary"} 5');
    expect(metrics.text).toContain('seatsync_pool_waiting{pool="primary"} 3');
  });

  it('keeps the last good config when the file breaks, and picks up the fixed file', async () => {
    const good = options;
    dir.writeConfig({ ...good, policy: { maxRemovals: 'lots' } });
    await waitFor(async () => worker.logs().includes('does not load; the previous config stays in force'), { what: 'the broken config to be reported' });
    expect((await api(base, null)('/readyz')).status).toBe(200);
    options = { ...good, seats: { primary: 6 } };
    dir.writeConfig(options);
    await waitFor(() => count(`SELECT count(*)::int AS n FROM accounts WHERE held ? 'primary'`).then((n) => n === 6), { what: 'the fixed config to be applied' });
  });

  it('queues no sync for a change of policy.maxRemovals alone, which moves no seat', async () => {
    const configRuns = (): Promise<number> => count(`SELECT count(*)::int AS n FROM runs WHERE trigger = 'config'`);
    const idle = async (): Promise<boolean> => Object.values(await services.syncQueue.getJobCounts('wait', 'active', 'delayed', 'prioritized')).every((n) => n === 0);
    await waitFor(idle, { what: 'the syncs of the seat changes to finish' });
    const before = await configRuns();
    const logged = worker.logs().length;
    options = { ...options, policy: { maxRemovals: 3 } };
    dir.writeConfig(options);
    // A sync job re-reads the file before it runs: the edit is applied (and any sync it queues is queued)
    // by the time this one runs.
    const resync = await cli(['resync', '--wait', '--json']);
    expect(resync.code, resync.stderr).toBe(0);
    await waitFor(idle, { what: 'every queued sync to finish' });
    const since = worker.logs().slice(logged);
    expect(since).toContain('config file changed; applying it');
    expect(since).not.toContain('a sync of every source was queued');
    expect(await configRuns()).toBe(before);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.logs()).toContain('"msg":"stopped"');
  });

  it('says why it could not start in a JSON log record too, and exits 1 (its HTTP port taken)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const other = aConfigDir();
      other.writeConfig({ ...options, prefix: uniquePrefix('proc-taken'), port, schedule: 'off' });
      const failed = spawnWorker(other.configPath);
      expect(await failed.exited).toBe(1);
      const records = failed.logs().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string } });
      expect(records.find((r) => r.msg === 'the worker could not start')).toMatchObject({ level: 50, err: { message: expect.stringContaining('EADDRINUSE') } });
      expect(failed.logs()).toContain('error: ');
    } finally {
      taken.close();
    }
  });
});
