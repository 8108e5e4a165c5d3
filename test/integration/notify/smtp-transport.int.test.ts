// The SMTP transport's TLS, STARTTLS and AUTH modes against a real SMTP server, and its failure mapping.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpConfig } from '../../../src/config/types.ts';
import { silentLogger } from '../../../src/logging.ts';
import { createTransport } from '../../../src/notify/transports/create-transport.ts';
import { SmtpTransport } from '../../../src/notify/transports/smtp-transport.ts';
import { DeliveryError, type MailMessage } from '../../../src/notify/transports/transport.ts';
import { closedPort } from '../../support/closed-port.ts';
import { TestSmtpServer } from '../../support/smtp-server.ts';

const FROM = 'seatsync@corp.example.test';
const message: MailMessage = {
  to: 'licenses@corp.example.test',
  subject: 'Prüfung — seats',
  text: 'plain body\nsecond line',
  html: '<p>html body</p>',
  eventId: 'test:1',
};

function config(server: TestSmtpServer, overrides: Partial<SmtpConfig> = {}): SmtpConfig {
  return {
    host: '127.0.0.1',
    port: server.port,
    secure: false,
    requireTls: false,
    user: null,
    password: null,
    caFile: server.ca.caFile,
    rejectUnauthorized: true,
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe('SMTP transport', () => {
  let implicit: TestSmtpServer;
  let starttls: TestSmtpServer;
  let plain: TestSmtpServer;

  beforeAll(async () => {
    implicit = await TestSmtpServer.start({ tls: 'implicit', auth: { user: 'app', pass: 'pw' } });
    starttls = await TestSmtpServer.start({ tls: 'starttls', auth: { user: 'app', pass: 'pw' } });
    plain = await TestSmtpServer.start({ tls: 'none' });
  });

  afterAll(async () => {
    await Promise.all([implicit?.close(), starttls?.close(), plain?.close()]);
  });

  it('sends over implicit TLS with AUTH, trusting the configured CA', async () => {
    const transport = new SmtpTransport({ smtp: config(implicit, { secure: true, user: 'app', password: 'pw' }), from: FROM });
    await transport.verify();
    await transport.send(message);
    await transport.close();
    const [mail] = await implicit.waitForMessages(1);
    expect(mail).toMatchObject({ secure: true, user: 'app', subject: 'Prüfung — seats', from: FROM, to: 'licenses@corp.example.test' });
    expect(mail?.text?.trimEnd()).toBe('plain body\nsecond line');
    expect(mail?.html?.trimEnd()).toBe('<p>html body</p>');
    expect(mail?.headers.get('message-id')).toMatch(/^<seatsync\.[0-9a-f]{32}@corp\.example\.test>$/);
    expect(mail?.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail?.headers.get('x-auto-response-suppress')).toBe('All');
  });

  it('sends over STARTTLS when it is required', async () => {
    const transport = new SmtpTransport({ smtp: config(starttls, { requireTls: true, user: 'app', password: 'pw' }), from: FROM });
    await transport.send(message);
    await transport.close();
    const [mail] = await starttls.waitForMessages(1);
    expect(mail).toMatchObject({ secure: true, user: 'app' });
  });

  it('refuses to go on in clear text when STARTTLS is required but not offered', async () => {
    const transport = new SmtpTransport({ smtp: config(plain, { requireTls: true }), from: FROM });
    const error = await failure(transport.send(message));
    expect(error.code).toBe('tls');
    expect(plain.messages).toHaveLength(0);
  });

  it('rejects a certificate it cannot verify, unless rejectUnauthorized is false', async () => {
    const untrusted = new SmtpTransport({ smtp: config(implicit, { secure: true, user: 'app', password: 'pw', caFile: null }), from: FROM });
    const error = await failure(untrusted.verify());
    expect([error.code, error.retryable]).toEqual(['tls', true]);
    const lax = new SmtpTransport({
      smtp: config(implicit, { secure: true, user: 'app', password: 'pw', caFile: null, rejectUnauthorized: false }),
      from: FROM,
    });
    await lax.verify();
  });

  it('maps refused credentials, missing AUTH, refused connections and a missing CA file', async () => {
    const wrong = new SmtpTransport({ smtp: config(starttls, { user: 'app', password: 'nope' }), from: FROM });
    expect(await failure(wrong.send(message))).toMatchObject({ code: 'auth', retryable: false });

    const refused = new SmtpTransport({ smtp: config(plain, { port: await closedPort() }), from: FROM });
    expect(await failure(refused.send(message))).toMatchObject({ code: 'connection', retryable: true });

    expect(() => new SmtpTransport({ smtp: config(plain, { caFile: '/nonexistent/ca.pem' }), from: FROM })).toThrow(
      expect.objectContaining({ code: 'config', retryable: false }),
    );
  });

  it('is built by the factory from the notify config', async () => {
    const transport = createTransport(
      {
        to: 'licenses@corp.example.test',
        from: FROM,
        transport: { kind: 'smtp', smtp: config(plain) },
        remindEveryMs: null,
        warnAt: null,
        failureAfter: null,
      },
      { sources: [], logger: silentLogger() },
    );
    expect(transport.description).toBe(`smtp://127.0.0.1:${plain.port} (STARTTLS when offered)`);
    await transport.send(message);
    expect(await plain.waitForMessages(1)).toHaveLength(1);
  });
});

describe('log transport', () => {
  it('writes the message to the log and sends nothing', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const transport = createTransport(
      { to: 'licenses@corp.example.test', from: FROM, transport: { kind: 'log' }, remindEveryMs: null, warnAt: null, failureAfter: null },
      { sources: [], logger: pino(sink) },
    );
    await transport.send(message);
    const entry = JSON.parse(lines.join('')) as { msg: string; mail: { to: string; subject: string; text: string } };
    expect(entry.msg).toBe('email (log transport, not sent)');
    expect(entry.mail).toMatchObject({ to: 'licenses@corp.example.test', subject: 'Prüfung — seats', text: 'plain body\nsecond line' });
  });

  it('refuses a Graph transport whose source is not an entra source', () => {
    expect(() =>
      createTransport(
        { to: 'a@b.test', from: FROM, transport: { kind: 'graph', source: 'corp-ad', sender: 'x@b.test' }, remindEveryMs: null, warnAt: null, failureAfter: null },
        { sources: [], logger: silentLogger() },
      ),
    ).toThrow(expect.objectContaining({ code: 'config' }));
  });
});
