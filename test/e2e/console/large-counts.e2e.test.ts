// The console with counts over a thousand: the overview writes them as the CLI, the emails and its own
// warnings do (1,198), in the pools table, the sources table, the waiting list's link and the queue's
// places, against `seatsync run` as a process with PostgreSQL and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOT_DIR, withSignedInConsole } from '../../support/browser.ts';
import { runCli } from '../../support/cli.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import {
  aConfigDir, clearPrefix, manyPeople, READ_TOKEN, requireRedis, spawnWorker, uniquePrefix, type WorkerProcess,
} from '../../integration/worker/worker-fixtures.ts';

describe('the console with more than a thousand accounts', () => {
  const prefix = uniquePrefix('console-counts');
  let pg: { url: string; drop: () => Promise<void> };
  let worker: WorkerProcess;
  let base: string;

  beforeAll(async () => {
    await requireRedis();
    pg = await createPostgresDatabase();
    const dir = aConfigDir();
    dir.writeConfig({ databaseUrl: pg.url, prefix, sources: { hr: dir.writeCsv('hr', manyPeople(1_200)) }, seats: { primary: 2 } });
    const sync = await runCli(['sync', '--config', dir.configPath]);
    expect(sync.code, sync.stderr).toBe(0);
    worker = spawnWorker(dir.configPath);
    base = await worker.started;
  }, 120_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await pg?.drop();
    await clearPrefix(prefix);
  });

  it('writes them with separators, as its warnings do', async () => {
    await withSignedInConsole(base, READ_TOKEN, async (page) => {
      const pools = page.getByRole('table', { name: 'Seats per pool' });
      await pools.waitFor();
      expect(await page.getByRole('region', { name: 'Needs attention' }).innerText()).toContain('primary is full: 1,198 accounts waiting for a seat.');
      expect((await pools.getByRole('row').nth(1).innerText()).split('\t').map((c) => c.trim())).toEqual(['primary', '', '2', '2', '0', '1,198']);
      expect(await page.getByRole('table', { name: 'Last run per source' }).getByRole('row').nth(1).innerText()).toMatch(/\t1,200\t/);
      expect(await page.getByRole('link', { name: 'All 1,198 waiting accounts' }).count()).toBe(1);
      expect(await page.getByRole('table', { name: 'The first accounts waiting for a seat, in queue order' }).innerText()).toContain('1st of 1,198 in the queue');
      await page.screenshot({ path: `${SCREENSHOT_DIR}overview-large-counts.png`, fullPage: true });
    });
  }, 60_000);
});
