// A source whose scheduled runs stopped starting (no worker, its schedules lost) must not look ok:
// its last run was ok, it has no failure, yet `status`, `status --json` and the API say that a run was
// due and none has started. The runs' times are moved back in the database, as if the last run had
// been two days ago; a source without a schedule is never overdue. The metric and the console say it too.
// A source added to the config that has never run is overdue once its first scheduled run after a worker
// first scheduled it is late (that time, kept in the database, is moved back the same way); `status`
// alone records nothing, and calls a source no worker has scheduled not overdue (and says it is not
// scheduled yet). A source whose schedule changes counts by the schedule a worker set until a worker
// sets the new one, then from when it did.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { SCREENSHOT_DIR, withSignedInConsole } from '../support/browser.ts';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase } from '../support/databases.ts';
import {
  aConfigDir, api, clearPrefix, manyPeople, READ_TOKEN, requireRedis, spawnWorker, uniquePrefix, type ConfigDir,
} from '../integration/worker/worker-fixtures.ts';

interface SourceStatus {
  name: string;
  lastRun: { status: string; startedAt: string } | null;
  consecutiveFailures: number;
  overdueSince: string | null;
}

const HOUR = 3_600_000;

describe('a source whose scheduled runs stopped starting', () => {
  const prefix = uniquePrefix('overdue');
  let pg: { url: string; drop: () => Promise<void> };
  let db: Database;
  let dir: ConfigDir;
  let csv: string;

  // Daily at 03:00: a worker started by the test does not run it at once.
  const writeConfig = (schedule: string, sources: Record<string, string> = { hr: csv }): void =>
    dir.writeConfig({ databaseUrl: pg.url, prefix, sources, seats: { primary: 10 }, schedule });
  const status = async (): Promise<{ human: string; hr: SourceStatus; sources: SourceStatus[] }> => {
    const json = await runCli(['status', '--json', '--config', dir.configPath]);
    expect(json.code, json.stderr).toBe(0);
    const human = await runCli(['status', '--config', dir.configPath]);
    expect(human.code, human.stderr).toBe(0);
    const sources = (JSON.parse(json.stdout) as { sources: SourceStatus[] }).sources;
    return { human: human.stdout, hr: sources[0] as SourceStatus, sources };
  };

  /** A worker started on the config (it schedules its sources), stopped once `use` (given its url) is done. */
  const withWorker = async (use: (base: string) => Promise<void>): Promise<void> => {
    const worker = spawnWorker(dir.configPath);
    try {
      await use(await worker.started);
    } finally {
      expect(await worker.stop('SIGTERM')).toBe(0);
    }
  };
  const scheduleOf = async (source: string): Promise<string | null | undefined> =>
    (await db.query<{ schedule: string | null }>('SELECT schedule FROM source_first_seen WHERE source = $1', [source])).rows[0]?.schedule;

  beforeAll(async () => {
    await requireRedis();
    pg = await createPostgresDatabase();
    dir = aConfigDir();
    csv = dir.writeCsv('hr', manyPeople(5));
    writeConfig('"0 3 * * *"');
    const sync = await runCli(['sync', '--config', dir.configPath]);
    expect(sync.code, sync.stderr).toBe(0);
    db = await openDatabase({ url: pg.url, dataDir: 'unused' });
    // A worker schedules hr (then stops: nothing runs it any more).
    await withWorker(async () => expect(await scheduleOf('hr')).toBe('cron 0 3 * * *'));
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await pg?.drop();
    await clearPrefix(prefix);
  });

  it('is on time right after its run', async () => {
    const { human, hr } = await status();
    expect(hr).toMatchObject({ lastRun: { status: 'ok' }, consecutiveFailures: 0, overdueSince: null });
    expect(human).not.toContain('OVERDUE');
  });

  it('is overdue in status and the API once the run after the last one is late', async () => {
    await db.query(`UPDATE runs SET started_at = started_at - interval '2 days', finished_at = finished_at - interval '2 days'`);
    await db.query(`UPDATE source_first_seen SET at = at - interval '2 days', schedule_at = schedule_at - interval '2 days'`);
    const { human, hr } = await status();
    expect(hr.lastRun?.status).toBe('ok');
    expect(hr.consecutiveFailures).toBe(0);
    // The first 03:00 after the last run's start.
    const started = Date.parse(hr.lastRun?.startedAt ?? '');
    const due = Date.parse(hr.overdueSince ?? '');
    expect(due).toBeGreaterThan(started);
    expect(due).toBeLessThanOrEqual(started + 24 * HOUR);
    expect(human).toContain(
      `hr: OVERDUE — a scheduled run was due at ${hr.overdueSince} and none has started since (the last one started at ${hr.lastRun?.startedAt}). ` +
        'Is `seatsync run` up, with Redis reachable? `seatsync resync --source hr --wait` asks a worker to sync it now.',
    );

    const worker = spawnWorker(dir.configPath);
    try {
      const base = await worker.started;
      const response = await api(base, READ_TOKEN)('/api/v1/status');
      expect(response.status).toBe(200);
      expect((response.body as { sources: SourceStatus[] }).sources[0]).toEqual(hr);
      // The metric the SeatsyncSourceOverdue alert reads.
      expect((await api(base, null)('/metrics')).text).toMatch(/^seatsync_source_overdue\{source="hr"\} 1$/m);

      // The console's overview, which reads the same status, puts it under Needs attention.
      await withSignedInConsole(base, READ_TOKEN, async (page) => {
        const warning = page.getByRole('region', { name: 'Needs attention' });
        await warning.waitFor();
        expect(await warning.innerText()).toMatch(/A scheduled run of hr was due at .+ and none has started since: are the workers up and reaching Redis\?/);
        await page.screenshot({ path: `${SCREENSHOT_DIR}source-overdue-overview.png`, fullPage: true });
      });
    } finally {
      expect(await worker.stop('SIGTERM')).toBe(0);
    }
  }, 60_000);

  it('a source added to the config whose first scheduled run never starts is overdue too, from when a worker first scheduled it', async () => {
    writeConfig('"0 3 * * *"', { hr: csv, payroll: dir.writeCsv('payroll', manyPeople(2, 'q')) });
    // No worker has scheduled it yet: not overdue, `status` says so and records nothing.
    const added = await status();
    expect(added.sources.find((s) => s.name === 'payroll')).toMatchObject({ lastRun: null, overdueSince: null });
    expect(added.human).not.toContain('payroll: OVERDUE');
    expect(added.human).toContain(
      '\npayroll: NOT SCHEDULED — no worker has scheduled it yet, so a missed run is not reported. ' +
        '`seatsync run` schedules it when it starts or notices the config change.\n',
    );
    expect(added.human).not.toContain('hr: NOT SCHEDULED');
    expect(await scheduleOf('payroll')).toBeUndefined();

    await withWorker(async (base) => {
      expect(await scheduleOf('payroll')).toBe('cron 0 3 * * *');
      const scheduled = await status();
      expect(scheduled.sources.find((s) => s.name === 'payroll')).toMatchObject({ lastRun: null, overdueSince: null });
      expect(scheduled.human).not.toContain('NOT SCHEDULED');

      // Two days later, no run has started: its first 03:00 after it was scheduled has long passed.
      await db.query(`UPDATE source_first_seen SET at = at - interval '2 days', schedule_at = schedule_at - interval '2 days' WHERE source = 'payroll'`);
      const [{ at: seenAt } = { at: new Date(NaN) }] = (await db.query<{ at: Date }>(`SELECT at FROM source_first_seen WHERE source = 'payroll'`)).rows;
      const later = await status();
      const overdue = later.sources.find((s) => s.name === 'payroll');
      expect(overdue).toMatchObject({ lastRun: null, consecutiveFailures: 0 });
      const due = Date.parse(overdue?.overdueSince ?? '');
      expect(due).toBeGreaterThan(new Date(seenAt).getTime());
      expect(due).toBeLessThanOrEqual(new Date(seenAt).getTime() + 24 * HOUR);
      expect(later.human).toContain(
        `payroll: OVERDUE — a scheduled run was due at ${overdue?.overdueSince} and none has started since (it has never run). ` +
          'Is `seatsync run` up, with Redis reachable? `seatsync resync --source payroll --wait` asks a worker to sync it now.',
      );

      const response = await api(base, READ_TOKEN)('/api/v1/status');
      expect((response.body as { sources: SourceStatus[] }).sources.find((s) => s.name === 'payroll')).toEqual(overdue);
      // The metric the SeatsyncSourceOverdue alert reads. With no last success, SeatsyncSourceStale
      // counts the source's age from when a worker first scheduled it.
      const metrics = (await api(base, null)('/metrics')).text;
      expect(metrics).toMatch(/^seatsync_source_overdue\{source="payroll"\} 1$/m);
      expect(metrics).not.toMatch(/^seatsync_source_last_success_timestamp_seconds\{source="payroll"\}/m);
      expect(metrics).toContain(`seatsync_source_first_seen_timestamp_seconds{source="payroll"} ${new Date(seenAt).getTime() / 1000}\n`);
      await withSignedInConsole(base, READ_TOKEN, async (page) => {
        const warning = page.getByRole('region', { name: 'Needs attention' });
        await warning.waitFor();
        expect(await warning.innerText()).toMatch(/The first scheduled run of payroll \(it has never run\) was due at .+ and none has started since: are the workers up and reaching Redis\?/);
      });
    });
  }, 60_000);

  it('a changed schedule is due from when a worker first scheduled it, not from the last run made under the old one', async () => {
    const overdueSince = (await status()).hr.overdueSince;
    expect(overdueSince).not.toBeNull();
    writeConfig('"0 4 * * *"', { hr: csv });
    // No worker has set the new schedule yet: the one a worker set (03:00) is still the one missed.
    const before = await status();
    expect(before.hr).toMatchObject({ lastRun: { status: 'ok' }, overdueSince });
    expect(before.human).toContain(`hr: OVERDUE — a scheduled run was due at ${overdueSince} `);
    expect(before.human).not.toContain('NOT SCHEDULED');
    // A worker sets it now: not overdue.
    await withWorker(async () => expect(await scheduleOf('hr')).toBe('cron 0 4 * * *'));
    const { human, hr } = await status();
    expect(hr).toMatchObject({ lastRun: { status: 'ok' }, overdueSince: null });
    expect(human).not.toContain('OVERDUE');
  }, 60_000);

  it('is never overdue without a schedule', async () => {
    writeConfig('off');
    const { human, hr } = await status();
    expect(hr.overdueSince).toBeNull();
    expect(human).not.toContain('OVERDUE');
  });
});
