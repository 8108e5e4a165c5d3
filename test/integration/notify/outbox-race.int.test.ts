// Deliverers racing on one PostgreSQL outbox (separate connection pools, as separate replicas would be):
// every message is claimed by one of them and sent exactly once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logging.ts';
import { deliverOutbox } from '../../../src/notify/deliver.ts';
import { SmtpTransport } from '../../../src/notify/transports/smtp-transport.ts';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { outboxOf } from '../../../src/store/outbox-store.ts';
import { TestSmtpServer } from '../../support/smtp-server.ts';
import { eventOfKind, FROM, resetNotifyTables } from './events.ts';
import { testDatabaseOf } from '../../support/databases.ts';

const MESSAGES = 40;

describe('racing deliverers on PostgreSQL', () => {
  const tdb = testDatabaseOf('postgres', { scope: 'describe' });
  let other: Database;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    other = await openDatabase({ url: tdb.url, dataDir: 'memory://' });
    smtp = await TestSmtpServer.start({ tls: 'none' });
  });

  afterAll(async () => {
    await other?.close();
    await smtp?.close();
  });

  beforeEach(async () => {
    await resetNotifyTables(tdb.db);
    smtp.clear();
    const now = Date.now();
    const events = Array.from({ length: MESSAGES }, (_, i) => eventOfKind('test', now, `race-${i}`));
    await tdb.db.transaction((tx) => outboxOf(tdb.db).enqueue(tx, events));
  });

  it('never hands the same row to two concurrent claims', async () => {
    const stores = [outboxOf(tdb.db), outboxOf(other)];
    const now = new Date(Date.now() + 1_000);
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => stores[i % 2]!.claimDue({ limit: 7, now, leaseMs: 60_000, worker: `w${i}` })),
    );
    const ids = claims.flat().map((m) => m.id);
    expect(ids).toHaveLength(MESSAGES);
    expect(new Set(ids).size).toBe(MESSAGES);
  });

  it('sends each message once when two deliverers run at the same time', async () => {
    const transport = (): SmtpTransport =>
      new SmtpTransport({
        smtp: { host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, user: null, password: null, caFile: null, rejectUnauthorized: true },
        from: FROM,
      });
    const [a, b] = [transport(), transport()];
    const results = await Promise.all([
      deliverOutbox({ outbox: outboxOf(tdb.db), transport: a, logger: silentLogger(), limit: 3, worker: 'a' }),
      deliverOutbox({ outbox: outboxOf(other), transport: b, logger: silentLogger(), limit: 3, worker: 'b' }),
    ]);
    await Promise.all([a.close(), b.close()]);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(MESSAGES);
    const mails = await smtp.waitForMessages(MESSAGES);
    const keys = mails.map((m) => m.headers.get('x-seatsync-event'));
    expect(new Set(keys).size).toBe(MESSAGES);
    expect(mails).toHaveLength(MESSAGES);
    const rows = await tdb.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM outbox');
    expect(rows.rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });
});
