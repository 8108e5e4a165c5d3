// Two ways a source stops syncing while its runs look fine, seen through the `seatsync` command, the API
// and the metrics of `seatsync run` (PostgreSQL, file sources): a CSV export whose `enabled` column
// became Y/N (every such entry unreadable, its account frozen, the run ok), and a source taken out of the
// config (its accounts keep their seats). Then the documented way to release a removed source's seats:
// put it back reading a CSV file with only the header `id`, and sync it with --allow-removals.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase } from '../support/databases.ts';
import {
  aConfigDir, api, clearPrefix, READ_TOKEN, requireRedis, spawnWorker, uniquePrefix, type ConfigDir,
} from '../integration/worker/worker-fixtures.ts';

interface Frozen {
  accounts: number;
  holdingSeats: number;
}
interface StatusDocument {
  pools: { name: string; used: number }[];
  sources: { name: string; frozen: Frozen }[];
  unconfiguredSources: { name: string; accounts: number; holdingSeats: number }[];
}

const HEADER = 'id,username,enabled';
/** hr's export: three people, the first two with `enabled` as given. */
const hrCsv = (enabled: string): string => [HEADER, `h1,ann,${enabled}`, `h2,ben,${enabled}`, 'h3,cat,true'].join('\n');

describe('sources that stopped syncing while their runs look ok', () => {
  const prefix = uniquePrefix('frozen');
  let pg: { url: string; drop: () => Promise<void> };
  let dir: ConfigDir;
  let hrPath: string;
  let crmPath: string;

  const writeConfig = (sources: Record<string, string>): void => dir.writeConfig({ databaseUrl: pg.url, prefix, sources, seats: { primary: 10 } });
  const cli = (...args: string[]): ReturnType<typeof runCli> => runCli([...args, '--config', dir.configPath]);
  const status = async (): Promise<StatusDocument> => {
    const result = await cli('status', '--json');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as StatusDocument;
  };
  const frozenOf = (doc: StatusDocument, name: string): Frozen | undefined => doc.sources.find((s) => s.name === name)?.frozen;

  beforeAll(async () => {
    await requireRedis();
    pg = await createPostgresDatabase();
    dir = aConfigDir();
    hrPath = join(dir.dir, 'hr.csv');
    crmPath = join(dir.dir, 'crm.csv');
    writeFileSync(hrPath, hrCsv('true'));
    writeFileSync(crmPath, [HEADER, 'c1,dan,true', 'c2,eve,true'].join('\n'));
    writeConfig({ hr: hrPath, crm: crmPath });
    expect((await cli('sync')).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await pg?.drop();
    await clearPrefix(prefix);
  });

  it('shows the accounts an export with enabled=Y/N froze, and the accounts of a source taken out of the config', async () => {
    expect((await status()).sources.map((s) => [s.name, s.frozen])).toEqual([['hr', { accounts: 0, holdingSeats: 0 }], ['crm', { accounts: 0, holdingSeats: 0 }]]);
    expect((await cli('status')).stdout).not.toContain('FROZEN');

    writeFileSync(hrPath, hrCsv('Y'));
    const run = await cli('sync', '--json');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { runs: { source: string; status: string; skipped: number }[] }).runs).toMatchObject([
      { source: 'hr', status: 'ok', skipped: 2 }, { source: 'crm', status: 'ok', skipped: 0 },
    ]);
    expect(frozenOf(await status(), 'hr')).toEqual({ accounts: 2, holdingSeats: 2 });
    const human = (await cli('status')).stdout;
    expect(human).toContain('hr: FROZEN — 2 accounts are kept exactly as they were (holding seats: 2): their directory entries are unreadable');
    expect(human).toContain('`seatsync sync --source hr --dry-run --full` names each entry');
    // The command the warning names does name them.
    const named = await cli('sync', '--source', 'hr', '--dry-run', '--full');
    expect(named.stdout).toContain('hr: skipped line 2 (enabled): enabled must be');
    expect(named.stdout).toContain('hr: skipped line 3 (enabled): enabled must be');

    writeConfig({ hr: hrPath });
    const doc = await status();
    expect(doc.unconfiguredSources).toEqual([{ name: 'crm', accounts: 2, holdingSeats: 2 }]);
    expect(doc.sources.map((s) => s.name)).toEqual(['hr']);
    expect((await cli('status')).stdout).toContain('crm: NOT IN THE CONFIG — 2 accounts keep their state (holding seats: 2) and nothing syncs them.');
    // Listed by their source's name, which `sync` still refuses.
    const listed = await cli('accounts', '--source', 'crm', '--json');
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { username: string; state: string }[]).map((a) => [a.username, a.state])).toEqual([['dan', 'active'], ['eve', 'active']]);
    expect((await cli('accounts', '--source', 'crn')).code).toBe(2);
    expect((await cli('sync', '--source', 'crm')).code).toBe(2);

    const worker = spawnWorker(dir.configPath);
    try {
      const base = await worker.started;
      const response = await api(base, READ_TOKEN)('/api/v1/status');
      expect(response.status).toBe(200);
      const body = response.body as StatusDocument;
      expect(body.sources.map((s) => [s.name, s.frozen])).toEqual([['hr', { accounts: 2, holdingSeats: 2 }]]);
      expect(body.unconfiguredSources).toEqual(doc.unconfiguredSources);
      const accounts = await api(base, READ_TOKEN)('/api/v1/accounts?source=crm');
      expect(accounts.status).toBe(200);
      expect((accounts.body as { items: unknown[] }).items).toHaveLength(2);
      expect((await api(base, READ_TOKEN)('/api/v1/accounts?source=crn')).status).toBe(400);
      expect((await api(base, null)('/metrics')).text).toMatch(/^seatsync_source_accounts_frozen\{source="hr"\} 2$/m);
    } finally {
      expect(await worker.stop('SIGTERM')).toBe(0);
    }
  }, 120_000);

  it('releases the removed source\'s seats as the README says: back in the config reading a header-only CSV, synced with --allow-removals', async () => {
    const emptyPath = join(dir.dir, 'crm-empty.csv');
    writeFileSync(emptyPath, 'id\n');
    writeConfig({ hr: hrPath, crm: emptyPath });
    // An empty read of a source that has accounts is always held (SPEC rule 10).
    const held = await cli('sync', '--source', 'crm', '--json');
    expect(held.code).toBe(3);
    expect((JSON.parse(held.stdout) as { runs: { status: string }[] }).runs[0]?.status).toBe('held');
    const applied = await cli('sync', '--source', 'crm', '--allow-removals', '--json');
    expect(applied.code).toBe(0);
    expect((JSON.parse(applied.stdout) as { runs: { status: string; removed: number }[] }).runs[0]).toMatchObject({ status: 'ok', removed: 2 });
    const after = await status();
    expect(after.pools.find((p) => p.name === 'primary')?.used).toBe(3);
    expect(after.unconfiguredSources).toEqual([]);
    writeConfig({ hr: hrPath });
    expect((await status()).unconfiguredSources).toEqual([]);
    expect((await cli('status')).stdout).not.toContain('NOT IN THE CONFIG');

    // hr's export fixed: its accounts are read again and nothing stays frozen.
    writeFileSync(hrPath, hrCsv('true'));
    expect((await cli('sync')).code).toBe(0);
    expect(frozenOf(await status(), 'hr')).toEqual({ accounts: 0, holdingSeats: 0 });
    expect((await cli('status')).stdout).not.toContain('FROZEN');
  }, 120_000);
});
