// The notification delivery job: a sync that blocks accounts for lack of seats writes a "limit
// exceeded" email to the outbox; the worker's delivery job (asked for after the run) sends it through
// a real SMTP server, once.
import { SMTPServer } from 'smtp-server';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueSync, type SyncQueue } from '../../../jobs/enqueue.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { silentLogger } from '../../../src/logging.ts';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { startWorker, type RunningWorker } from '../../../src/worker.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import { aConfigDir, clearPrefix, freePort, manyPeople, migratedPostgres, REDIS_URL, requireRedis, uniquePrefix, waitFor } from './worker-fixtures.ts';

interface Received {
  readonly to: string[];
  readonly text: string;
}

describe('notification delivery job', () => {
  const prefix = uniquePrefix('notify');
  const received: Received[] = [];
  let smtp: SMTPServer;
  let pg: { url: string; drop: () => Promise<void> };
  let db: Database;
  let redis: Redis;
  let queue: SyncQueue;
  let worker: RunningWorker;

  beforeAll(async () => {
    await requireRedis();
    const smtpPort = await freePort();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let text = '';
        stream.on('data', (d: Buffer) => (text += d.toString()));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), text });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
    pg = await createPostgresDatabase();
    const dir = aConfigDir();
    dir.writeConfig({
      databaseUrl: pg.url,
      prefix,
      port: await freePort(),
      sources: { hr: dir.writeCsv('hr', manyPeople(5)) },
      seats: { primary: 2 },
      extra: ['notify:', '  to: licenses@example.test', '  from: seatsync@example.test', `  smtp: { host: 127.0.0.1, port: ${smtpPort} }`].join('\n'),
    });
    const config = await loadConfig({ path: dir.configPath });
    worker = await startWorker({
      config,
      logger: silentLogger(),
      database: migratedPostgres(pg.url),
    });
    db = await openDatabase({ url: pg.url, dataDir: 'unused' });
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue('sync', { connection: redis, prefix });
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await queue?.close();
    redis?.disconnect();
    await db?.close();
    await pg?.drop();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await clearPrefix(prefix);
  });

  it('sends the limit email of a run through SMTP right after the run, once', async () => {
    await enqueueSync(queue, { sources: ['hr'], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'cli' });
    await waitFor(async () => received.length > 0, { what: 'an email at the SMTP server', timeoutMs: 30_000 });
    expect(received[0]?.to).toEqual(['licenses@example.test']);
    expect(received[0]?.text).toMatch(/p000004|p000005/);
    const outbox = await db.query<{ status: string }>('SELECT status FROM outbox');
    expect(outbox.rows.map((r) => r.status)).toEqual(['sent']);
    // A second run with nothing new blocked sends nothing more.
    await enqueueSync(queue, { sources: ['hr'], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'cli' });
    await waitFor(async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE status = 'ok'`)).rows[0]?.n === 2, { what: 'the second run' });
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox')).rows[0]?.n).toBe(1);
    expect(received).toHaveLength(1);
  });
});
