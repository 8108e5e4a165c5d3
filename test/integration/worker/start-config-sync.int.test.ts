// What a worker's start queues (worker.ts `applyChangeSinceLastAllocation`), with the worker running in
// this process on real PostgreSQL and Redis and no schedule: a source whose last run was held or failed
// saved no mapping rules with it (its run rolled back), yet a start with the settings unchanged queues no
// sync of every source, start after start; a source whose first run failed has none to compare. A change
// of the mapping rules that a held run did not apply is still pending: every start queues it again.
import { renameSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { migrate } from '../../../src/store/migrations.ts';
import { syncWithAllocation } from '../../support/sync.ts';
import { manyPeople, startLoggedWorker, waitFor, type WorkerConfigOptions } from './worker-fixtures.ts';
import { workerServicesOf } from './worker-services.ts';

/** What a start logs when it queues a sync of every source. */
const QUEUED = 'a sync of every source was queued';

describe('a worker start after held and failed runs, with the seat settings unchanged', () => {
  const services = workerServicesOf('start-cfg');

  /** Starts a worker on the config file, lets it settle and stops it; whether its start queued a sync of every source. */
  async function startQueues(): Promise<boolean> {
    const { worker, messages } = await startLoggedWorker(services);
    try {
      // The decision is taken before startWorker returns; a sync it queued runs before the next start.
      await waitFor(async () => {
        const counts = await services.syncQueue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
        return Object.values(counts).every((n) => n === 0);
      }, { what: 'the sync queue to be idle' });
    } finally {
      await worker.stop();
    }
    return messages().some((msg) => msg.includes(QUEUED));
  }

  const sync = async (): Promise<string[]> =>
    (await syncWithAllocation(services.db, await loadConfig({ path: services.dir.configPath }))).report.runs.map((r) => `${r.source}:${r.status}`);

  it('queues nothing, start after start, and queues a held change of the mapping rules at every start', async () => {
    const { dir } = services;
    const hrPeople = manyPeople(30);
    let options: WorkerConfigOptions = {
      ...(await services.configOptions()),
      sources: { hr: dir.writeCsv('hr', hrPeople), crm: dir.writeCsv('crm', manyPeople(5, 'c')) }, seats: { primary: 50 },
    };
    dir.writeConfig(options);
    await migrate(services.db);
    expect(await sync()).toEqual(['hr:ok', 'crm:ok']);
    expect(await startQueues()).toBe(false);

    // 20 of hr's 30 gone: far over maxRemovals, held; nothing of it applied, its mapping rules as they were.
    dir.writeCsv('hr', hrPeople.slice(0, 10));
    expect(await sync()).toEqual(['hr:held', 'crm:ok']);
    expect(await startQueues()).toBe(false);
    expect(await startQueues()).toBe(false);

    // hr's file gone: its run fails.
    renameSync(`${dir.dir}/hr.csv`, `${dir.dir}/hr.away`);
    expect(await sync()).toEqual(['hr:failed', 'crm:ok']);
    expect(await startQueues()).toBe(false);
    expect(await startQueues()).toBe(false);

    // A source added whose first run fails: no mapping rules of its own to compare.
    options = { ...options, sources: { ...options.sources, fresh: `${dir.dir}/fresh.missing.csv` } };
    dir.writeConfig(options);
    expect(await sync()).toEqual(['hr:failed', 'crm:ok', 'fresh:failed']);
    expect(await startQueues()).toBe(false);
    expect(await startQueues()).toBe(false);
    expect(await services.count(`SELECT count(*)::int AS n FROM runs WHERE trigger = 'config'`)).toBe(0);

    // The profile's rule now matches nobody: every user would lose the seat. crm's few users are applied
    // under the new rules; hr's run is held and its users stay mapped under the old ones. The change is
    // still to be applied there: each start queues the sync that applies it (held again, as long as
    // maxRemovals holds it).
    renameSync(`${dir.dir}/hr.away`, `${dir.dir}/hr.csv`);
    options = { ...options, sources: { hr: options.sources['hr'] ?? '', crm: options.sources['crm'] ?? '' }, profiles: [{ name: 'staff', memberOf: 'staffers', pools: ['primary'] }] };
    dir.writeConfig(options);
    expect(await startQueues()).toBe(true);
    expect(await startQueues()).toBe(true);
    const configRuns = await services.db.query<{ source: string; status: string }>(`SELECT source, status FROM runs WHERE trigger = 'config' ORDER BY id`);
    expect(configRuns.rows).toEqual([
      { source: 'hr', status: 'held' }, { source: 'crm', status: 'ok' }, { source: 'hr', status: 'held' }, { source: 'crm', status: 'ok' },
    ]);
  }, 120_000);
});
