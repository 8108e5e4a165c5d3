// `seatsync resync --wait` says what happens: each failed attempt with its error and next retry as it
// happens, exit 1 once the job failed for good, a held run and why it was held (exit 3), and a bounded
// wait when no worker is there to start it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { runCli } from '../support/cli.ts';
import { closedPort } from '../support/closed-port.ts';
import { createPostgresDatabase } from '../support/databases.ts';
import {
  aConfigDir, clearPrefix, manyPeople, requireRedis, spawnWorker, uniquePrefix, waitFor, workerConfigYaml, type WorkerProcess,
} from '../integration/worker/worker-fixtures.ts';

describe('seatsync resync --wait', () => {
  const prefix = uniquePrefix('resync');
  let pg: { url: string; drop: () => Promise<void> };
  let db: Database;
  let worker: WorkerProcess | null = null;
  const dir = aConfigDir();
  const missing = join(dir.dir, 'gone.csv');

  /** Source `hr` as a directory nobody answers on (a stopped server), or as a file that does not exist. */
  const writeConfig = (hr: { ldapPort: number } | 'missing-file'): void => {
    const yaml = workerConfigYaml({ databaseUrl: pg.url, prefix, sources: { hr: missing } });
    const ldap =
      typeof hr === 'object'
        ? `  - { name: hr, kind: ldap, flavor: openldap, url: "ldap://127.0.0.1:${hr.ldapPort}", bindDN: "cn=sync,dc=example,dc=test", ` +
          'bindPassword: secret, baseDN: "dc=example,dc=test", schedule: off }'
        : null;
    writeFileSync(dir.configPath, ldap === null ? yaml : yaml.replace(/^ {2}- \{ name: hr, kind: file.*$/m, ldap));
  };

  beforeAll(async () => {
    await requireRedis();
    pg = await createPostgresDatabase();
    db = await openDatabase({ url: pg.url, dataDir: 'unused' });
  });

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await db?.close();
    await pg?.drop();
    await clearPrefix(prefix);
  });

  it('gives up with a clear message when no worker starts the job, once on stderr and as the --json error document', async () => {
    writeConfig('missing-file');
    const started = Date.now();
    const result = await runCli(['resync', '--wait', '--json', '--start-timeout', '2', '--config', dir.configPath], { timeoutMs: 30_000 });
    expect(result.code).toBe(1);
    expect(result.stderr.match(/no seatsync worker picked up sync job/g)).toHaveLength(1);
    expect(result.stderr).toContain(`prefix "${prefix}"`);
    expect(result.stderr).not.toContain('"level"');
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'no-worker', message: expect.stringMatching(/^no seatsync worker picked up sync job \S+ within 2 s/) } });
    expect(Date.now() - started).toBeLessThan(15_000);
    await clearPrefix(prefix);
  });

  it('prints each failed attempt and its retry, and exits 1 once the job failed for good', async () => {
    writeConfig({ ldapPort: await closedPort() });
    worker = spawnWorker(dir.configPath);
    await worker.started;
    const resync = runCli(['resync', '--wait', '--source', 'hr', '--config', dir.configPath], { timeoutMs: 90_000 });
    // The first attempt fails (nobody answers); before its retry the source becomes a file that is gone,
    // an error no retry can fix.
    await waitFor(async () => (await db.query(`SELECT 1 FROM runs WHERE status = 'failed'`)).rowCount > 0, { what: 'the first failed attempt' });
    writeConfig('missing-file');
    const result = await resync;
    expect(result.stderr).toMatch(/attempt 1 of 5 failed: hr: cannot reach ldap:\/\/127\.0\.0\.1:\d+: connection refused .*; next retry at \S+ \(in \d+ s\)/);
    expect(result.stderr).toMatch(/error: sync job \S+ failed: hr: file .*gone\.csv does not exist/);
    expect(result.code).toBe(1);
  }, 120_000);

  it('says why a run was held, as the worker decided it, and exits 3', async () => {
    await worker?.stop();
    const hr = dir.writeCsv('hr', manyPeople(6, 'p'));
    writeFileSync(dir.configPath, workerConfigYaml({ databaseUrl: pg.url, prefix, sources: { hr } }));
    worker = spawnWorker(dir.configPath);
    await worker.started;
    const resync = (...flags: string[]) => runCli(['resync', '--wait', '--source', 'hr', ...flags, '--config', dir.configPath], { timeoutMs: 60_000 });
    const first = await resync();
    expect(first.code).toBe(0);
    // The result table is the one `sync` prints, skipped entries included.
    expect(first.stdout.split('\n')[0]).toMatch(/^source +status +seen +created +updated +activated +blocked +disabled +removed +skipped +time$/);
    dir.writeCsv('hr', []);
    const held = await resync();
    expect(held.stdout).toContain(
      'hr: HELD — the source returned no users although it has 6 accounts. Nothing was applied. See which accounts it would disable or remove with:\n' +
        '  seatsync sync --source hr --dry-run --allow-removals --only disabled,removed\nIf this is right, apply it with:\n' +
        '  seatsync resync --source hr --allow-removals',
    );
    expect(held.code).toBe(3);
    const json = await resync('--json');
    expect((JSON.parse(json.stdout) as { runs: unknown[] }).runs).toEqual([
      expect.objectContaining({ source: 'hr', status: 'held', held: { wouldDisable: 0, wouldRemove: 6, total: 6, threshold: 5, reason: 'empty-read' } }),
    ]);
    expect(json.code).toBe(3);
  }, 120_000);
});
