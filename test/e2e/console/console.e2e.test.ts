// The admin console in a real browser (Debian's Chromium through playwright-core) against `seatsync run`
// as a process with PostgreSQL and Redis: sign-in with read and admin tokens and a wrong one, Sync now
// to the end, block/unblock moving a seat to the first in the queue, search, Export CSV, a held run
// confirmed, the explanation of a waiting account, every page at 360 px without sideways scrolling, and
// the warnings of accounts frozen by unreadable entries and of a source taken out of the config.
// No page may log a console error or violate the CSP. Screenshots go to test-results/screenshots/.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { focused, launchChromium, overflowsHorizontally, SCREENSHOT_DIR, watchPage, type PageProblems } from '../../support/browser.ts';
import { runCli } from '../../support/cli.ts';
import { csvOf, type CsvPerson } from '../../support/config-builder.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import {
  ADMIN_TOKEN, aConfigDir, api, clearPrefix, READ_TOKEN, requireRedis, spawnWorker, uniquePrefix, waitFor,
  type ConfigDir, type WorkerProcess,
} from '../../integration/worker/worker-fixtures.ts';

const SEATS = 3;
const people: CsvPerson[] = Array.from({ length: 12 }, (_, i) => {
  const n = String(i + 1).padStart(2, '0');
  return { id: `id-${n}`, username: `user${n}`, displayName: `Person ${n}`, email: `user${n}@corp.example.test`, createdAt: new Date(Date.UTC(2020, 0, 1, 0, i)).toISOString() };
});

