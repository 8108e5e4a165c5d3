// The outbox delivered over real SMTP (smtp-server with STARTTLS + AUTH), on PostgreSQL and on PGlite.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NotificationEvent } from '../../../src/domain/notifications.ts';
import { silentLogger } from '../../../src/logging.ts';
import { deliverOutbox, enqueueTestMessage, type DeliverOptions } from '../../../src/notify/deliver.ts';
import { SmtpTransport } from '../../../src/notify/transports/smtp-transport.ts';
import { outboxOf } from '../../../src/store/outbox-store.ts';
import { TestSmtpServer, type ReceivedMail } from '../../support/smtp-server.ts';
import { eventOfKind, FROM, limitEvents, NOTIFY_TO, PARTNERS_TO, resetNotifyTables } from './events.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';

const SMTP_USER = 'seatsync';
const SMTP_PASS = 'correct horse';
const REFUSED = 'nobody@corp.example.test';

describe.each(DATABASE_KINDS)('SMTP delivery on %s', (kind) => {
  const tdb = testDatabaseOf(kind, { scope: 'describe' });
  let smtp: TestSmtpServer;
  let outbox: ReturnType<typeof outboxOf>;
  let transport: SmtpTransport;

  const smtpTransport = (password: string): SmtpTransport =>
    new SmtpTransport({
      smtp: {
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        requireTls: true,
        user: SMTP_USER,
        password,
        caFile: smtp.ca.caFile,
        rejectUnauthorized: true,
      },
      from: FROM,
      connectionTimeoutMs: 5_000,
    });

  const deliver = (options: Partial<DeliverOptions> = {}) =>
    deliverOutbox({ outbox, transport, logger: silentLogger(), publicUrl: 'https://seatsync.corp.example.test', ...options });

  const enqueue = (events: readonly NotificationEvent[]) => tdb.db.transaction((tx) => outbox.enqueue(tx, events));

  const outboxRows = async () =>
    (await tdb.db.query<{ status: string; attempts: number; last_error: string | null }>('SELECT status, attempts, last_error FROM outbox ORDER BY id')).rows;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start({ tls: 'starttls', auth: { user: SMTP_USER, pass: SMTP_PASS }, rejectRecipients: [REFUSED] });
    outbox = outboxOf(tdb.db);
    transport = smtpTransport(SMTP_PASS);
  });

  afterAll(async () => {
    await transport?.close();
    await smtp?.close();
  });

  beforeEach(async () => {
    await resetNotifyTables(tdb.db);
    await smtp.start();
    smtp.clear();
  });

  it('delivers the limit email of one run: one message per recipient, with both bodies', async () => {
    const events = limitEvents(Date.now());
    expect(await enqueue(events)).toEqual({ inserted: 2 });
    expect(await deliver()).toEqual({ sent: 2, failed: 0, retrying: 0 });
    const mails = await smtp.waitForMessages(2);
    const byRecipient = new Map(mails.map((m) => [m.envelopeTo.join(','), m]));
    expect([...byRecipient.keys()].sort()).toEqual([NOTIFY_TO, PARTNERS_TO]);

    const main = byRecipient.get(NOTIFY_TO) as ReceivedMail;
    expect(main).toMatchObject({ envelopeFrom: FROM, from: FROM, to: NOTIFY_TO, user: SMTP_USER, secure: true });
    expect(main.subject).toBe('License limit exceeded — primary 100/100, 7 waiting');
    expect(main.headers.get('x-seatsync-event')).toBe('limit:101:licenses@corp.example.test');
    expect(main.text).toContain('Newly blocked accounts (2)\n  - Ada Lovelace (ada, ada@corp.example.test) — primary\n');
    expect(main.text).toContain('<script>alert(1)</script> Tom & Jerry (tom, tom@corp.example.test) — primary');
    expect(main.text).toMatch(/Pools\n {2}Pool +Seats +Used +Available +Waiting\n {2}primary +100 +100 +0 +7\n\n/);
    expect(main.text).toContain('Console: https://seatsync.corp.example.test/');
    expect(main.text).not.toContain('Pat Partner');
    expect(main.html).toContain('&#60;script&#62;alert(1)&#60;/script&#62; Tom &#38; Jerry');
    expect(main.html).not.toContain('<script>');
    expect(main.html).toContain('<code>seatsync accounts block USERNAME</code>');
    expect(main.html).toContain('<a href="https://seatsync.corp.example.test/">');

    const partners = byRecipient.get(PARTNERS_TO) as ReceivedMail;
    expect(partners.subject).toBe('License limit exceeded — extranet 20/20, 1 waiting');
    expect(partners.text).toContain('Pat Partner (pat, pat@partner.example.test) — extranet');
    expect(partners.text).not.toContain('Ada');
    expect(await outbox.counts()).toMatchObject({ pending: 0, failed: 0 });
  });

  it.each([
    ['reminder', NOTIFY_TO, 'Still over the license limit — primary 100/100, 7 waiting', '7 accounts are still waiting for a seat in primary.'],
    ['early-warning', NOTIFY_TO, 'License usage above 90% — primary 91/100', 'This pool has reached 90% of its seats.'],
    ['sync-held', NOTIFY_TO, 'Sync held for corp-ad — would disable 4 and remove 60 of 300 accounts', 'seatsync sync --source corp-ad --allow-removals'],
    ['grace-expiring', NOTIFY_TO, 'Grace ends soon for 1 account — primary 101/100, 1 over', 'Gus Grace (gus, gus@corp.example.test) — primary, grace until'],
    ['source-failing', NOTIFY_TO, /^Sync failing: corp-ad since .* \(6 failed runs\)$/, 'The last error (auth): bind as CN=svc-seatsync failed: invalid credentials (password expired)'],
    ['source-recovered', NOTIFY_TO, 'Sync recovered: corp-ad', 'after failing since'],
    ['test', NOTIFY_TO, 'seatsync test message', 'This is a test message from seatsync'],
  ] as const)('delivers a %s message', async (eventKind, recipient, subject, textLine) => {
    await enqueue([eventOfKind(eventKind, Date.now())]);
    expect(await deliver()).toEqual({ sent: 1, failed: 0, retrying: 0 });
    const [mail] = await smtp.waitForMessages(1);
    expect(mail?.envelopeTo).toEqual([recipient]);
    if (typeof subject === 'string') expect(mail?.subject).toBe(subject);
    else expect(mail?.subject).toMatch(subject);
    expect(mail?.text).toContain(textLine);
    expect(mail?.html).toContain(`<h2>${mail?.subject ?? ''}</h2>`);
  });

  it('queues and delivers `notify test`', async () => {
    const { dedupeKey } = await enqueueTestMessage({ db: tdb.db, outbox, to: NOTIFY_TO });
    expect(await deliver()).toMatchObject({ sent: 1 });
    const [mail] = await smtp.waitForMessages(1);
    expect(mail?.headers.get('x-seatsync-event')).toBe(dedupeKey);
  });

  it('keeps one row and sends one email when the same run is queued twice', async () => {
    const now = Date.now();
    expect(await enqueue(limitEvents(now))).toEqual({ inserted: 2 });
    expect(await enqueue(limitEvents(now))).toEqual({ inserted: 0 });
    expect(await deliver()).toMatchObject({ sent: 2 });
    expect(await deliver({ now: () => now + 3_600_000 })).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(smtp.messages).toHaveLength(2);
  });

  it('retries while SMTP is down and delivers exactly once when it is back', async () => {
    const t0 = Date.now();
    await enqueue([eventOfKind('test', t0)]);
    await smtp.stop();
    expect(await deliver({ now: () => t0 })).toEqual({ sent: 0, failed: 0, retrying: 1 });
    expect(await outboxRows()).toEqual([{ status: 'pending', attempts: 1, last_error: expect.stringMatching(/^connection: /) }]);
    // Backoff: the second attempt is due 30 s after the first failure, the third 60 s after the second.
    expect(await deliver({ now: () => t0 + 10_000 })).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(await deliver({ now: () => t0 + 31_000 })).toEqual({ sent: 0, failed: 0, retrying: 1 });
    expect(await deliver({ now: () => t0 + 61_000 })).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(await outbox.counts()).toMatchObject({ pending: 1, failed: 0 });

    await smtp.start();
    expect(await deliver({ now: () => t0 + 92_000 })).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(await deliver({ now: () => t0 + 7_200_000 })).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(smtp.messages).toHaveLength(1);
    expect(await outboxRows()).toEqual([{ status: 'sent', attempts: 3, last_error: null }]);
  });

  it('retries a 4xx reply', async () => {
    const t0 = Date.now();
    await enqueue([eventOfKind('test', t0)]);
    smtp.failNext(1);
    expect(await deliver({ now: () => t0 })).toMatchObject({ retrying: 1 });
    expect((await outboxRows())[0]?.last_error).toMatch(/^temporary: .*451/);
    expect(await deliver({ now: () => t0 + 31_000 })).toMatchObject({ sent: 1 });
    expect(smtp.messages).toHaveLength(1);
  });

  it('does not retry refused credentials, and records the error', async () => {
    const t0 = Date.now();
    await enqueue([eventOfKind('test', t0)]);
    const wrong = smtpTransport('wrong password');
    expect(await deliver({ transport: wrong, now: () => t0 })).toEqual({ sent: 0, failed: 1, retrying: 0 });
    await wrong.close();
    expect(await outboxRows()).toEqual([{ status: 'failed', attempts: 1, last_error: expect.stringMatching(/^auth: .*535/) }]);
    expect(await outbox.counts()).toMatchObject({ pending: 0, failed: 1 });
    expect(await deliver({ now: () => t0 + 7_200_000 })).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(smtp.messages).toHaveLength(0);
    // Once the password is fixed, an admin puts the failed rows back.
    expect(await outbox.requeueFailed({ now: new Date(t0 + 7_200_000) })).toBe(1);
    expect(await deliver({ now: () => t0 + 7_200_000 })).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(await outboxRows()).toEqual([{ status: 'sent', attempts: 1, last_error: null }]);
  });

  it('purges sent rows older than the retention', async () => {
    const t0 = Date.now();
    await enqueue([eventOfKind('test', t0, 'old'), eventOfKind('test', t0, 'new')]);
    const [first, second] = await outbox.claimDue({ limit: 2, now: new Date(t0), leaseMs: 60_000, worker: 'w' });
    await outbox.markSent(first!.id, { now: new Date(t0 - 40 * 86_400_000) });
    await outbox.markSent(second!.id, { now: new Date(t0) });
    expect(await outbox.purgeSent({ before: new Date(t0 - 30 * 86_400_000) })).toBe(1);
    expect((await outboxRows()).map((r) => r.status)).toEqual(['sent']);
  });

  it('does not retry a refused recipient', async () => {
    const event = { ...eventOfKind('test', Date.now()), recipient: REFUSED };
    await enqueue([event]);
    expect(await deliver()).toEqual({ sent: 0, failed: 1, retrying: 0 });
    expect((await outboxRows())[0]?.last_error).toMatch(/^recipient-rejected: /);
  });

  it('gives up after maxAttempts', async () => {
    const t0 = Date.now();
    await enqueue([eventOfKind('test', t0)]);
    await smtp.stop();
    const backoff = { baseMs: 1_000, maxMs: 1_000 };
    expect(await deliver({ now: () => t0, maxAttempts: 3, backoff })).toMatchObject({ retrying: 1 });
    expect(await deliver({ now: () => t0 + 2_000, maxAttempts: 3, backoff })).toMatchObject({ retrying: 1 });
    expect(await deliver({ now: () => t0 + 4_000, maxAttempts: 3, backoff })).toEqual({ sent: 0, failed: 1, retrying: 0 });
    expect(await outboxRows()).toEqual([{ status: 'failed', attempts: 3, last_error: expect.stringMatching(/^connection: /) }]);
  });

  it('gives a crashed deliverer’s rows back when its lease ends', async () => {
    const t0 = Date.now();
    await enqueue([eventOfKind('test', t0)]);
    const claimed = await outbox.claimDue({ limit: 10, now: new Date(t0), leaseMs: 60_000, worker: 'crashed' });
    expect(claimed).toHaveLength(1);
    expect(await deliver({ now: () => t0 + 1_000 })).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(await deliver({ now: () => t0 + 61_000 })).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(smtp.messages).toHaveLength(1);
  });

  it('stops trying the other messages of a batch when the server is unreachable, without counting them', async () => {
    const t0 = Date.now();
    await enqueue(['a', 'b', 'c'].map((nonce) => eventOfKind('test', t0, nonce)));
    await smtp.stop();
    expect(await deliver({ now: () => t0 })).toEqual({ sent: 0, failed: 0, retrying: 1 });
    expect((await outboxRows()).map((r) => r.attempts)).toEqual([1, 0, 0]);
    await smtp.start();
    expect(await deliver({ now: () => t0 + 31_000 })).toEqual({ sent: 3, failed: 0, retrying: 0 });
    expect(smtp.messages).toHaveLength(3);
  });
});
