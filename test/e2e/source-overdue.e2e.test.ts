// A source whose scheduled runs stopped starting (no worker, its schedules lost) must not look ok:
// its last run was ok, it has no failure, yet `status`, `status --json` and the API say that a run was
// due and none has started. The runs' times are moved back in the database, as if the last run had
// been two days ago; a source without a schedule is never overdue. The metric and the console say it too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { SCREENSHOT_DIR, withSignedInConsole } from '../support/browser.ts';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase } from '../support/databases.ts';
import {
  aConfigDir, api, clearPrefix, freePort, manyPeople, READ_TOKEN, requireRedis, spawnWorker, uniquePrefix, type ConfigDir,
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
  let port: number;
  let csv: string;

  // Daily at 03:00: a worker started by the test does not run it at once.
  const writeConfig = (schedule: string): void => dir.writeConfig({ databaseUrl: pg.url, prefix, port, sources: { hr: csv }, seats: { primary: 10 }, schedule });
  const status = async (): Promise<{ human: string; hr: SourceStatus }> => {
    const json = await runCli(['status', '--json', '--config', dir.configPath]);
    expect(json.code, json.stderr).toBe(0);
    const human = await runCli(['status', '--config', dir.configPath]);
    expect(human.code, human.stderr).toBe(0);
    return { human: human.stdout, hr: (JSON.parse(json.stdout) as { sources: SourceStatus[] }).sources[0] as SourceStatus };
  };

  beforeAll(async () => {
    await requireRedis();
    pg = await createPostgresDatabase();
    dir = aConfigDir();
    csv = dir.writeCsv('hr', manyPeople(5));
    port = await freePort();
    writeConfig('"0 3 * * *"');
    const sync = await runCli(['sync', '--config', dir.configPath]);
    expect(sync.code, sync.stderr).toBe(0);
    db = await openDatabase({ url: pg.url, dataDir: 'unused' });
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
      await worker.started;
      const response = await api(`http://127.0.0.1:${port}`, READ_TOKEN)('/api/v1/status');
      expect(response.status).toBe(200);
      expect((response.body as { sources: SourceStatus[] }).sources[0]).toEqual(hr);
      // The metric the SeatsyncSourceOverdue alert reads.
      expect((await api(`http://127.0.0.1:${port}`, null)('/metrics')).text).toMatch(/^seatsync_source_overdue\{source="hr"\} 1$/m);

      // The console's overview, which reads the same status, puts it under Needs attention.
      await withSignedInConsole(`http://127.0.0.1:${port}`, READ_TOKEN, async (page) => {
        const warning = page.getByRole('region', { name: 'Needs attention' });
        await warning.waitFor();
        expect(await warning.innerText()).toMatch(/A scheduled run of hr was due at .+ and none has started since: are the workers up and reaching Redis\?/);
        await page.screenshot({ path: `${SCREENSHOT_DIR}source-overdue-overview.png`, fullPage: true });
      });
    } finally {
      expect(await worker.stop('SIGTERM')).toBe(0);
    }
  }, 60_000);

  it('is never overdue without a schedule', async () => {
    writeConfig('off');
    const { human, hr } = await status();
    expect(hr.overdueSince).toBeNull();
    expect(human).not.toContain('OVERDUE');
  });
});
