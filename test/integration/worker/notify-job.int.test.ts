// The notification delivery job: a sync that blocks accounts for lack of seats writes a "limit
// exceeded" email to the outbox; the worker's delivery job (asked for after the run) sends it through
// a real SMTP server, once.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueSync } from '../../../jobs/enqueue.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { silentLogger } from '../../../src/logging.ts';
import { startWorker, type RunningWorker } from '../../../src/worker.ts';
import { manyPeople, migratedPostgres, waitFor } from './worker-fixtures.ts';
import { workerServicesOf } from './worker-services.ts';

interface Received {
  readonly to: string[];
  readonly text: string;
}

describe('notification delivery job', () => {
  const services = workerServicesOf('notify');
  const received: Received[] = [];
  let smtp: SMTPServer;
  let worker: RunningWorker;

  beforeAll(async () => {
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
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    const { dir } = services;
    dir.writeConfig({
      ...(await services.configOptions()),
      sources: { hr: dir.writeCsv('hr', manyPeople(5)) },
      seats: { primary: 2 },
      extra: ['notify:', '  to: licenses@example.test', '  from: seatsync@example.test', `  smtp: { host: 127.0.0.1, port: ${smtpPort} }`].join('\n'),
    });
    const config = await loadConfig({ path: dir.configPath });
    worker = await startWorker({
      config,
      logger: silentLogger(),
      database: migratedPostgres(services.postgresUrl),
    });
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it('sends the limit email of a run through SMTP right after the run, once', async () => {
    await enqueueSync(services.syncQueue, { sources: ['hr'], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'cli' });
    await waitFor(async () => received.length > 0, { what: 'an email at the SMTP server', timeoutMs: 30_000 });
    expect(received[0]?.to).toEqual(['licenses@example.test']);
    expect(received[0]?.text).toMatch(/p000004|p000005/);
    const outbox = await services.db.query<{ status: string }>('SELECT status FROM outbox');
    expect(outbox.rows.map((r) => r.status)).toEqual(['sent']);
    // A second run with nothing new blocked sends nothing more.
    await enqueueSync(services.syncQueue, { sources: ['hr'], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'cli' });
    await waitFor(async () => (await services.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE status = 'ok'`)).rows[0]?.n === 2, { what: 'the second run' });
    expect((await services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox')).rows[0]?.n).toBe(1);
    expect(received).toHaveLength(1);
  });
});