describe('the admin console in Chromium', () => {
  const prefix = uniquePrefix('console');
  let pg: { url: string; drop: () => Promise<void> };
  let dir: ConfigDir;
  let worker: WorkerProcess;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  /** Console errors a test expects (the 401 of a wrong token), removed from the check after it. */
  let expected: RegExp[] = [];

  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: true });
  const admin = () => api(base, ADMIN_TOKEN);

  async function openPage(width = 1280): Promise<void> {
    await context?.close();
    context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    problems = await watchPage(page);
  }

  async function signIn(token: string): Promise<void> {
    await page.goto(`${base}/`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function go(route: string, title: string): Promise<void> {
    await page.goto(`${base}/#${route}`);
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  }

  beforeAll(async () => {
    await requireRedis();
    pg = await createPostgresDatabase();
    dir = aConfigDir();
    const hr = dir.writeCsv('hr', people);
    dir.writeConfig({ databaseUrl: pg.url, prefix, sources: { hr }, seats: { primary: SEATS } });
    worker = spawnWorker(dir.configPath);
    base = await worker.started;
    browser = await launchChromium();
    console.log(`console screenshots: ${SCREENSHOT_DIR}`);
  }, 120_000);

  afterEach(() => {
    const unexpected = (problems?.all ?? []).filter((p) => !expected.some((e) => e.test(p)));
    expected = [];
    expect(unexpected).toEqual([]);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await worker?.stop('SIGKILL');
    await pg?.drop();
    await clearPrefix(prefix);
  });

  it('refuses a wrong token with a message, and keeps nothing of it', async () => {
    await openPage();
    await signIn('not-the-token');
    await page.getByRole('alert').filter({ hasText: 'This token is not accepted' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('seatsync-token'))).toBeNull();
    expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
    await shot('sign-in-refused');
    // Chromium logs the refused request itself; nothing else may go wrong.
    expected = [/status of 401/];
    expect(problems.all.filter((p) => !/status of 401/.test(p))).toEqual([]);
  });

  it('runs Sync now as an admin and shows it finish, then the pools filled', async () => {
    await openPage();
    await signIn(ADMIN_TOKEN);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('seatsync-token'))).toBe(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText('The sync finished.').waitFor({ timeout: 60_000 });
    const result = page.getByRole('table', { name: 'Result of the sync per source' });
    expect(await result.getByRole('cell', { name: 'ok', exact: true }).count()).toBe(1);
    const pools = page.getByRole('table', { name: 'Seats per pool' });
    await pools.getByRole('cell', { name: String(people.length - SEATS), exact: true }).waitFor();
    expect(await pools.getByRole('meter', { name: `primary: ${SEATS} of ${SEATS} seats used` }).count()).toBe(1);
    await page.getByText(`primary is full: ${people.length - SEATS} accounts waiting for a seat.`).waitFor();
    await shot('overview-admin');
    // The picture in the README and docs/production.md (docs/console-overview.png is a copy of it).
    await page.setViewportSize({ width: 1000, height: 640 });
    await page.screenshot({ path: `${SCREENSHOT_DIR}console-overview.png` });
  });

  it('shows a read token everything, without the controls, and the API refuses its writes', async () => {
    await openPage();
    await signIn(READ_TOKEN);
    await page.getByRole('table', { name: 'Seats per pool' }).waitFor();
    expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(0);
    await shot('overview-read');
    await go('/accounts/1', 'user01');
    await page.getByText('active: holds a seat in primary').waitFor();
    for (const name of ['Block', 'Unblock', 'Protect', 'Unprotect']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
    const status = await page.evaluate(async () => {
      const res = await fetch('api/v1/accounts/1/block', { method: 'POST', headers: { authorization: `Bearer ${sessionStorage.getItem('seatsync-token') ?? ''}` } });
      return res.status;
    });
    expect(status).toBe(403);
    expected = [/status of 403/];
  });

  it('lists the waiting list in queue order and explains why an account waits, as `seatsync explain` does', async () => {
    await openPage();
    await signIn(ADMIN_TOKEN);
    await go('/queue', 'Waiting list');
    const queue = page.getByRole('table', { name: 'Accounts waiting for a seat, in queue order' });
    const rows = queue.locator('tbody tr');
    expect(await rows.count()).toBe(people.length - SEATS);
    expect(await rows.nth(0).getByRole('link').textContent()).toBe('user04');
    expect(await rows.nth(2).textContent()).toContain(`primary is full (${SEATS} of ${SEATS} seats in use), 2 ahead waiting for it; 3rd of 9 in the queue`);
    await shot('waiting-list');
    await rows.nth(2).getByRole('link', { name: 'user06' }).click();
    await page.getByRole('heading', { level: 1, name: 'user06' }).waitFor();
    const why = (await page.locator('p.why').textContent()) ?? '';
    expect(why).toBe(`waiting for a seat: primary is full (${SEATS} of ${SEATS} seats in use), 2 ahead waiting for it; 3rd of 9 in the queue`);
    const cli = await runCli(['explain', 'user06', '--config', dir.configPath]);
    expect(cli.stdout).toContain(`why: ${why}\n`);
    await shot('account-waiting');
  });

  it('blocks an account with a reason: its seat goes to the first in the queue; unblocking puts it at the end', async () => {
    await openPage();
    await signIn(ADMIN_TOKEN);
    await go('/accounts/2', 'user02');
    await page.getByLabel('Reason (kept in the audit trail)').fill('left the project');
    await page.getByRole('button', { name: 'Block', exact: true }).click();
    await page.getByText('Blocked user02: now suspended.').waitFor();
    const history = page.getByRole('table', { name: 'Audit entries' });
    // The action's own entry reads as the action, not as a change from active to active; the suspension follows.
    const action = history.getByRole('row').filter({ has: page.getByRole('cell', { name: 'block (admin action): left the project', exact: true }) });
    await action.waitFor();
    expect((await action.getByRole('cell').allInnerTexts()).slice(1, 4)).toEqual(['', '', 'block (admin action): left the project']);
    const suspension = history.getByRole('row').filter({ has: page.getByRole('cell', { name: 'admin', exact: true }) });
    expect((await suspension.getByRole('cell').allInnerTexts()).slice(1, 4)).toEqual(['active', 'suspended', 'admin']);
    await shot('account-blocked');
    await go('/accounts/4', 'user04');
    await page.getByText('active: holds a seat in primary').waitFor();

    await go('/accounts/2', 'user02');
    await page.getByRole('button', { name: 'Unblock', exact: true }).click();
    await page.getByText('Unblocked user02: now blocked.').waitFor();
    // Why it waits: the admin who unblocked it while no seat was free, then its place at the end of the queue.
    await page.getByText(/^unblocked by \S+ on \S+, but no seat was free; waiting for a seat: primary is full \(3 of 3 seats in use\), 8 ahead waiting for it; 9th of 9 in the queue$/).waitFor();
    await page.getByRole('button', { name: 'Protect', exact: true }).click();
    await page.getByText('Protected user02: now active.').waitFor();
    await page.getByRole('button', { name: 'Unprotect', exact: true }).click();
    await page.getByText('Unprotected user02: now active.').waitFor();
  });

  it('searches accounts, filters by state, pages, and exports the filter as CSV', async () => {
    await openPage();
    await signIn(ADMIN_TOKEN);
    await go('/accounts', 'Accounts');
    const search = page.getByRole('searchbox', { name: 'Search accounts' });
    await search.fill('person 0');
    await search.press('Enter');
    await page.waitForURL(/#\/accounts\?q=person\+0/);
    const table = page.getByRole('table', { name: 'Accounts matching the search' });
    const listed = () => table.locator('tbody tr td:first-child').allTextContents();
    // Read until drawn: the list before the search shows these users too, and a search draws the page anew.
    const searched = people.slice(0, 9).map((p) => p.username ?? p.id);
    await expect.poll(listed, { timeout: 10_000 }).toEqual(searched);
    // Some of them hold a seat and some wait (the block above moved a seat): the filter must drop the
    // first and keep the others, so it is read from the API rather than assumed.
    const accounts = ((await admin()('/api/v1/accounts')).body as { items: { username: string; state: string }[] }).items;
    const blocked = searched.filter((name) => accounts.find((a) => a.username === name)?.state === 'blocked');
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked.length).toBeLessThan(searched.length);
    await page.getByLabel('State', { exact: true }).selectOption('blocked');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/q=person\+0.*state=blocked|state=blocked.*q=person\+0/);
    await expect.poll(listed, { timeout: 10_000 }).toEqual(blocked);
    await shot('accounts-search');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('accounts.csv');
    const csv = readFileSync(await download.path(), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toMatch(/^id,source,externalId,username,/);
    expect(csv.slice(1).map((line) => line.split(',')[3])).toEqual(blocked);
  });

  it('says why a run was held after Sync now and on the overview: an empty read', async () => {
    dir.writeCsv('hr', []);
    try {
      await openPage();
      await signIn(ADMIN_TOKEN);
      await page.getByLabel('Source', { exact: true }).selectOption('hr');
      await page.getByRole('button', { name: 'Sync now' }).click();
      const why = `the source returned no users although it has ${people.length} accounts`;
      await page.getByRole('status').filter({ hasText: `The run of hr was held, nothing was applied: ${why}.` }).waitFor({ timeout: 60_000 });
      await go('/', 'Overview');
      const warning = page.getByRole('region', { name: 'Needs attention' }).getByText(`The last run of hr was held, nothing was applied: ${why}.`);
      await warning.waitFor();
      await shot('overview-held-empty-read');
      expect((await admin()('/api/v1/accounts?state=removed')).body).toMatchObject({ items: [] });
    } finally {
      dir.writeCsv('hr', people);
    }
  });

  it('shows a held run, what it would remove, and applies it only after the confirmation', async () => {
    dir.writeCsv('hr', people.slice(0, 2));
    await openPage();
    await signIn(ADMIN_TOKEN);
    await page.getByLabel('Source', { exact: true }).selectOption('hr');
    await page.getByRole('button', { name: 'Sync now' }).click();
    const why = `it would disable 0 and remove 10 of ${people.length} accounts (policy.maxRemovals allows 5 per run)`;
    await page.getByRole('status').filter({ hasText: `The run of hr was held, nothing was applied: ${why}.` }).waitFor({ timeout: 60_000 });
    await go('/', 'Overview');
    await page.getByRole('region', { name: 'Needs attention' }).getByText(`The last run of hr was held, nothing was applied: ${why}.`).waitFor();
    expect((await admin()('/api/v1/accounts?state=removed')).body).toMatchObject({ items: [] });
    await page.getByRole('button', { name: 'Review the held run of hr' }).first().click();
    const confirm = page.getByRole('region', { name: 'Apply the held run of hr?' });
    await confirm.waitFor({ timeout: 60_000 });
    await confirm.getByText('It would disable 0 accounts and remove 10 accounts').waitFor();
    expect(await confirm.locator('tbody tr').count()).toBe(10);
    // The review is a dry run: still nothing removed.
    expect((await admin()('/api/v1/accounts?state=removed')).body).toMatchObject({ items: [] });
    await shot('held-run-confirm');
    await confirm.getByRole('button', { name: 'Apply the held run of hr' }).click();
    await page.getByText('The sync finished.').waitFor({ timeout: 60_000 });
    expect(((await admin()('/api/v1/accounts?state=removed')).body as { items: unknown[] }).items).toHaveLength(10);
    dir.writeCsv('hr', people);
  });

  it('lists runs and shows a run with its changes', async () => {
    await openPage();
    await signIn(READ_TOKEN);
    await go('/runs', 'Runs');
    const runs = page.getByRole('table', { name: 'The latest runs, newest first' });
    expect(await runs.getByRole('cell', { name: 'held', exact: true }).count()).toBeGreaterThanOrEqual(1);
    await shot('runs');
    await runs.locator('tbody tr').first().getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: /^Run #\d+ of hr$/ }).waitFor();
    const changes = page.getByRole('table', { name: 'Audit entries' });
    expect(await changes.getByRole('cell', { name: 'removed', exact: true }).count()).toBeGreaterThanOrEqual(10);
    await shot('run');
  });

  it('warns on the overview when the last run of a source failed, with its error', async () => {
    const csv = `${dir.dir}/hr.csv`;
    renameSync(csv, `${csv}.away`);
    try {
      await openPage();
      await signIn(ADMIN_TOKEN);
      await page.getByLabel('Source', { exact: true }).selectOption('hr');
      await page.getByRole('button', { name: 'Sync now' }).click();
      // A missing file is not retried: the job fails at once, and the result says so with the error.
      await page.getByText(/^The sync (of hr )?failed.*hr\.csv/).waitFor({ timeout: 60_000 });
      await go('/', 'Overview');
      const warning = page.getByRole('region', { name: 'Needs attention' }).getByText(/^The last run of hr failed/);
      await warning.waitFor();
      await shot('overview-failing-source');
    } finally {
      renameSync(`${csv}.away`, csv);
    }
  });

  it('fits every page into 360 px without sideways scrolling, and works from the keyboard', async () => {
    await openPage(360);
    await page.goto(`${base}/`);
    await page.getByLabel('API token').waitFor();
    // The token field has the focus; before it in the tab order is only the skip link.
    expect(await focused(page, 'id')).toBe('token');
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page, 'textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByRole('table', { name: 'Seats per pool' }).waitFor();
    expect(await overflowsHorizontally(page)).toBe(false);
    await shot('narrow-overview');
    for (const [route, title, name] of [['/queue', 'Waiting list', 'queue'], ['/accounts', 'Accounts', 'accounts'], ['/accounts/5', 'user05', 'account'], ['/runs', 'Runs', 'runs']] as const) {
      await go(route, title);
      await page.locator('main table, main p.empty, main dl').first().waitFor();
      expect(await overflowsHorizontally(page), route).toBe(false);
      await shot(`narrow-${name}`);
    }
    // The main navigation is reachable and usable with the keyboard.
    await page.getByRole('link', { name: 'Waiting list' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Waiting list' }).waitFor();
    expect(await focused(page, 'tagName')).toBe('H1');
  });

  it('warns of accounts frozen by unreadable entries and of a source taken out of the config, and lists the latter\'s accounts', async () => {
    type StatusBody = { sources: { name: string; frozen: { accounts: number; holdingSeats: number } }[]; unconfiguredSources: { name: string }[] };
    const status = async (): Promise<StatusBody> => (await admin()('/api/v1/status')).body as StatusBody;
    const hrPath = `${dir.dir}/hr.csv`;
    // An export whose `enabled` column reads Y for user01 and user02: both entries unreadable, the run ok.
    const lines = csvOf(people).split('\n').map((line, i) => (i === 1 || i === 2 ? line.replace(',true,', ',Y,') : line));
    writeFileSync(`${hrPath}.tmp`, lines.join('\n'));
    renameSync(`${hrPath}.tmp`, hrPath);
    const crm = dir.writeCsv('crm', [{ id: 'c1', username: 'crm1' }, { id: 'c2', username: 'crm2' }]);
    dir.writeConfig({ databaseUrl: pg.url, prefix, sources: { hr: hrPath, crm }, seats: { primary: SEATS } });
    expect((await runCli(['sync', '--config', dir.configPath])).code).toBe(0);
    // crm taken out of the config again: the worker re-reads it.
    dir.writeConfig({ databaseUrl: pg.url, prefix, sources: { hr: hrPath }, seats: { primary: SEATS } });
    const now = await waitFor(async () => {
      const body = await status();
      return body.unconfiguredSources.some((u) => u.name === 'crm') && body;
    }, { what: 'the worker to read the config without crm' });
    const frozen = now.sources.find((s) => s.name === 'hr')?.frozen;
    expect(frozen?.accounts).toBe(2);

    await openPage();
    await signIn(READ_TOKEN);
    const warnings = page.getByRole('region', { name: 'Needs attention' });
    await warnings.getByText(`2 accounts of hr are kept exactly as before (${frozen?.holdingSeats} holding seats): their directory entries are unreadable`).waitFor();
    expect(await warnings.getByRole('listitem').filter({ hasText: 'accounts of hr' }).innerText()).toContain('seatsync sync --source hr --dry-run --full names each entry');
    expect(await warnings.getByRole('listitem').filter({ hasText: 'crm is not' }).innerText()).toContain('only the header line id, then run seatsync sync --source crm --allow-removals.');
    await warnings.getByText('crm is not in the config any more, yet 2 accounts of it keep their state', { exact: false }).waitFor();
    await shot('overview-frozen-and-unconfigured');
    await warnings.getByRole('link', { name: 'See them' }).click();
    await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
    expect(await page.getByLabel('Source', { exact: true }).inputValue()).toBe('crm');
    const rows = page.getByRole('table').locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.allInnerTexts()).toEqual([expect.stringContaining('crm1'), expect.stringContaining('crm2')]);

    dir.writeCsv('hr', people);
    expect((await runCli(['sync', '--config', dir.configPath])).code).toBe(0);
    expect((await status()).sources.find((s) => s.name === 'hr')?.frozen).toEqual({ accounts: 0, holdingSeats: 0 });
  });
});
