// The sync's notification hooks against a real database and SMTP server: events planned from stored
// accounts and state, queued in the run's transaction, delivered once; quiet runs send nothing.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HoldReason } from '../../../src/domain/hold.ts';
import type { NotifyConfig, PolicyConfig, PoolConfig } from '../../../src/config/types.ts';
import type { AllocationPlan } from '../../../src/domain/types.ts';
import { silentLogger } from '../../../src/logging.ts';
import { deliverOutbox } from '../../../src/notify/deliver.ts';
import { formatTime } from '../../../src/notify/message-document.ts';
import { createRunNotifier } from '../../../src/notify/run-notifier.ts';
import { SmtpTransport } from '../../../src/notify/transports/smtp-transport.ts';
import { outboxOf } from '../../../src/store/outbox-store.ts';
import { storeOf } from '../../../src/store/repositories.ts';
import type { RunNotifier } from '../../../src/sync/sync-source.ts';
import { TestSmtpServer } from '../../support/smtp-server.ts';
import { FROM, NOTIFY_TO, pool, resetNotifyTables } from './events.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const notify: NotifyConfig = { to: NOTIFY_TO, from: FROM, transport: { kind: 'log' }, remindEveryMs: 24 * HOUR, warnAt: null, failureAfter: null };
const pools: PoolConfig[] = [{ name: 'primary', seats: 2, notify: null }];
const policy: PolicyConfig = { graceDays: 7, maxRemovals: { percent: 10 }, protect: null, purgeRemovedAfterMs: null };

