// Config changes the worker did not see happen, with `seatsync run` as processes on real PostgreSQL and
// Redis and no schedule (nothing syncs unless the worker decides to): a seat change made while no worker
// ran is applied when workers start, once even when two start together, and so is a change of the
// profiles' `when` rules or of `policy.protect` (the same seat settings the running watch reacts to), also
// for a source whose users a run of another source alone did not map again; and while the config file
// does not load, sync jobs run with the last good config and the failure stays visible. The tests of the
// first describe are steps of one story on one database, in order (vitest runs a file's tests one after
// the other): each starts from the seats and runs the one before it left.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import {
  aConfigDir, api, manyPeople, spawnWorker, waitFor, type ConfigDir, type WorkerConfigOptions, type WorkerProcess,
} from '../../integration/worker/worker-fixtures.ts';
import { workerServicesOf, type WorkerServices } from '../../integration/worker/worker-services.ts';

const PEOPLE = 10;
const STAFF = { name: 'staff', pools: ['primary'] };

/** What a worker's start logs when it queues the sync that applies a change made while no worker ran. */
const QUEUED_AT_START =
  "the seats were decided under other seat settings (pools' seats, profiles' order, when rules or pools, policy.graceDays or policy.protect): a sync of every source was queued";

interface SyncJson {
  runs: { source: string; status: string }[];
  pools: { name: string; seats: number; used: number; available: number; waiting: number }[];
}

/** Workers on `services` and what the tests read of them: started ones are stopped by `stopAll`, or killed after a failed test. */
function workersOn(services: WorkerServices) {
  const workers: WorkerProcess[] = [];
  const count = (sql: string): Promise<number> => services.count(sql);
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
  });
  return {
    count,
    holders: (): Promise<number> => count(`SELECT count(*)::int AS n FROM accounts WHERE held ? 'primary'`),
    runsBy: (trigger: string): Promise<number> => count(`SELECT count(*)::int AS n FROM runs WHERE trigger = '${trigger}'`),
    idle: async (): Promise<boolean> => {
      const counts = await services.syncQueue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    },
    start: async (configPath: string): Promise<WorkerProcess> => {
      const worker = spawnWorker(configPath);
      workers.push(worker);
      await worker.started;
      return worker;
    },
    /** Every worker stopped; each exits 0 on SIGTERM. */
    stopAll: async (): Promise<void> => {
      const stopping = workers.splice(0);
      expect(await Promise.all(stopping.map((w) => w.stop('SIGTERM')))).toEqual(stopping.map(() => 0));
    },
  };
}

