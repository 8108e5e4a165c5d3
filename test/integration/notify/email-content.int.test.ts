// Every kind of email, caused by real runs and admin actions (a CSV file source built through the
// factory, the real sync, the outbox) and delivered over SMTP to a real server: what the alerting inbox
// reads, in the text and in the HTML body, checked against the run that caused it (names, counts, pools,
// times), and the headers on the wire (Auto-Submitted, a Message-ID in the domain of notify.from).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotifyConfig, SeatsyncConfig } from '../../../src/config/types.ts';
import { silentLogger } from '../../../src/logging.ts';
import { deliverOutbox } from '../../../src/notify/deliver.ts';
import { formatTime } from '../../../src/notify/message-document.ts';
import { runHooksFor } from '../../../src/run-hooks.ts';
import { SmtpTransport } from '../../../src/notify/transports/smtp-transport.ts';
import { repositoriesOf } from '../../../src/store/repositories.ts';
import { outboxOf } from '../../../src/store/outbox-store.ts';
import { applyAdminAction, type AdminAction } from '../../../src/sync/admin-actions.ts';
import { explainAccountRef } from '../../../src/sync/explain.ts';
import type { SyncReport } from '../../../src/sync/run-sync.ts';
import { syncWithAllocation } from '../../support/sync.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../support/cli.ts';
import { aConfig, aConfigYaml, aCsvFile, aFileSource, people, type CsvPerson } from '../../support/config-builder.ts';
import { openTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { TestSmtpServer, type ReceivedMail } from '../../support/smtp-server.ts';

const TO = 'licenses@corp.example.test';
const FROM = 'Seatsync <seatsync@Corp.Example.Test>';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 2, 9, 0);
const at = (ms: number): string => formatTime(new Date(ms).toISOString());

/** The HTML body as the words a reader sees: tags dropped, entities decoded, spaces collapsed. */
function htmlWords(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/\s+/g, ' ');
}

/** Every fact is in the text body and in the HTML body. */
function expectFacts(mail: ReceivedMail | undefined, facts: readonly string[]): void {
  const text = (mail?.text ?? '').replace(/\s+/g, ' ');
  const html = htmlWords(mail?.html ?? '');
  for (const fact of facts) {
    expect(text, `text body: ${fact}`).toContain(fact);
    expect(html, `HTML body: ${fact}`).toContain(fact);
  }
}

/** The pool row of the table, in both bodies. */
function expectPoolRow(mail: ReceivedMail | undefined, pool: { name: string; seats: number; used: number; available: number; waiting: number }): void {
  const cells = [pool.seats, pool.used, pool.available, pool.waiting];
  expect(mail?.text).toMatch(new RegExp(`\\n  ${pool.name} +${cells.join(' +')}\\n`));
  expect(mail?.html).toMatch(new RegExp(`<td[^>]*>${pool.name}</td>${cells.map((n) => `<td[^>]*>${n}</td>`).join('')}`));
}