describe.each(DATABASE_KINDS)('run notifications on %s', (kind) => {
  const tdb = testDatabaseOf(kind, { scope: 'describe' });
  let smtp: TestSmtpServer;
  let transport: SmtpTransport;
  let outbox: ReturnType<typeof outboxOf>;
  let notifier: RunNotifier;
  let ids: Record<string, number>;

  const deliver = (now: number) => deliverOutbox({ outbox, transport, logger: silentLogger(), now: () => now });

  /** Applies a run's notification step in its own transaction, as the sync does. */
  const run = (runId: string, now: number, plan: AllocationPlan) =>
    storeOf(tdb.db).transaction((tx) => notifier.afterAllocation(tx, { occasion: { kind: 'run', runId }, source: 'corp-ad', plan, now }));

  const blockingPlan = (blocked: number[], waiting: number): AllocationPlan => ({
    changes: blocked.map((id) => ({
      id,
      username: `u${id}`,
      from: null,
      to: { state: 'blocked', held: [], waitingFor: ['primary'], waitingSince: 0, activatedAt: null, graceUntil: null },
      reason: 'seats',
    })),
    pools: [pool('primary', 2, 2, waiting)],
    newlyBlocked: blocked,
    graceStarted: [],
  });

  const insertAccount = async (username: string, displayName: string, extra: { state: string; graceUntil?: Date }): Promise<number> => {
    const { rows } = await tdb.db.query<{ id: number }>(
      `INSERT INTO accounts (source, external_id, username, email, display_name, enabled, data_hash, state, waiting_for, held, grace_until)
       VALUES ('corp-ad', $1, $1, $2, $3, true, 'h', $4, $5::jsonb, $6::jsonb, $7) RETURNING id`,
      [
        username,
        `${username}@corp.example.test`,
        displayName,
        extra.state,
        extra.state === 'blocked' ? '["primary"]' : '[]',
        extra.state === 'active' ? '["primary"]' : '[]',
        extra.graceUntil ?? null,
      ],
    );
    return Number(rows[0]?.id);
  };

  beforeAll(async () => {
    smtp = await TestSmtpServer.start({ tls: 'none' });
    outbox = outboxOf(tdb.db);
    transport = new SmtpTransport({
      smtp: { host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, user: null, password: null, caFile: null, rejectUnauthorized: true },
      from: FROM,
    });
    const created = createRunNotifier({ config: { notify, pools, policy: { ...policy, graceDays: 0 } }, outbox });
    if (!created) throw new Error('expected a notifier');
    notifier = created;
  });

  afterAll(async () => {
    await transport?.close();
    await smtp?.close();
  });

  beforeEach(async () => {
    await resetNotifyTables(tdb.db);
    await tdb.db.exec('DELETE FROM runs');
    smtp.clear();
    ids = {
      ada: await insertAccount('ada', 'Ada Lovelace', { state: 'active' }),
      bob: await insertAccount('bob', 'Bob <b>Builder</b>', { state: 'blocked' }),
      cy: await insertAccount('cy', 'Cy Young', { state: 'blocked' }),
    };
  });

  it('emails once for a run that blocks an account, and nothing for quiet runs until remindEvery', async () => {
    const t0 = Date.now();
    await run('1', t0, blockingPlan([ids.bob!], 1));
    expect(await deliver(t0)).toMatchObject({ sent: 1 });
    const [first] = await smtp.waitForMessages(1);
    expect(first?.subject).toBe('License limit exceeded — primary 2/2, 1 waiting');
    expect(first?.text).toContain('Bob <b>Builder</b> (bob, bob@corp.example.test) — primary');
    expect(first?.html).toContain('Bob &#60;b&#62;Builder&#60;/b&#62;');

    // Runs that block nobody new: nothing, until remindEvery (24 h) has passed since the email.
    for (const [runId, at] of [['2', t0 + 15 * MINUTE], ['3', t0 + 23 * HOUR]] as const) {
      await run(runId, at, blockingPlan([], 1));
      expect(await deliver(at)).toEqual({ sent: 0, failed: 0, retrying: 0 });
    }
    await run('4', t0 + 24 * HOUR, blockingPlan([], 1));
    expect(await deliver(t0 + 24 * HOUR)).toMatchObject({ sent: 1 });
    const mails = await smtp.waitForMessages(2);
    expect(mails[1]?.subject).toBe('Still over the license limit — primary 2/2, 1 waiting');

    // A new block is reported at once, whatever the reminder clock says.
    await run('5', t0 + 25 * HOUR, blockingPlan([ids.cy!], 2));
    expect(await deliver(t0 + 25 * HOUR)).toMatchObject({ sent: 1 });
    expect((await smtp.waitForMessages(3))[2]?.text).toContain('Cy Young (cy, cy@corp.example.test)');
    expect(smtp.messages).toHaveLength(3);
  });

  it('queues nothing when the run’s transaction rolls back', async () => {
    const t0 = Date.now();
    await expect(
      storeOf(tdb.db).transaction(async (tx) => {
        await notifier.afterAllocation(tx, { occasion: { kind: 'run', runId: '7' }, source: 'corp-ad', plan: blockingPlan([ids.bob!], 1), now: t0 });
        throw new Error('apply failed');
      }),
    ).rejects.toThrow('apply failed');
    expect(await outbox.counts()).toMatchObject({ pending: 0 });
    expect((await tdb.db.query('SELECT key FROM notify_state')).rows).toEqual([]);
    // The retried run then reports the block.
    await run('8', t0, blockingPlan([ids.bob!], 1));
    expect(await deliver(t0)).toMatchObject({ sent: 1 });
  });

  it('sends one email when the same run is applied twice', async () => {
    const t0 = Date.now();
    await run('9', t0, blockingPlan([ids.bob!], 1));
    await run('9', t0, blockingPlan([ids.bob!], 1));
    expect(await deliver(t0)).toMatchObject({ sent: 1 });
    expect(await deliver(t0 + HOUR)).toMatchObject({ sent: 0 });
    expect(smtp.messages).toHaveLength(1);
  });

  /** The email of a held run of corp-ad that would remove `wouldRemove` of `total` accounts, held for `reason`. */
  const heldMail = async (runId: string, total: number, reason: HoldReason, wouldRemove = total) => {
    const t0 = Date.now();
    const read = reason === 'empty-read' ? 0 : total - wouldRemove;
    const counts = { total, wouldRemove, wouldDisable: 0, staged: read, returned: read };
    await notifier.onHeld(tdb.db, { runId, source: 'corp-ad', counts, threshold: total / 10, reason, now: t0 });
    expect(await deliver(t0)).toMatchObject({ sent: 1 });
    const [mail] = await smtp.waitForMessages(1);
    return mail;
  };

  it('emails the held sync', async () => {
    const mail = await heldMail('10', 300, 'empty-read');
    expect(mail?.envelopeTo).toEqual([NOTIFY_TO]);
    expect(mail?.subject).toBe('Sync held for corp-ad — the source returned no users');
  });

  it('names a hold an empty read only when the hold says so, whatever the counts', async () => {
    // An incremental read that reports every account deleted: held over the threshold, not as an empty read.
    const mail = await heldMail('13', 200, 'removals');
    expect(mail?.subject).toBe('Sync held for corp-ad — would disable 0 and remove 200 of 200 accounts');
    expect(mail?.text).toContain('(policy.maxRemovals allows 20 per run)');
    expect(mail?.text).not.toContain('readable id');
  });

  it('says when a hold is for entries without a readable id, not for the removal limit', async () => {
    // A full read that would remove 2 of 300 (under the limit of 30) while an entry came back without its id.
    const mail = await heldMail('14', 300, 'unidentified', 2);
    expect(mail?.subject).toBe('Sync held for corp-ad — would disable 0 and remove 2 of 300 accounts');
    const text = (mail?.text ?? '').replace(/\s+/g, ' ');
    expect(text).toContain('while some entries came back without a readable id: any account it would remove may be one of them');
    expect(text).not.toContain('policy.maxRemovals');
  });

  /** A run of corp-ad started at `at`, as the sync records it: `running` until it ends. */
  const startRun = async (at: number): Promise<string> => {
    const { rows } = await tdb.db.query<{ id: string }>(`INSERT INTO runs (source, status, started_at) VALUES ('corp-ad', 'running', $1) RETURNING id::text AS id`, [new Date(at)]);
    return rows[0]?.id ?? '';
  };
  const endRun = (id: string, status: 'ok' | 'held' | 'failed') => tdb.db.query(`UPDATE runs SET status = $2, finished_at = started_at WHERE id = $1::bigint`, [id, status]);
  const heldCounts = { total: 300, wouldRemove: 60, wouldDisable: 4, staged: 236, returned: 236 };
  /** The held run `runId` of corp-ad notifies, at `now` (the sync does it before it records the run held). */
  const notifyHeldRun = (runId: string, now: number) => notifier.onHeld(tdb.db, { runId, source: 'corp-ad', counts: heldCounts, threshold: 30, reason: 'removals', now });
  /** A whole held run of corp-ad at `now`: started, notified, recorded held. */
  const heldRun = async (now: number): Promise<void> => {
    const id = await startRun(now);
    await notifyHeldRun(id, now);
    await endRun(id, 'held');
  };
  const heldKeys = async (): Promise<string[]> =>
    (await tdb.db.query<{ dedupe_key: string }>(`SELECT dedupe_key FROM outbox WHERE kind = 'sync-held' ORDER BY id`)).rows.map((r) => r.dedupe_key);
  const holdNotices = async (): Promise<unknown> =>
    (await tdb.db.query<{ value: unknown }>(`SELECT value FROM notify_state WHERE key = 'source-hold:corp-ad'`)).rows[0]?.value;
  const stillHeld = (since: number) => `Sync still held for corp-ad since ${formatTime(new Date(since).toISOString())} — would disable 4 and remove 60 of 300 accounts`;

  it('reminds of a hold that lasts at most once per remindEvery, even when two held runs of the source finish at once', async () => {
    const t0 = Date.now() - 2 * 24 * HOUR;
    await heldRun(t0);
    await heldRun(t0 + HOUR);
    // Two runs at once: both running while each plans its email, each waiting after it has read the
    // hold's notices until the other has read them too (or 300 ms, as the other waits for its turn).
    const both = [await startRun(t0 + 25 * HOUR), await startRun(t0 + 25 * HOUR + 1)] as const;
    let read = 0;
    let bothRead = (): void => undefined;
    const meeting = new Promise<void>((resolve) => (bothRead = resolve));
    const side = createRunNotifier({
      config: { notify, pools, policy: { ...policy, graceDays: 0 } },
      outbox: {
        ...outbox,
        loadHoldNotices: async (tx, source) => {
          const notices = await outbox.loadHoldNotices(tx, source);
          if (++read === 2) bothRead();
          await Promise.race([meeting, sleep(300)]);
          return notices;
        },
      },
    });
    const atOnce = (runId: string, now: number) => side?.onHeld(tdb.db, { runId, source: 'corp-ad', counts: heldCounts, threshold: 30, reason: 'removals', now });
    await Promise.all([atOnce(both[0], t0 + 25 * HOUR), atOnce(both[1], t0 + 25 * HOUR + 1)]);
    for (const id of both) await endRun(id, 'held');
    await heldRun(t0 + 26 * HOUR);
    // corp-ad never synced ok here: the hold of `never`.
    expect(await heldKeys()).toEqual(['held:corp-ad:never', 'held:corp-ad:never:reminder:1']);
    // The run that sent the reminder saved it, and the other planned from that (nothing due): the saved
    // last email is the reminder queued, not a second one planned beside it and dropped by the outbox.
    const reminder = await tdb.db.query<{ at: string }>(`SELECT payload->>'at' AS at FROM outbox WHERE dedupe_key = 'held:corp-ad:never:reminder:1'`);
    expect(await holdNotices()).toEqual({ lastOkRunId: null, lastEmailAt: Date.parse(reminder.rows[0]?.at ?? ''), reminders: 1 });
    expect(await deliver(Date.now())).toMatchObject({ sent: 2 });
    const mails = await smtp.waitForMessages(2);
    expect(mails.map((m) => m.subject)).toEqual(['Sync held for corp-ad — would disable 4 and remove 60 of 300 accounts', stillHeld(t0)]);
    expect((mails[1]?.text ?? '').replace(/\s+/g, ' ')).toContain('(3 held runs)'); // the first, the second, and the one of the two at once that reminds (the other is running still)
  });

  it('counts a hold that began before its notices were kept (an upgrade) from its first held run after the last ok run', async () => {
    const t0 = Date.now() - 10 * DAY;
    await endRun(await startRun(t0 - 3 * DAY), 'held'); // an older hold, ended by the ok run
    const ok = await startRun(t0 - DAY);
    await endRun(ok, 'ok');
    // Three held runs and a failed one recorded before any notices of this hold were kept.
    for (const at of [t0, t0 + HOUR, t0 + 2 * HOUR]) await endRun(await startRun(at), 'held');
    await endRun(await startRun(t0 + 3 * HOUR), 'failed');
    expect(await holdNotices()).toBeUndefined();

    await heldRun(t0 + 3 * DAY); // the hold's first email (the key the previous version sent it with)
    await heldRun(t0 + 4 * DAY);
    expect(await heldKeys()).toEqual([`held:corp-ad:${ok}`, `held:corp-ad:${ok}:reminder:1`]);
    expect(await deliver(Date.now())).toMatchObject({ sent: 2 });
    const mails = await smtp.waitForMessages(2);
    expect(mails[1]?.subject).toBe(stillHeld(t0));
    expect((mails[1]?.text ?? '').replace(/\s+/g, ' ')).toContain('(5 held runs)');

    // Notices as the previous version wrote them (with its own since and count) still read: the next
    // reminder is due a remindEvery after their last email, numbered after theirs, counted from the runs.
    await tdb.db.query(`UPDATE notify_state SET value = $1::jsonb WHERE key = 'source-hold:corp-ad'`, [
      JSON.stringify({ lastOkRunId: ok, since: t0 + 3 * DAY, heldRuns: 2, lastEmailAt: t0 + 4 * DAY + HOUR, reminders: 3 }),
    ]);
    await heldRun(t0 + 5 * DAY);
    await heldRun(t0 + 5 * DAY + HOUR);
    expect(await heldKeys()).toEqual([`held:corp-ad:${ok}`, `held:corp-ad:${ok}:reminder:1`, `held:corp-ad:${ok}:reminder:4`]);
    expect(await deliver(Date.now())).toMatchObject({ sent: 1 });
    const [last] = (await smtp.waitForMessages(3)).slice(2);
    expect(last?.subject).toBe(stillHeld(t0));
    expect((last?.text ?? '').replace(/\s+/g, ' ')).toContain('(7 held runs)');
    expect(await holdNotices()).toEqual({ lastOkRunId: ok, lastEmailAt: t0 + 5 * DAY + HOUR, reminders: 4 });
  });

  it('warns about grace ending within a day, once', async () => {
    const t0 = Date.now();
    const withGrace = createRunNotifier({ config: { notify, pools, policy }, outbox });
    await insertAccount('gus', 'Gus Grace', { state: 'active', graceUntil: new Date(t0 + 5 * HOUR) });
    await insertAccount('gil', 'Gil Later', { state: 'active', graceUntil: new Date(t0 + 3 * 24 * HOUR) });
    const quiet = blockingPlan([], 0);
    await storeOf(tdb.db).transaction((tx) => withGrace!.afterAllocation(tx, { occasion: { kind: 'run', runId: '11' }, source: 'corp-ad', plan: quiet, now: t0 }));
    await storeOf(tdb.db).transaction((tx) => withGrace!.afterAllocation(tx, { occasion: { kind: 'run', runId: '12' }, source: 'corp-ad', plan: quiet, now: t0 + HOUR }));
    expect(await deliver(t0 + HOUR)).toMatchObject({ sent: 1 });
    const [mail] = await smtp.waitForMessages(1);
    expect(mail?.subject).toMatch(/^Grace ends soon for 1 account — primary/);
    expect(mail?.text).toContain('Gus Grace (gus, gus@corp.example.test) — primary, grace until');
    expect(mail?.text).not.toContain('Gil Later');
  });

  it('is not created without notify', () => {
    expect(createRunNotifier({ config: { notify: null, pools, policy }, outbox })).toBeNull();
  });
});
