// Where a source's schedule is recorded as scheduled (the reference of its overdue time, status.ts
// `overdueSince`), with the worker running in this process on real PostgreSQL and Redis: by the worker,
// when it sets the job schedulers at its start and when its config changes; never by a read. The API's
// status and a metrics scrape write nothing. A config change the database failed to record is applied again,
// whole, at the watch's next re-read.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { silentLogger } from '../../../src/logging.ts';
import { startWorker } from '../../../src/worker.ts';
import { api, manyPeople, migratedPostgres, READ_TOKEN, startLoggedWorker, waitFor, type WorkerConfigOptions } from './worker-fixtures.ts';
import { workerServicesOf } from './worker-services.ts';

describe('the schedules a worker records', () => {
  const services = workerServicesOf('sched-rec');
  const recorded = async (): Promise<{ source: string; schedule: string | null }[]> =>
    (await services.db.query<{ source: string; schedule: string | null }>('SELECT source, schedule FROM source_first_seen ORDER BY source')).rows;

  it('are recorded at its start and when its config changes, and not by the API or the metrics', async () => {
    const { dir } = services;
    const csv = dir.writeCsv('hr', manyPeople(3));
    const options: WorkerConfigOptions = { ...(await services.configOptions()), sources: { hr: csv, crm: csv } };
    // hr daily (a worker started by the test does not run it at once); crm manual only.
    const write = (hrSchedule: string): void => {
      dir.writeConfig({ ...options, schedule: hrSchedule });
      const text = readFileSync(dir.configPath, 'utf8');
      writeFileSync(dir.configPath, text.replace(/(name: crm, [^\n]*schedule: )[^}]*}/, '$1off }'));
    };
    write('"0 3 * * *"');
    const worker = await startWorker({
      config: await loadConfig({ path: dir.configPath }),
      logger: silentLogger(),
      database: migratedPostgres(services.postgresUrl),
      shutdownTimeoutMs: 5_000,
      configPollMs: 200,
    });
    try {
      expect(await recorded()).toEqual([{ source: 'crm', schedule: 'off' }, { source: 'hr', schedule: 'cron 0 3 * * *' }]);

      // Forgotten, then read: the reads record nothing, and a source no worker scheduled is not overdue.
      await services.db.query('DELETE FROM source_first_seen');
      const status = await api(worker.url, READ_TOKEN)('/api/v1/status');
      expect(status.status).toBe(200);
      expect((status.body as { sources: { name: string; overdueSince: string | null }[] }).sources)
        .toEqual([expect.objectContaining({ name: 'hr', overdueSince: null }), expect.objectContaining({ name: 'crm', overdueSince: null })]);
      const metrics = await api(worker.url, null)('/metrics');
      expect(metrics.text).toMatch(/^seatsync_source_overdue\{source="hr"\} 0$/m);
      expect(metrics.text).not.toContain('seatsync_source_first_seen_timestamp_seconds{');
      expect(await recorded()).toEqual([]);

      // The watch sets the changed schedule and records it.
      write('"0 4 * * *"');
      await waitFor(async () => (await recorded()).length === 2, { what: 'the changed config to be applied' });
      expect(await recorded()).toEqual([{ source: 'crm', schedule: 'off' }, { source: 'hr', schedule: 'cron 0 4 * * *' }]);
    } finally {
      await worker.stop();
    }
  }, 60_000);

  it('are recorded, with the rest of a config change, at a later re-read when the database failed the first time', async () => {
    const { dir } = services;
    const csv = dir.writeCsv('hr', manyPeople(3));
    const options: WorkerConfigOptions = { ...(await services.configOptions()), sources: { hr: csv }, seats: { primary: 5 } };
    dir.writeConfig({ ...options, schedule: '"0 3 * * *"' });
    const { worker, messages } = await startLoggedWorker(services, { configPollMs: 200 });
    try {
      const hrSchedule = async (): Promise<string | null | undefined> => (await recorded()).find((r) => r.source === 'hr')?.schedule;
      expect(await hrSchedule()).toBe('cron 0 3 * * *');
      // Seats decided under 5 seats: the change to 6 is a change of the seats' settings.
      await syncedTo(worker.url, 3);
      // The table is away (as the database may be, briefly) when the change is applied: recording it fails.
      await services.db.query('ALTER TABLE source_first_seen RENAME TO source_first_seen_away');
      try {
        dir.writeConfig({ ...options, schedule: '"0 4 * * *"', seats: { primary: 6 } });
        await waitFor(async () => messages().some((m) => m.startsWith('applying the changed config failed')), { what: 'applying the change to fail' });
      } finally {
        await services.db.query('ALTER TABLE source_first_seen_away RENAME TO source_first_seen');
      }
      // The file is unchanged since, and the next re-read applies the change: recorded, and the seat change queued.
      await waitFor(async () => (await hrSchedule()) === 'cron 0 4 * * *', { what: 'the change to be applied again' });
      await waitFor(async () => messages().some((m) => m.startsWith('the seat settings changed')), { what: 'the seat change sync to be queued' });
      expect(messages()).toContain('applying the changed config again (it failed before)');
    } finally {
      await worker.stop();
    }
  }, 60_000);

  it('queues a sync when a change it failed to apply, under which runs decided seats, is taken back in the file', async () => {
    const { dir } = services;
    const csv = dir.writeCsv('hr', manyPeople(8));
    const options: WorkerConfigOptions = { ...(await services.configOptions()), sources: { hr: csv }, schedule: '"0 3 * * *"' };
    dir.writeConfig({ ...options, seats: { primary: 5 } });
    const { worker, messages } = await startLoggedWorker(services, { configPollMs: 200 });
    const counted = (prefix: string): number => messages().filter((m) => m.startsWith(prefix)).length;
    try {
      await syncedTo(worker.url, 5);
      await services.db.query('ALTER TABLE source_first_seen RENAME TO source_first_seen_away');
      try {
        // 6 seats, not applied (recording the schedules fails), yet in force for sync jobs: a sync gives the sixth seat.
        dir.writeConfig({ ...options, seats: { primary: 6 } });
        await waitFor(async () => counted('applying the changed config failed') > 0, { what: 'applying the change to fail' });
        await syncedTo(worker.url, 6);
        // Back to 5 seats, the config last applied: the watch applies it again, with itself as the previous config.
        const loaded = counted('config file changed; applying it');
        dir.writeConfig({ ...options, seats: { primary: 5 } });
        await waitFor(async () => counted('config file changed; applying it') > loaded, { what: 'the file taken back to be read' });
        const failed = counted('applying the changed config failed');
        await waitFor(async () => counted('applying the changed config failed') > failed, { what: 'applying it to fail too' });
      } finally {
        await services.db.query('ALTER TABLE source_first_seen_away RENAME TO source_first_seen');
      }
      // The seats were decided under 6: applying the config of 5 queues the sync that takes the sixth back.
      await waitFor(async () => (await holders()) === 5, { what: 'the sixth seat to be taken back' });
      expect(messages()).toContain("the seat settings changed (pools' seats, profiles' order, when rules or pools, policy.graceDays or policy.protect): a sync of every source was queued");
    } finally {
      await worker.stop();
    }
  }, 60_000);

  const holders = (): Promise<number> => services.count(`SELECT count(*)::int AS n FROM accounts WHERE held ? 'primary'`);
  /** A sync of every source queued through the API, waited for until `n` accounts hold a seat. */
  const syncedTo = async (url: string, n: number): Promise<void> => {
    expect((await api(url)('/api/v1/syncs', { method: 'POST', body: {} })).status).toBe(202);
    await waitFor(async () => (await holders()) === n, { what: `${n} seats to be held` });
  };
});