// The words do not depend on the database (both run the same SQL): PostgreSQL, the faster one here.
describe.each(['postgres'] as const)('the emails of real runs on %s', (kind) => {
  let smtp: TestSmtpServer;
  let transport: SmtpTransport;
  let seen = 0;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start({ tls: 'none' });
    transport = new SmtpTransport({
      smtp: { host: smtp.host, port: smtp.port, secure: false, requireTls: false, user: null, password: null, caFile: null, rejectUnauthorized: true },
      from: FROM,
    });
  });
  afterAll(async () => {
    await transport.close();
    await smtp.close();
  });

  interface World {
    readonly t: TestDatabase;
    readonly csv: ReturnType<typeof aCsvFile>;
    readonly config: SeatsyncConfig;
    /** `allowRemovals`: as `seatsync sync --allow-removals` (an admin applying a held run). */
    sync(now: number, options?: { config?: SeatsyncConfig; people?: readonly CsvPerson[]; allowRemovals?: boolean }): Promise<SyncReport>;
    admin(action: AdminAction, ref: string, now: number): Promise<void>;
    /** Delivers what the outbox holds and returns the messages the server received since the last call. */
    mails(): Promise<ReceivedMail[]>;
  }

  async function world(list: readonly CsvPerson[], overrides: Omit<Partial<SeatsyncConfig>, 'notify'> & { notify?: Partial<NotifyConfig> } = {}): Promise<World> {
    const t = await openTestDatabase(kind);
    const csv = aCsvFile(list);
    const notify: NotifyConfig = {
      to: TO,
      from: FROM,
      transport: { kind: 'log' },
      remindEveryMs: null,
      warnAt: null,
      failureAfter: null,
      ...overrides.notify,
    };
    const { notify: _, ...rest } = overrides;
    const config = aConfig({ sources: [aFileSource('hr', csv.path)], pools: [{ name: 'primary', seats: 2, notify: null }], ...rest, notify });
    const logger = silentLogger();
    const outbox = outboxOf(t.db);
    return {
      t,
      csv,
      config,
      async sync(now, options = {}) {
        const c = options.config ?? config;
        if (options.people) csv.write(options.people);
        return (await syncWithAllocation(t.db, c, { now, allowRemovals: options.allowRemovals === true })).report;
      },
      async admin(action, ref, now) {
        const notifier = runHooksFor(config, outbox);
        await applyAdminAction({ db: t.db, config, ...(notifier ? { notifier } : {}) }, { action, ref, actor: 'ops', now });
      },
      async mails() {
        // Rows are due at their (real) creation time; the runs' clocks are in the past.
        await deliverOutbox({ outbox, transport, logger, now: () => Date.now() + DAY });
        const fresh = smtp.messages.slice(seen);
        seen = smtp.messages.length;
        for (const mail of fresh) {
          expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
          expect(mail.headers.get('message-id')).toMatch(/^<seatsync\.[0-9a-f]{32}@corp\.example\.test>$/);
          expect(mail.envelopeTo).toEqual([TO]);
        }
        return fresh;
      },
    };
  }

  it('limit exceeded, then a reminder while the account keeps waiting', async () => {
    const w = await world(people(3), { notify: { remindEveryMs: HOUR } });
    try {
      await w.sync(T0);
      const [limit, ...more] = await w.mails();
      expect(more).toEqual([]);
      expect(limit?.subject).toBe('License limit exceeded — primary 2/2, 1 waiting');
      expectFacts(limit, [
        `The sync of hr at ${at(T0)} found no free seat for 1 account. It is blocked and holds no seat;`,
        'Newly blocked accounts (1)',
        'Person u003',
        'u003@example.test',
        'pools.primary.seats',
      ]);
      expect(limit?.text).not.toMatch(/Person u00[12]/);
      expectPoolRow(limit, { name: 'primary', seats: 2, used: 2, available: 0, waiting: 1 });

      await w.sync(T0 + 30 * 60_000);
      expect(await w.mails()).toEqual([]); // within remindEvery
      await w.sync(T0 + 2 * HOUR);
      const [reminder] = await w.mails();
      expect(reminder?.subject).toBe('Still over the license limit — primary 2/2, 1 waiting');
      expectFacts(reminder, [`1 account is still waiting for a seat in primary. The last email about it was sent at ${at(T0)}.`, 'It is activated automatically']);
      expectPoolRow(reminder, { name: 'primary', seats: 2, used: 2, available: 0, waiting: 1 });
    } finally {
      await w.t.drop();
    }
  });

  it('counts over a thousand are written one way in the subject, the sentences, the pool table and the list', async () => {
    const w = await world(people(1200));
    try {
      const report = await w.sync(T0);
      const [limit] = await w.mails();
      expect(limit?.subject).toBe('License limit exceeded — primary 2/2, 1,198 waiting');
      expectFacts(limit, ['found no free seat for 1,198 accounts', 'Newly blocked accounts (1,198)', `… and 1,148 more: seatsync audit --run ${report.runs[0]?.runId} --to blocked`]);
      expect(limit?.text).toMatch(/\n {2}primary +2 +2 +0 +1,198\n/);
      expect(limit?.html).toMatch(/<td[^>]*>primary<\/td><td[^>]*>2<\/td><td[^>]*>2<\/td><td[^>]*>0<\/td><td[^>]*>1,198<\/td>/);
    } finally {
      await w.t.drop();
    }
  });

  it('a long list of newly blocked accounts ends with a command that lists exactly the accounts that run blocked, not everyone waiting', async () => {
    const w = await world(people(60));
    try {
      await w.sync(T0);
      expect(await w.mails()).toHaveLength(1); // run 1: u003–u060 wait
      // Run 2: sixty newcomers, none of whom finds a seat; the 58 of run 1 still wait ahead of them.
      const report = await w.sync(T0 + HOUR, { people: people(120) });
      const [limit] = await w.mails();
      const runId = report.runs[0]?.runId;
      const command = `seatsync audit --run ${runId} --to blocked`;
      expectFacts(limit, ['found no free seat for 60 accounts', 'Newly blocked accounts (60)', `… and 10 more: ${command}`]);

      // The command as the reader types it, against the same database.
      const dir = mkdtempSync(join(tmpdir(), 'seatsync-email-'));
      const configPath = join(dir, 'seatsync.yaml');
      writeFileSync(configPath, aConfigYaml({ databaseUrl: w.t.url, sources: { hr: w.csv.path }, seats: { primary: 2 } }));
      const listed = await runCli([...command.split(' ').slice(1), '--json', '--config', configPath]);
      expect(listed.code, listed.stderr).toBe(0);
      const entries = JSON.parse(listed.stdout) as { username: string; from: string | null; to: string }[];
      expect(entries.map((e) => e.username).sort()).toEqual(people(60, 61).map((p) => p.username));
      expect(new Set(entries.map((e) => `${e.from ?? 'new'}→${e.to}`))).toEqual(new Set(['new→blocked']));
      // The list the email used to give: everyone waiting, run 1's accounts too.
      const waiting = await runCli(['accounts', '--state', 'blocked', '--json', '--config', configPath]);
      expect((JSON.parse(waiting.stdout) as unknown[]).length).toBe(118);
    } finally {
      await w.t.drop();
    }
  }, 60_000);

  it('early warning when a pool crosses warnAt', async () => {
    const w = await world(people(3), { pools: [{ name: 'primary', seats: 4, notify: null }], notify: { warnAt: 0.75 } });
    try {
      await w.sync(T0);
      const [warning, ...more] = await w.mails();
      expect(more).toEqual([]);
      expect(warning?.subject).toBe('License usage above 75% — primary 3/4');
      expectFacts(warning, ['This pool has reached 75% of its seats. Nobody is blocked yet']);
      expectPoolRow(warning, { name: 'primary', seats: 4, used: 3, available: 1, waiting: 0 });
    } finally {
      await w.t.drop();
    }
  });

  it('a smaller pool: the newest holders lost the seats they held, and since when they held them', async () => {
    const w = await world(people(2), { pools: [{ name: 'primary', seats: 3, notify: null }] });
    try {
      await w.sync(T0);
      await w.sync(T0 + DAY, { people: people(3) });
      expect(await w.mails()).toEqual([]);
      const smaller = { ...w.config, pools: [{ name: 'primary', seats: 1, notify: null }] };
      const report = await w.sync(T0 + 2 * DAY, { config: smaller });
      expect(report.runs[0]).toMatchObject({ status: 'ok', blocked: 2 });
      const [mail, ...more] = await w.mails();
      expect(more).toEqual([]);
      expect(mail?.subject).toBe('2 accounts lost their seats — primary 1/1, 2 waiting');
      expectFacts(mail, [
        `The sync of hr at ${at(T0 + 2 * DAY)}: primary now has fewer seats than holders, so 2 accounts lost the seat they held, the most recently activated first.`,
        'Lost their seat to a smaller pool (2)',
      ]);
      // u003 held its seat since the second run, u002 since the first (u001 is the oldest holder: kept).
      expect(mail?.text).toContain(`Person u003 (u003, u003@example.test) — primary, held a seat since ${at(T0 + DAY)}`);
      expect(mail?.text).toContain(`Person u002 (u002, u002@example.test) — primary, held a seat since ${at(T0)}`);
      expect(htmlWords(mail?.html ?? '')).toContain(`Person u003 u003 u003@example.test primary ${at(T0 + DAY)}`);
      expect(mail?.text).not.toContain('found no free seat');
      expect(mail?.text).not.toContain('Person u001');
      expectPoolRow(mail, { name: 'primary', seats: 1, used: 1, available: 0, waiting: 2 });
    } finally {
      await w.t.drop();
    }
  });

  it('protecting a waiting account blocks the newest holder for it: email, audit and explain name the protected account', async () => {
    const w = await world(people(2));
    try {
      await w.sync(T0);
      await w.sync(T0 + DAY, { people: people(3) });
      expect((await w.mails()).map((m) => m.subject)).toEqual(['License limit exceeded — primary 2/2, 1 waiting']);

      await w.admin('protect', 'u003', T0 + 2 * DAY);
      const [mail, ...more] = await w.mails();
      expect(more).toEqual([]);
      expect(mail?.subject).toBe('1 account lost its seat — primary 2/2, 1 waiting');
      expectFacts(mail, [
        `ops protected u003 at ${at(T0 + 2 * DAY)}: the protected account u003 took a seat in a full pool (protected accounts are never blocked), so 1 account lost the seat it held`,
        'Lost their seat to a protected account (1)',
      ]);
      // u001 and u002 were activated together; the newest by the rule (username, descending) steps back.
      expect(mail?.text).toContain(`Person u002 (u002, u002@example.test) — primary, held a seat since ${at(T0)}, seat taken by u003`);
      expect(mail?.html).toMatch(/<th[^>]*>Seat taken by<\/th>/);
      expect(htmlWords(mail?.html ?? '')).toContain(`Person u002 u002 u002@example.test primary ${at(T0)} u003`);
      expect(mail?.text).not.toContain('The sync of');
      expectPoolRow(mail, { name: 'primary', seats: 2, used: 2, available: 0, waiting: 1 });

      const u002 = await w.t.db.query<{ id: number }>(`SELECT id FROM accounts WHERE username = 'u002'`);
      const { entries } = await repositoriesOf(w.t.db).audit.list({ accountIds: [u002.rows[0]?.id ?? -1], limit: 10 });
      expect(entries.at(-1)).toMatchObject({ from: 'active', to: 'blocked', reason: 'protected', takenBy: 'u003', actor: 'ops', runId: null });
      const explained = await explainAccountRef(repositoriesOf(w.t.db), w.config, 'u002');
      expect(explained.explanation.summary).toMatch(/^lost its seat on \S+ to the protected account u003, which took it while the pool was full/);
      expect(explained.explanation.summary).toContain('waiting for a seat: primary is full (2 of 2 seats in use)');
      // Long after, behind more entries than explain lists (blocked → blocked: waiting for other pools), the same block is named.
      await w.t.db.query(
        `INSERT INTO audit (account_id, from_state, to_state, reason, actor) SELECT $1, 'blocked', 'blocked', 'seats', 'run' FROM generate_series(1, 25)`,
        [u002.rows[0]?.id],
      );
      const later = await explainAccountRef(repositoriesOf(w.t.db), w.config, 'u002');
      expect(later.audit.every((e) => e.from === 'blocked')).toBe(true);
      expect(later.explanation.summary).toMatch(/^lost its seat on \S+ to the protected account u003/);
    } finally {
      await w.t.drop();
    }
  });

  it('unprotecting an account that protected accounts alone kept over the seats: email, audit and explain name the admin action, not a smaller pool', async () => {
    const w = await world(people(2), { pools: [{ name: 'primary', seats: 1, notify: null }] });
    try {
      await w.sync(T0);
      await w.admin('protect', 'u002', T0 + HOUR); // takes u001's seat
      await w.admin('protect', 'u001', T0 + 2 * HOUR); // back, over the one seat: both protected
      expect((await w.mails()).map((m) => m.subject)).toEqual(['License limit exceeded — primary 1/1, 1 waiting', '1 account lost its seat — primary 1/1, 1 waiting']);
      const overage = await w.t.db.query<{ username: string }>(`SELECT username FROM accounts WHERE state = 'active' ORDER BY username`);
      expect(overage.rows.map((r) => r.username)).toEqual(['u001', 'u002']);

      // u001 is the newest holder, and the one unprotected; u002 stays protected and keeps its seat.
      await w.admin('unprotect', 'u001', T0 + 3 * HOUR);
      const [mail, ...more] = await w.mails();
      expect(more).toEqual([]);
      expect(mail?.subject).toBe('1 account lost its seat — primary 1/1, 1 waiting');
      expectFacts(mail, [
        `ops unprotected u001 at ${at(T0 + 3 * HOUR)}: no longer protected, 1 account lost the seat it held beyond the seats of primary, which protected accounts alone fill.`,
        'Lost their seat when an admin unprotected them (1)',
      ]);
      expect(mail?.text).toContain(`Person u001 (u001, u001@example.test) — primary, held a seat since ${at(T0 + 2 * HOUR)}`);
      expect(mail?.text).not.toContain('smaller pool');
      expect(mail?.text).not.toContain('fewer seats than holders');
      expectPoolRow(mail, { name: 'primary', seats: 1, used: 1, available: 0, waiting: 1 });

      const u001 = await w.t.db.query<{ id: number }>(`SELECT id FROM accounts WHERE username = 'u001'`);
      const { entries } = await repositoriesOf(w.t.db).audit.list({ accountIds: [u001.rows[0]?.id ?? -1], limit: 10 });
      expect(entries.slice(-2)).toMatchObject([
        { from: 'active', to: 'active', reason: 'unprotect', actor: 'ops' },
        { from: 'active', to: 'blocked', reason: 'admin', takenBy: null, actor: 'ops', runId: null },
      ]);
      const explained = await explainAccountRef(repositoriesOf(w.t.db), w.config, 'u001');
      expect(explained.explanation.summary).toMatch(/^lost its seat on \S+ when ops unprotected it: protected accounts alone fill the pool beyond its seats/);
    } finally {
      await w.t.drop();
    }
  });

  it('a new protected user from the directory takes a seat in a full pool: the run says who lost it to whom', async () => {
    const w = await world(people(2), { policy: { graceDays: 0, maxRemovals: { percent: 10 }, protect: { memberOf: ['admins'] }, purgeRemovedAfterMs: null } });
    try {
      await w.sync(T0);
      await w.sync(T0 + DAY, { people: [...people(2), { ...people(1, 3)[0]!, groups: ['admins'] }] });
      const [mail, ...more] = await w.mails();
      expect(more).toEqual([]);
      expect(mail?.subject).toBe('1 account lost its seat — primary 2/2, 1 waiting');
      expectFacts(mail, [`The sync of hr at ${at(T0 + DAY)}: the protected account u003 took a seat in a full pool`, 'Lost their seat to a protected account (1)']);
      expect(mail?.text).toContain(`Person u002 (u002, u002@example.test) — primary, held a seat since ${at(T0)}, seat taken by u003`);
      const audit = await w.t.db.query<{ reason: string; taken_by: { id: number | null; username: string } | null }>(
        `SELECT au.reason, au.details->'takenBy' AS taken_by FROM audit au JOIN accounts a ON a.id = au.account_id WHERE a.username = 'u002' ORDER BY au.id`,
      );
      // The protected account was new in that run: named by username, its id not yet known to the row.
      expect(audit.rows.at(-1)).toEqual({ reason: 'protected', taken_by: { id: null, username: 'u003' } });
    } finally {
      await w.t.drop();
    }
  });

  it('an admin who unblocks an account with no seat free is named, with the time it waits since', async () => {
    const w = await world(people(2));
    try {
      await w.sync(T0);
      await w.admin('block', 'u001', T0 + HOUR);
      await w.sync(T0 + 2 * HOUR, { people: people(3) }); // u003 takes the seat u001 left
      expect(await w.mails()).toEqual([]);

      await w.admin('unblock', 'u001', T0 + 3 * HOUR);
      const [mail, ...more] = await w.mails();
      expect(more).toEqual([]);
      expect(mail?.subject).toBe('u001 unblocked, waiting for a seat — primary 2/2, 1 waiting');
      expectFacts(mail, [
        `ops unblocked u001 at ${at(T0 + 3 * HOUR)}. No seat was free, so u001 waits for one since ${at(T0 + 3 * HOUR)}.`,
        'Newly blocked accounts (1)',
        'Person u001',
      ]);
      expect(mail?.text).not.toContain('The sync of');
      expect(mail?.text).not.toContain('found no free seat');
      const explained = await explainAccountRef(repositoriesOf(w.t.db), w.config, 'u001');
      expect(explained.explanation.summary).toMatch(/^unblocked by ops on \S+, but no seat was free; waiting for a seat: /);
    } finally {
      await w.t.drop();
    }
  });

  it('grace: activated under grace and ending soon, then blocked when it ended', async () => {
    const w = await world(people(2), { pools: [{ name: 'primary', seats: 1, notify: null }], policy: { graceDays: 1, maxRemovals: { percent: 10 }, protect: null, purgeRemovedAfterMs: null } });
    try {
      await w.sync(T0);
      const mails = await w.mails();
      const limit = mails.find((m) => m.subject.startsWith('License limit exceeded'));
      const ending = mails.find((m) => m.subject.startsWith('Grace ends soon'));
      expect(mails).toHaveLength(2);
      expect(limit?.subject).toBe('License limit exceeded — primary 2/1, 1 over');
      expectFacts(limit, [
        '1 account found no free seat and was activated anyway under the grace policy. When the grace ends without a free seat it is blocked, newest first.',
        'Activated under grace (1)',
        'Person u002',
        at(T0 + DAY),
      ]);
      expect(ending?.subject).toBe('Grace ends soon for 1 account — primary 2/1, 1 over');
      expectFacts(ending, ['1 account activated under the grace policy loses its seat within a day unless seats are free by then; it will then be blocked', 'Grace ending (1)', 'Person u002', at(T0 + DAY)]);
      expectPoolRow(ending, { name: 'primary', seats: 1, used: 2, available: 0, waiting: 0 });

      await w.sync(T0 + 2 * DAY);
      const [ended, ...more] = await w.mails();
      expect(more).toEqual([]);
      expect(ended?.subject).toBe('1 account lost its seat — primary 1/1, 1 waiting');
      expectFacts(ended, [`The sync of hr at ${at(T0 + 2 * DAY)}: the grace period of 1 account ended without a free seat.`, 'Grace ended without a free seat (1)']);
      expect(ended?.text).toContain(`Person u002 (u002, u002@example.test) — primary, held a seat since ${at(T0)}`);
    } finally {
      await w.t.drop();
    }
  });

  it('a held run says what it would have done and how to apply it', async () => {
    const w = await world(people(20), { pools: [{ name: 'primary', seats: 30, notify: null }] });
    try {
      await w.sync(T0);
      const report = await w.sync(T0 + HOUR, { people: people(12) });
      expect(report.runs[0]?.status).toBe('held');
      const [held, ...more] = await w.mails();
      expect(more).toEqual([]);
      expect(held?.subject).toBe('Sync held for hr — would disable 0 and remove 8 of 20 accounts');
      expectFacts(held, [
        `The sync of hr at ${at(T0 + HOUR)} was held and changed nothing: it would disable 0 and remove 8 of 20 accounts (policy.maxRemovals allows 5 per run).`,
        'seatsync sync --source hr --dry-run --allow-removals --only disabled,removed',
        'seatsync sync --source hr --allow-removals',
      ]);
    } finally {
      await w.t.drop();
    }
  });

  it('a run held again and again is emailed once, even when the directory moves a little; held again with the same numbers after a sync went through, it is emailed again', async () => {
    const w = await world(people(20), { pools: [{ name: 'primary', seats: 30, notify: null }] });
    try {
      await w.sync(T0);
      // Monday night's export lacks 8 people: held at every run until someone acts.
      expect((await w.sync(T0 + HOUR, { people: people(12) })).runs[0]?.status).toBe('held');
      expect((await w.sync(T0 + 2 * HOUR)).runs[0]?.status).toBe('held');
      // The directory moves a little while the source stays held (one more person missing): the same hold.
      expect((await w.sync(T0 + 3 * HOUR, { people: people(11) })).runs[0]?.status).toBe('held');
      expect((await w.mails()).map((m) => m.subject)).toEqual(['Sync held for hr — would disable 0 and remove 8 of 20 accounts']);
      // The full export is back: the sync goes through, nothing was removed.
      expect((await w.sync(T0 + DAY, { people: people(20) })).runs[0]?.status).toBe('ok');
      // A week later the same incomplete export: a new hold, which the responsible person must hear of.
      expect((await w.sync(T0 + 7 * DAY, { people: people(12) })).runs[0]?.status).toBe('held');
      const again = await w.mails();
      expect(again.map((m) => m.subject)).toEqual(['Sync held for hr — would disable 0 and remove 8 of 20 accounts']);
      expectFacts(again[0], [`The sync of hr at ${at(T0 + 7 * DAY)} was held`]);
    } finally {
      await w.t.drop();
    }
  });

  it('a source that stays held is reminded every remindEvery, saying since when, what waits and how to apply it; none once it is applied', async () => {
    const w = await world(people(20), { pools: [{ name: 'primary', seats: 30, notify: null }], notify: { remindEveryMs: DAY } });
    const heldRows = async (): Promise<string[]> =>
      (await w.t.db.query<{ dedupe_key: string }>(`SELECT dedupe_key FROM outbox WHERE kind = 'sync-held' ORDER BY id`)).rows.map((r) => r.dedupe_key);
    const status = async (now: number, options: { people?: readonly CsvPerson[]; allowRemovals?: boolean } = {}) => (await w.sync(now, options)).runs[0]?.status;
    /** Since when the source is held is its runs' word: when the first held run after `okRun` started (the database's clock). */
    const firstHeldAfter = async (okRun: string | undefined): Promise<string> =>
      at((await w.t.db.query<{ at: Date }>(`SELECT started_at AS at FROM runs WHERE status = 'held' AND id > $1::bigint ORDER BY id LIMIT 1`, [okRun])).rows[0]?.at.getTime() ?? 0);
    try {
      await w.sync(T0);
      const okRun = (await w.t.db.query<{ id: string }>(`SELECT id::text FROM runs WHERE status = 'ok'`)).rows[0]?.id;
      // Eight people deleted from the directory: held at every run until someone acts, the eight keeping their seats.
      expect(await status(T0 + HOUR, { people: people(12) })).toBe('held');
      expect((await w.mails()).map((m) => m.subject)).toEqual(['Sync held for hr — would disable 0 and remove 8 of 20 accounts']);
      expect(await status(T0 + 2 * HOUR)).toBe('held');
      expect(await status(T0 + HOUR + DAY - 60_000)).toBe('held');
      expect(await w.mails()).toEqual([]); // within remindEvery of the first email

      expect(await status(T0 + HOUR + DAY)).toBe('held');
      const heldSince = await firstHeldAfter(okRun);
      const [reminder, ...more] = await w.mails();
      expect(more).toEqual([]);
      expect(reminder?.subject).toBe(`Sync still held for hr since ${heldSince} — would disable 0 and remove 8 of 20 accounts`);
      expectFacts(reminder, [
        `The sync of hr has been held since ${heldSince} (4 held runs) and changed nothing.`,
        `Its last run, at ${at(T0 + HOUR + DAY)}, was held too: it would disable 0 and remove 8 of 20 accounts (policy.maxRemovals allows 5 per run).`,
        'users deleted or disabled there keep their accounts and their seats',
        'seatsync sync --source hr --dry-run --allow-removals --only disabled,removed',
        'seatsync sync --source hr --allow-removals',
      ]);
      expect(await heldRows()).toEqual([`held:hr:${okRun}`, `held:hr:${okRun}:reminder:1`]);

      // The same run again (a job run twice), and the next runs within remindEvery of the reminder: nothing.
      expect(await status(T0 + HOUR + DAY)).toBe('held');
      expect(await status(T0 + 2 * HOUR + DAY)).toBe('held');
      expect(await status(T0 + DAY + DAY)).toBe('held');
      expect(await w.mails()).toEqual([]);
      // A day after the reminder: the second one.
      expect(await status(T0 + HOUR + 2 * DAY)).toBe('held');
      expect((await w.mails()).map((m) => m.subject)).toEqual([`Sync still held for hr since ${heldSince} — would disable 0 and remove 8 of 20 accounts`]);
      expect(await heldRows()).toEqual([`held:hr:${okRun}`, `held:hr:${okRun}:reminder:1`, `held:hr:${okRun}:reminder:2`]);

      // The admin reviews it and applies it: the eight lose their seats, and the reminders stop.
      const applied = await w.sync(T0 + 2 * HOUR + 2 * DAY, { allowRemovals: true });
      expect(applied.runs[0]).toMatchObject({ status: 'ok', removed: 8 });
      expect(await status(T0 + 4 * DAY)).toBe('ok');
      expect(await status(T0 + 9 * DAY)).toBe('ok');
      expect(await w.mails()).toEqual([]);
      expect(await heldRows()).toHaveLength(3);

      // A later hold is a new one: its first email, as for any hold, and its reminders counted from it.
      expect(await status(T0 + 10 * DAY, { people: people(3) })).toBe('held');
      expect(await status(T0 + 10 * DAY + HOUR)).toBe('held');
      expect((await w.mails()).map((m) => m.subject)).toEqual(['Sync held for hr — would disable 0 and remove 9 of 12 accounts']);
      expect(await status(T0 + 11 * DAY)).toBe('held');
      const lastOk = (await w.t.db.query<{ id: string }>(`SELECT max(id)::text AS id FROM runs WHERE status = 'ok'`)).rows[0]?.id;
      expect((await w.mails()).map((m) => m.subject)).toEqual([`Sync still held for hr since ${await firstHeldAfter(lastOk)} — would disable 0 and remove 9 of 12 accounts`]);
    } finally {
      await w.t.drop();
    }
  });

  it('a source that stays held, with remindEvery off: the first email of the hold only', async () => {
    const w = await world(people(20), { pools: [{ name: 'primary', seats: 30, notify: null }], notify: { remindEveryMs: null } });
    try {
      await w.sync(T0);
      for (const now of [T0 + HOUR, T0 + HOUR + DAY, T0 + 3 * DAY, T0 + 30 * DAY]) {
        expect((await w.sync(now, { people: people(12) })).runs[0]?.status).toBe('held');
      }
      expect((await w.mails()).map((m) => m.subject)).toEqual(['Sync held for hr — would disable 0 and remove 8 of 20 accounts']);
    } finally {
      await w.t.drop();
    }
  });

  it('a source that keeps failing, and its recovery', async () => {
    const w = await world(people(2), { notify: { failureAfter: { afterRuns: 2 } } });
    try {
      await w.sync(T0);
      const broken = { ...w.config, sources: [aFileSource('hr', `${w.csv.path}.missing`)] };
      expect((await w.sync(T0 + HOUR, { config: broken })).runs[0]?.status).toBe('failed');
      expect(await w.mails()).toEqual([]); // one failure: below failureAfter
      await w.sync(T0 + 2 * HOUR, { config: broken });
      const runs = await w.t.db.query<{ started_at: Date; error: string }>(`SELECT started_at, error FROM runs WHERE status = 'failed' ORDER BY id`);
      const since = at(new Date(runs.rows[0]?.started_at ?? 0).getTime());
      const [failing, ...more] = await w.mails();
      expect(more).toEqual([]);
      expect(failing?.subject).toBe(`Sync failing: hr since ${since} (2 failed runs)`);
      expectFacts(failing, [`Every sync of hr since ${since} has failed (2 runs in a row)`, 'users.csv.missing', 'seatsync check --source hr']);

      await w.sync(T0 + 3 * HOUR);
      const [recovered] = await w.mails();
      expect(recovered?.subject).toBe('Sync recovered: hr');
      expectFacts(recovered, [`after failing since ${since} (2 failed runs)`]);
    } finally {
      await w.t.drop();
    }
  });

  it('a source that reads again after failing, but whose run is held: the email does not say its changes are applied', async () => {
    const w = await world(people(20), { pools: [{ name: 'primary', seats: 30, notify: null }], notify: { failureAfter: { afterRuns: 2 } } });
    try {
      await w.sync(T0);
      const broken = { ...w.config, sources: [aFileSource('hr', `${w.csv.path}.missing`)] };
      await w.sync(T0 + HOUR, { config: broken });
      await w.sync(T0 + 2 * HOUR, { config: broken });
      expect((await w.mails()).map((m) => m.subject)).toEqual([expect.stringMatching(/^Sync failing: hr/)]);

      // The directory answers again, but with 8 of its 20 users gone: the run reads it and is held.
      expect((await w.sync(T0 + 3 * HOUR, { people: people(12) })).runs[0]?.status).toBe('held');
      const mails = await w.mails();
      expect(mails.map((m) => m.subject).sort()).toEqual(['Sync held for hr — would disable 0 and remove 8 of 20 accounts', 'Sync of hr reads the directory again, but its run was held']);
      const readsAgain = mails.find((m) => m.subject.startsWith('Sync of hr reads'));
      expectFacts(readsAgain, ['nothing of the directory is applied until the hold is resolved', 'seatsync sync --source hr --allow-removals']);
      expect(readsAgain?.text).not.toContain('applied now');

      // The admin applies it: that run is the recovery, and nobody is told a second time.
      expect((await w.sync(T0 + 4 * HOUR, { config: { ...w.config, policy: { ...w.config.policy, maxRemovals: { count: 100 } } } })).runs[0]?.status).toBe('ok');
      expect(await w.mails()).toEqual([]);
    } finally {
      await w.t.drop();
    }
  });
});