describe('seatsync run and config changes it did not see', () => {
  const services = workerServicesOf('cfg');
  const { count, holders, runsBy, idle, start, stopAll } = workersOn(services);
  let dir: ConfigDir;
  let options: WorkerConfigOptions;

  beforeAll(async () => {
    dir = services.dir;
    // Groups no rule reads yet: the `when` and `protect` steps at the end start reading them.
    const people = manyPeople(PEOPLE).map((p, i) => ({ ...p, groups: i < 3 ? ['partners'] : i === PEOPLE - 1 ? ['admins'] : [] }));
    options = {
      ...(await services.configOptions()), sources: { hr: dir.writeCsv('hr', people) }, seats: { primary: 5 },
      // Nobody is a contractor: everyone is staff, needing a seat.
      profiles: [{ name: 'partner', memberOf: 'contractors', pools: [] }, STAFF],
    };
    dir.writeConfig(options);
    // Seats decided once (5 of 10) by a sync without a worker.
    const first = await runCli(['sync', '--config', dir.configPath], { timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(await holders()).toBe(5);
  }, 60_000);

  it('applies a seat change made while no worker ran when the worker starts, without any sync asked for', async () => {
    options = { ...options, seats: { primary: 7 } };
    dir.writeConfig(options);
    const worker = await start(dir.configPath);
    await waitFor(async () => (await holders()) === 7, { what: 'the two new seats to be given' });
    expect(worker.logs()).toContain(QUEUED_AT_START);
    expect(await runsBy('config')).toBe(1);
    expect(await runsBy('cli')).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM runs`)).toBe(2);
    const status = await runCli(['status', '--json', '--config', dir.configPath]);
    expect((JSON.parse(status.stdout) as SyncJson).pools).toEqual([expect.objectContaining({ name: 'primary', seats: 7, used: 7, available: 0, waiting: 3 })]);
    await stopAll();
  });

  it('queues nothing at start when the seats were allocated under the loaded config', async () => {
    const worker = await start(dir.configPath);
    // The decision is taken before the worker says it started.
    expect(worker.logs()).not.toContain('a sync of every source was queued');
    expect(await idle()).toBe(true);
    await stopAll();
    expect(await runsBy('config')).toBe(1);
  });

  it('gives the seats of a change once when two workers start together', async () => {
    options = { ...options, seats: { primary: 9 } };
    dir.writeConfig(options);
    const other = aConfigDir();
    other.writeConfig(options);
    const both = await Promise.all([start(dir.configPath), start(other.configPath)]);
    await waitFor(async () => (await holders()) === 9, { what: 'the two new seats to be given' });
    await waitFor(idle, { what: 'every queued sync to finish' });
    expect(both.some((w) => w.logs().includes(QUEUED_AT_START))).toBe(true);
    expect(await holders()).toBe(9);
    // Every account was activated once: 5 by the first sync, 2 and 2 by the two changes.
    expect(await count(`SELECT count(*)::int AS n FROM audit WHERE to_state = 'active'`)).toBe(9);
    expect(await count(`SELECT count(DISTINCT account_id)::int AS n FROM audit WHERE to_state = 'active'`)).toBe(9);
    expect(await count(`SELECT count(*)::int AS n FROM runs WHERE status <> 'ok'`)).toBe(0);
    await stopAll();
  }, 60_000);

  it('runs sync jobs with the last good config while the file does not load, and says so', async () => {
    const worker = await start(dir.configPath);
    const base = await worker.started;
    const metrics = async (): Promise<string> => (await api(base, null)('/metrics')).text;
    // The command line reads a good copy: the worker's own file is the one that breaks.
    const cliConfig = join(dir.dir, 'cli.yaml');
    copyFileSync(dir.configPath, cliConfig);
    const good = readFileSync(dir.configPath, 'utf8');
    expect(good).toContain('seats: 9');
    writeFileSync(dir.configPath, good.replace('seats: 9', 'seats: lots'));
    await waitFor(async () => worker.logs().includes('the changed config file does not load; the previous config stays in force'), { what: 'the broken config to be reported' });
    expect(await metrics()).toContain('seatsync_config_last_reload_successful 0');

    const resync = await runCli(['resync', '--wait', '--json', '--config', cliConfig], { timeoutMs: 60_000 });
    expect(resync.code, resync.stderr).toBe(0);
    const json = JSON.parse(resync.stdout) as SyncJson;
    expect(json.runs).toEqual([expect.objectContaining({ source: 'hr', status: 'ok' })]);
    expect(json.pools).toEqual([{ name: 'primary', seats: 9, used: 9, available: 0, waiting: 1 }]);
    // Still reported while it stays broken.
    expect(await metrics()).toContain('seatsync_config_last_reload_successful 0');
    expect(worker.logs()).toMatch(/pools\.primary\.seats: must be a whole number[^\n]*"msg":"the changed config file does not load/);

    // Fixed and asked for at once: the resync's job runs with the new seats, whether the watch or the job
    // itself noticed the file first (config-watch.int.test.ts pins the job's own re-read).
    options = { ...options, seats: { primary: 10 } };
    dir.writeConfig(options);
    const fixed = await runCli(['resync', '--wait', '--json', '--config', cliConfig], { timeoutMs: 60_000 });
    expect(fixed.code, fixed.stderr).toBe(0);
    expect((JSON.parse(fixed.stdout) as SyncJson).pools).toEqual([{ name: 'primary', seats: 10, used: 10, available: 0, waiting: 0 }]);
    expect(await metrics()).toContain('seatsync_config_last_reload_successful 1');
    await stopAll();
  }, 90_000);

  it("applies a change of the profiles' when rules made while no worker ran when the worker starts", async () => {
    const configRuns = await runsBy('config');
    // Only the rule changes, not the profiles' pools: the three partners (p000001–p000003) move to the
    // profile that needs no seat; the directory is unchanged.
    options = { ...options, profiles: [{ name: 'partner', memberOf: 'partners', pools: [] }, STAFF] };
    dir.writeConfig(options);
    const worker = await start(dir.configPath);
    await waitFor(async () => (await holders()) === 7, { what: "the partners' seats to be released" });
    expect(worker.logs()).toContain(QUEUED_AT_START);
    expect(await count(`SELECT count(*)::int AS n FROM accounts WHERE profile = 'partner' AND held = '[]'`)).toBe(3);
    expect(await runsBy('config')).toBe(configRuns + 1);
    await stopAll();
  });

  it('applies a change of policy.protect made while no worker ran when the worker starts, and queues nothing at the next start', async () => {
    const stateOf = async (externalId: string): Promise<string | undefined> =>
      (await services.db.query<{ state: string }>('SELECT state FROM accounts WHERE external_id = $1', [externalId])).rows[0]?.state;
    // Six seats for the seven staff, decided without a worker: the newest holder, p000010, waits.
    options = { ...options, seats: { primary: 6 } };
    dir.writeConfig(options);
    const shrunk = await runCli(['sync', '--config', dir.configPath], { timeoutMs: 60_000 });
    expect(shrunk.code, shrunk.stderr).toBe(0);
    expect(await stateOf('p000010')).toBe('blocked');
    const configRuns = await runsBy('config');

    // p000010 is in `admins`: protected, it takes a seat from the newest other holder.
    options = { ...options, policy: { ...options.policy, protect: '{ memberOf: [admins] }' } };
    dir.writeConfig(options);
    const worker = await start(dir.configPath);
    await waitFor(async () => (await stateOf('p000010')) === 'active', { what: 'the protected account to get a seat' });
    expect(worker.logs()).toContain(QUEUED_AT_START);
    expect(await holders()).toBe(6);
    expect(await count(`SELECT count(*)::int AS n FROM accounts WHERE profile = 'staff' AND state = 'blocked'`)).toBe(1);
    expect(await runsBy('config')).toBe(configRuns + 1);
    await stopAll();

    // Applied: the next start finds the seats allocated under the loaded config.
    const again = await start(dir.configPath);
    expect(again.logs()).not.toContain('a sync of every source was queued');
    expect(await idle()).toBe(true);
    await stopAll();
    expect(await runsBy('config')).toBe(configRuns + 1);
  });
});

describe('seatsync run and a change of the when rules that a run of one source has read', () => {
  const services = workerServicesOf('cfg-one');
  const { count, holders, start, stopAll } = workersOn(services);

  it("applies the change to the other source's users when the worker starts, with no schedule", async () => {
    const dir = services.dir;
    // Two sources of four, two of each in `partners`, a group no rule reads yet: everyone is staff.
    const staffAndPartners = (prefix: string) => manyPeople(4, prefix).map((p, i) => ({ ...p, groups: i < 2 ? ['partners'] : [] }));
    let options: WorkerConfigOptions = {
      ...(await services.configOptions()), sources: { a: dir.writeCsv('a', staffAndPartners('a')), b: dir.writeCsv('b', staffAndPartners('b')) },
      seats: { primary: 8 }, profiles: [{ name: 'partner', memberOf: 'contractors', pools: [] }, STAFF],
    };
    dir.writeConfig(options);
    const first = await runCli(['sync', '--config', dir.configPath], { timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(await holders()).toBe(8);

    // The partners move to the profile that needs no seat; only source a is synced, without a worker.
    options = { ...options, profiles: [{ name: 'partner', memberOf: 'partners', pools: [] }, STAFF] };
    dir.writeConfig(options);
    const one = await runCli(['sync', '--source', 'a', '--config', dir.configPath], { timeoutMs: 60_000 });
    expect(one.code, one.stderr).toBe(0);
    const partnersOf = (source: string): Promise<number> => count(`SELECT count(*)::int AS n FROM accounts WHERE source = '${source}' AND profile = 'partner' AND held = '[]'`);
    expect(await partnersOf('a')).toBe(2);
    expect(await partnersOf('b')).toBe(0);
    expect(await holders()).toBe(6);

    const worker = await start(dir.configPath);
    await waitFor(async () => (await holders()) === 4, { what: "b's partners' seats to be released" });
    expect(worker.logs()).toContain(QUEUED_AT_START);
    expect(await partnersOf('b')).toBe(2);
    // One sync of every source: a run of each (a run is marked ok just after its seats commit).
    const configRuns = (): Promise<number> => count(`SELECT count(*)::int AS n FROM runs WHERE trigger = 'config' AND status = 'ok'`);
    await waitFor(async () => (await configRuns()) >= 2, { what: 'the config runs to be marked ok' });
    expect(await configRuns()).toBe(2);
    await stopAll();
  }, 60_000);
});
