// Where a source's schedule is recorded as scheduled (the reference of its overdue time, status.ts
// `overdueSince`), with the worker running in this process on real PostgreSQL and Redis: by the worker,
// when it sets the job schedulers at its start and when its config changes; never by a read. The API's
// status and a metrics scrape write nothing. A config change the database failed to record is applied again,
// whole, at the watch's next re-read.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { createLogger, silentLogger } from '../../../src/logging.ts';
import { capturedLog, logLines } from '../../support/log-lines.ts';
import { startWorker } from '../../../src/worker.ts';
import { api, manyPeople, migratedPostgres, READ_TOKEN, waitFor, type WorkerConfigOptions } from './worker-fixtures.ts';
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
    const log = capturedLog();
    const messages = (): string[] => logLines(log.text()).map((line) => line.msg);
    const worker = await startWorker({
      config: await loadConfig({ path: dir.configPath }),
      logger: createLogger({ level: 'info', destination: log.destination }),
      database: migratedPostgres(services.postgresUrl),
      shutdownTimeoutMs: 5_000,
      configPollMs: 200,
    });
    try {
      const hrSchedule = async (): Promise<string | null | undefined> => (await recorded()).find((r) => r.source === 'hr')?.schedule;
      expect(await hrSchedule()).toBe('cron 0 3 * * *');
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
});

