// A source that stops syncing is seen: `seatsync sync` against a file that is gone fails, the
// responsible person gets one email once the outage reaches `notify.failureAfter` (over a real SMTP
// server), `status` and the API (which the admin console reads) show the failure even past run 10, and
// one "recovered" email follows the next good run.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase } from '../support/databases.ts';
import { TestSmtpServer } from '../support/smtp-server.ts';
import {
  aConfigDir, api, clearPrefix, manyPeople, READ_TOKEN, requireRedis, spawnWorker, uniquePrefix, waitFor, type ConfigDir,
} from '../integration/worker/worker-fixtures.ts';

const NOTIFY_TO = 'licenses@corp.example.test';

interface SourceStatus {
  name: string;
  lastRun: { status: string } | null;
  lastSuccessfulRun: { id: string } | null;
  consecutiveFailures: number;
  failingSince: string | null;
  lastError: { runId: string; message: string } | null;
}

describe('a source that keeps failing', () => {
  const prefix = uniquePrefix('failing');
  let pg: { url: string; drop: () => Promise<void> };
  let db: Database;
  let smtp: TestSmtpServer;
  let dir: ConfigDir;
  let csvPath: string;

  const sync = (): ReturnType<typeof runCli> => runCli(['sync', '--json', '--config', dir.configPath]);
  const status = async (): Promise<SourceStatus> => {
    const result = await runCli(['status', '--json', '--config', dir.configPath]);
    expect(result.code).toBe(0);
    return (JSON.parse(result.stdout) as { sources: SourceStatus[] }).sources[0] as SourceStatus;
  };

  beforeAll(async () => {
    await requireRedis();
    smtp = await TestSmtpServer.start({ tls: 'none' });
    pg = await createPostgresDatabase();
    dir = aConfigDir();
    csvPath = dir.writeCsv('hr', manyPeople(5));
    dir.writeConfig({
      databaseUrl: pg.url, prefix, sources: { hr: csvPath }, seats: { primary: 10 },
      extra: [
        'notify:',
        `  to: ${NOTIFY_TO}`,
        '  from: seatsync@corp.example.test',
        `  smtp: { host: 127.0.0.1, port: ${smtp.port} }`,
        '  failureAfter: 2 runs',
        '  remindEvery: 24h',
      ].join('\n'),
    });
    expect((await sync()).code).toBe(0);
    db = await openDatabase({ url: pg.url, dataDir: 'unused' });
    // Runs 2 to 9 happened earlier; the next real run is number 10.
    await db.query(`INSERT INTO runs (source, status, finished_at) SELECT 'hr', 'ok', now() FROM generate_series(2, 9)`);
    expect((await sync()).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await pg?.drop();
    await smtp?.close();
    await clearPrefix(prefix);
  });

  it('reports the failure in sync --json, and emails once the outage reaches failureAfter', async () => {
    rmSync(csvPath);
    const first = await sync();
    expect(first.code).toBe(1);
    const run = (JSON.parse(first.stdout) as { runs: { status: string; error?: { code: string; message: string } }[] }).runs[0];
    expect(run).toMatchObject({ status: 'failed', error: { code: expect.any(String), message: expect.stringContaining(csvPath) } });
    expect(smtp.messages).toHaveLength(0);
    expect((await runCli(['status', '--config', dir.configPath])).stdout).toMatch(/hr: FAILING since \S+ \(1 failed run\); last error: /);

    expect((await sync()).code).toBe(1);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail?.envelopeTo).toEqual([NOTIFY_TO]);
    expect(mail?.subject).toMatch(/^Sync failing: hr since .* \(2 failed runs\)$/);
    expect(mail?.text).toContain(csvPath);
    expect(mail?.text).toContain('seatsync check --source hr');

    expect((await sync()).code).toBe(1);
    expect(smtp.messages).toHaveLength(1);
  });

  it('shows the failure in status and the API, past run 10', async () => {
    const hr = await status();
    expect(hr).toMatchObject({ name: 'hr', lastRun: { status: 'failed' }, lastSuccessfulRun: { id: '10' }, consecutiveFailures: 3, lastError: { runId: '13' } });
    expect(hr.lastError?.message).toContain(csvPath);
    const human = await runCli(['status', '--config', dir.configPath]);
    expect(human.stdout).toMatch(/hr: FAILING since .* \(3 failed runs\); last error: .*hr\.csv/);

    const worker = spawnWorker(dir.configPath);
    try {
      const base = await worker.started;
      const response = await api(base, READ_TOKEN)('/api/v1/status');
      expect(response.status).toBe(200);
      expect((response.body as { sources: SourceStatus[] }).sources[0]).toEqual(hr);

      const metrics = async (): Promise<string> => (await api(base, null)('/metrics')).text;
      const text = await metrics();
      expect(text).toContain('seatsync_source_consecutive_failures{source="hr"} 3');
      const lastSuccess = Number(/^seatsync_source_last_success_timestamp_seconds\{source="hr"\} (\S+)$/m.exec(text)?.[1]);
      expect(Math.abs(lastSuccess * 1000 - Date.now())).toBeLessThan(120_000);
      expect(text).toContain('seatsync_config_last_reload_successful 1');
      // A broken config file: the worker keeps the previous one and says so in its metrics.
      const good = readFileSync(dir.configPath, 'utf8');
      writeFileSync(dir.configPath, `${good}pools: [not, a, mapping]\n`);
      try {
        await waitFor(async () => (await metrics()).includes('seatsync_config_last_reload_successful 0'), { what: 'the failed reload in the metrics' });
        expect(await metrics()).toMatch(/^seatsync_config_reload_failures_total [1-9]/m);
      } finally {
        writeFileSync(dir.configPath, good);
      }
      await waitFor(async () => (await metrics()).includes('seatsync_config_last_reload_successful 1'), { what: 'the good reload in the metrics' });
    } finally {
      expect(await worker.stop('SIGTERM')).toBe(0);
    }
  }, 60_000);

  it('sends one "recovered" email after the next good run', async () => {
    dir.writeCsv('hr', manyPeople(5));
    expect((await sync()).code).toBe(0);
    const mails = await smtp.waitForMessages(2);
    expect(mails[1]?.subject).toBe('Sync recovered: hr');
    expect(mails[1]?.text).toContain('3 failed runs');
    expect((await sync()).code).toBe(0);
    expect(smtp.messages).toHaveLength(2);
    expect(await status()).toMatchObject({ lastRun: { status: 'ok' }, consecutiveFailures: 0, failingSince: null, lastError: { runId: '13' } });
  });
});
