// Finding a seat change in the audit trail: `seatsync audit` and `GET /api/v1/audit` filter by reason,
// by the account's source and (the CLI as the API) by run, each alone and together with the others; a
// reason or source that does not exist is refused, not answered with an empty list; a source removed from
// the config keeps its trail readable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase } from '../support/databases.ts';
import {
  ADMIN_TOKEN, aConfigDir, api, clearPrefix, manyPeople, READ_TOKEN, requireRedis, spawnWorker, uniquePrefix, type ConfigDir, type WorkerProcess,
} from '../integration/worker/worker-fixtures.ts';

/** The largest PostgreSQL bigint (19 digits), the largest id a run can have, and one more. */
const LARGEST_RUN_ID = '9223372036854775807';
const ABOVE_LARGEST_RUN_ID = '9223372036854775808';

interface Entry { username: string; source: string; from: string | null; to: string; reason: string; runId: string | null }

describe('audit filters', () => {
  const prefix = uniquePrefix('audit-filters');
  let pg: { url: string; drop: () => Promise<void> };
  let dir: ConfigDir;
  let worker: WorkerProcess | null = null;
  let removalRun: string;

  const cli = (...args: string[]) => runCli([...args, '--config', dir.configPath]);
  const audit = async (...args: string[]): Promise<Entry[]> => {
    const result = await cli('audit', '--json', ...args);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as Entry[];
  };
  const brief = (entries: readonly Entry[]): string[] => entries.map((e) => `${e.source}/${e.username} ${e.from ?? 'new'}→${e.to} ${e.reason}`);

  beforeAll(async () => {
    await requireRedis();
    pg = await createPostgresDatabase();
    dir = aConfigDir();
    const people = manyPeople(4, 'h');
    const hr = dir.writeCsv('hr', people);
    const crm = dir.writeCsv('crm', manyPeople(1, 'c'));
    dir.writeConfig({ databaseUrl: pg.url, prefix, sources: { hr, crm }, seats: { primary: 3 } });
    // Run 1 (hr): three seats for h1–h3, h4 waits; run 2 (crm): c1 waits too.
    expect((await cli('sync')).code).toBe(0);
    // Run 3 (hr): h2 leaves the file; its seat goes to h4, the first in the queue.
    dir.writeCsv('hr', people.filter((p) => p.id !== 'h000002'));
    const third = await cli('sync', '--source', 'hr', '--json');
    expect(third.code, third.stderr).toBe(0);
    removalRun = '3';
    // An admin blocks h1: its seat goes to c1, waiting since run 2.
    expect(await cli('accounts', 'block', 'h000001', '--reason', 'left the project')).toMatchObject({ code: 0 });
  }, 120_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await pg?.drop();
    await clearPrefix(prefix);
  });

  it('lists only the entries with a reason, of a source, of a run, and all three at once', async () => {
    expect(brief(await audit('--reason', 'removed'))).toEqual(['hr/h000002 active→removed removed']);
    // The admin's block of h1 freed a seat: c1, waiting since run 2, took it.
    expect(brief(await audit('--source', 'crm'))).toEqual(['crm/c000001 new→blocked seats', 'crm/c000001 blocked→active seats']);
    expect(brief(await audit('--run', removalRun))).toEqual(['hr/h000002 active→removed removed', 'hr/h000004 blocked→active seats']);
    expect(brief(await audit('--reason', 'seats', '--source', 'hr', '--run', removalRun))).toEqual(['hr/h000004 blocked→active seats']);
    // The admin's action has its own entry, with the admin's words; the suspension it caused follows as `admin`.
    expect((await audit('--reason', 'block')).map((e) => [e.username, (e as Entry & { comment: string }).comment])).toEqual([['h000001', 'left the project']]);
    expect(brief(await audit('--reason', 'admin'))).toEqual(['hr/h000001 active→suspended admin']);
    const human = await cli('audit', '--reason', 'removed');
    expect(human.stdout).toMatch(/h000002 \(\d+\) +active +removed +removed +run:3/);
  });

  it('lists the changes into a state: one run\'s newly blocked accounts, an admin\'s suspension without the action\'s own entry', async () => {
    expect(brief(await audit('--run', '1', '--to', 'blocked'))).toEqual(['hr/h000004 new→blocked seats']);
    // The block's own entry stays active→active (the stored row); only the suspension it caused reached a state.
    expect(brief(await audit('--to', 'suspended'))).toEqual(['hr/h000001 active→suspended admin']);
    expect(brief(await audit('--account', 'h000001', '--to', 'active'))).toEqual(['hr/h000001 new→active new']);
    const refused = await cli('audit', '--to', 'waiting');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--to must be one of active, blocked, suspended, disabled, removed, not "waiting"');
  });

  it('shows an admin\'s action as the action with its reason, not as a change from a state to the same state, and a new account as new', async () => {
    const human = (await cli('audit', '--account', 'h000001')).stdout;
    expect(human).toMatch(/h000001 \(\d+\) +block \(admin action\): left the project +cli:/);
    expect(human).toMatch(/h000001 \(\d+\) +active +suspended +admin +cli:/);
    expect(human).not.toMatch(/active +active/);
    expect((await cli('audit', '--source', 'crm')).stdout).toMatch(/c000001 \(\d+\) +new +blocked +seats +run:2/);
    const explain = (await cli('explain', 'h000001')).stdout;
    expect(explain).toMatch(/\n\S+ +block \(admin action\): left the project +cli:/);
    expect(explain).toMatch(/\n\S+ +new +active +new +run:1/);
  });

  it('refuses a reason or a source that does not exist, and a run that is not an id', async () => {
    const reason = await cli('audit', '--reason', 'deleted');
    expect(reason.code).toBe(2);
    expect(reason.stderr).toContain('--reason must be one of new, seats, directory-disabled');
    expect(reason.stderr).toContain('not "deleted"');
    const source = await cli('audit', '--source', 'payroll');
    expect(source.code).toBe(2);
    expect(source.stderr).toContain('"payroll"');
    expect((await cli('audit', '--run', 'run:3')).code).toBe(2);
  });

  it('names every bad value at once, each as its option, before it reads anything', async () => {
    const bad = await cli('audit', '--since', 'yesterday', '--to', 'waiting', '--limit', '0', '--source', 'payroll', '--json');
    expect(bad.code).toBe(2);
    const message = '--since: not a date: "yesterday" (use e.g. 2026-01-31 or 2026-01-31T12:00:00Z); ' +
      '--to must be one of active, blocked, suspended, disabled, removed, not "waiting"; --limit must be a whole number from 1 to 1000000, not "0"';
    expect(bad.stderr).toBe(`error: ${message}\n`);
    expect(JSON.parse(bad.stdout)).toEqual({ error: { code: 'usage', message } });
    // A value of kilobytes is quoted cut to its first 64 characters, its control characters escaped on the terminal.
    const long = await cli('audit', '--since', `\u001b[31m${'9'.repeat(16_000)}`);
    expect(long.code).toBe(2);
    expect(long.stderr).toBe(`error: --since: not a date: "\\x1b[31m${'9'.repeat(59)}…" (use e.g. 2026-01-31 or 2026-01-31T12:00:00Z)\n`);
  });

  it('takes any run id a run can have, up to the largest bigint, and refuses a larger one', async () => {
    expect(await audit('--run', LARGEST_RUN_ID)).toEqual([]);
    const above = await cli('audit', '--run', ABOVE_LARGEST_RUN_ID);
    expect(above.code, above.stderr).toBe(2);
    expect(above.stderr).toContain(`--run must be a run's numeric id (at most ${LARGEST_RUN_ID}), not "${ABOVE_LARGEST_RUN_ID}"`);
  });

  it('reads the trail of a source removed from the config, and still refuses an empty source name', async () => {
    // crm leaves the config (and stays out for the API's test below): its accounts and their history stay stored.
    dir.writeConfig({ databaseUrl: pg.url, prefix, sources: { hr: dir.writeCsv('hr', manyPeople(4, 'h').filter((p) => p.id !== 'h000002')) }, seats: { primary: 3 } });
    expect(brief(await audit('--source', 'crm'))).toEqual(['crm/c000001 new→blocked seats', 'crm/c000001 blocked→active seats']);
    const empty = await cli('audit', '--source', '');
    expect(empty.code, empty.stderr).toBe(2);
    expect(empty.stderr).toContain('unknown source ""; configured: hr');
    const typo = await cli('audit', '--source', 'crn');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown source "crn"; configured: hr');
  });

  it('filters the same way in the API', async () => {
    worker = spawnWorker(dir.configPath);
    const base = await worker.started;
    const reader = api(base, READ_TOKEN);
    const page = async (query: string): Promise<Entry[]> => {
      const response = await reader(`/api/v1/audit?${query}`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return (response.body as { items: Entry[] }).items;
    };
    expect(brief(await page('reason=removed'))).toEqual(['hr/h000002 active→removed removed']);
    // crm is no longer configured (the test above removed it): its trail is still read.
    expect(brief(await page('source=crm'))).toEqual(['crm/c000001 new→blocked seats', 'crm/c000001 blocked→active seats']);
    expect(brief(await page(`reason=seats&source=hr&run=${removalRun}`))).toEqual(['hr/h000004 blocked→active seats']);
    expect(brief(await page('run=1&to=blocked'))).toEqual(['hr/h000004 new→blocked seats']);
    expect(brief(await page('to=suspended'))).toEqual(['hr/h000001 active→suspended admin']);
    expect((await reader('/api/v1/audit?to=waiting')).status).toBe(400);
    expect((await reader('/api/v1/audit?reason=deleted')).status).toBe(400);
    expect((await reader('/api/v1/audit?source=')).status).toBe(400);
    const unknown = await reader('/api/v1/audit?source=payroll');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { code: 'unknown-source' } });
    // Run ids: the same form as the CLI's, a 19-digit one included; one above the largest bigint is the client's error.
    expect(await page(`run=${LARGEST_RUN_ID}`)).toEqual([]);
    // Refused in the CLI's words, each value named as its parameter.
    expect(await reader(`/api/v1/audit?run=${ABOVE_LARGEST_RUN_ID}`)).toMatchObject({
      status: 400, body: { error: { code: 'validation', message: `run must be a run's numeric id (at most ${LARGEST_RUN_ID}), not "${ABOVE_LARGEST_RUN_ID}"` } },
    });
    expect(await reader(`/api/v1/audit?since=yesterday&run=${ABOVE_LARGEST_RUN_ID}&source=payroll`)).toMatchObject({
      status: 400,
      body: { error: { code: 'validation', message: `since: not a date: "yesterday" (use e.g. 2026-01-31 or 2026-01-31T12:00:00Z); run must be a run's numeric id (at most ${LARGEST_RUN_ID}), not "${ABOVE_LARGEST_RUN_ID}"` } },
    });
    // An admin's reason it refuses names its field, as the CLI names its option.
    const admin = api(base, ADMIN_TOKEN);
    expect(await admin('/api/v1/accounts/h000003/protect', { method: 'POST', body: { reason: 'two\nlines' } })).toMatchObject({
      status: 400, body: { error: { code: 'invalid-reason', message: 'reason: contains a control character (a line break, tab or NUL); write it on one line' } },
    });
    // At most 500 characters as the schema counts them: an emoji is one.
    expect(await admin('/api/v1/accounts/h000003/protect', { method: 'POST', body: { reason: '\u{1F512}'.repeat(500) } })).toMatchObject({ status: 200, body: { changed: true } });
    expect(await admin('/api/v1/accounts/h000003/protect', { method: 'POST', body: { reason: '\u{1F512}'.repeat(501) } })).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
  }, 60_000);
});

describe('counts in the audit trail\'s and the account list\'s lines', () => {
  const prefix = uniquePrefix('audit-counts');
  let pg: { url: string; drop: () => Promise<void> };
  let dir: ConfigDir;

  beforeAll(async () => {
    pg = await createPostgresDatabase();
    dir = aConfigDir();
    dir.writeConfig({ databaseUrl: pg.url, prefix, sources: { hr: dir.writeCsv('hr', manyPeople(1_001, 'n')) }, seats: { primary: 5 } });
    const sync = await runCli(['sync', '--json', '--config', dir.configPath]);
    expect(sync.code, sync.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await pg?.drop();
  });

  it('writes them with thousands separators, as every count', async () => {
    // 1,001 new accounts: one audit entry each, more than the 1,000 latest shown by default.
    const audit = await runCli(['audit', '--config', dir.configPath]);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toContain('\nthe latest 1,000 entries; earlier ones with a larger --limit\n');
    const accounts = await runCli(['accounts', '--config', dir.configPath]);
    expect(accounts.code, accounts.stderr).toBe(0);
    expect(accounts.stdout.trimEnd().split('\n').at(-1)).toBe('1,001 accounts');
  });
});
