// A real SMTP server for tests (the `smtp-server` package): records every message it accepts, with
// optional AUTH, implicit TLS or STARTTLS using a test CA, injected failures, and stop/start on the same
// port (an SMTP outage). Messages are decoded with `parseMail` (test/support/smtp-mime.ts).
//
//   const smtp = await TestSmtpServer.start({ tls: 'starttls', auth: { user: 'u', pass: 'p' } });
//   … smtp.port, smtp.ca.caFile, await smtp.waitForMessages(1), smtp.messages[0].subject …
//   await smtp.stop(); await smtp.start(); await smtp.close();
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { listenOn, retryOnPortTaken, SAME_PORT } from './ports.ts';
import { parseMail, type ParsedMail } from './smtp-mime.ts';
import { createTestCa } from './test-ca.ts';

export interface SmtpCertificates {
  /** PEM of the test CA and its path (for `notify.smtp.caFile`). */
  readonly caPem: string;
  readonly caFile: string;
  readonly serverKey: string;
  readonly serverCert: string;
}

let certificates: Promise<SmtpCertificates> | null = null;

/** One CA and server certificate (127.0.0.1, localhost) per test process. */
function smtpCertificates(): Promise<SmtpCertificates> {
  certificates ??= (async () => {
    const ca = await createTestCa(mkdtempSync(join(tmpdir(), 'seatsync-smtp-ca-')), { commonName: 'seatsync SMTP test CA' });
    const server = await ca.issue({ name: 'smtp', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    return {
      caPem: readFileSync(ca.certPath, 'utf8'),
      caFile: ca.certPath,
      serverKey: readFileSync(server.keyPath, 'utf8'),
      serverCert: readFileSync(server.certPath, 'utf8'),
    };
  })();
  return certificates;
}

export interface ReceivedMail extends ParsedMail {
  readonly envelopeFrom: string;
  readonly envelopeTo: readonly string[];
  /** The authenticated user, null without AUTH. */
  readonly user: string | null;
  /** The session was encrypted (implicit TLS or STARTTLS). */
  readonly secure: boolean;
}

export interface TestSmtpServerOptions {
  /** 0 (default): a free port, kept across stop/start. */
  readonly port?: number;
  /** `starttls` (default): STARTTLS offered, not required; `implicit`: TLS from the first byte; `none`. */
  readonly tls?: 'none' | 'starttls' | 'implicit';
  /** Require AUTH with these credentials; null (default): no AUTH. */
  readonly auth?: { readonly user: string; readonly pass: string } | null;
  /** Recipients refused at RCPT TO with 550. */
  readonly rejectRecipients?: readonly string[];
}

interface Failure {
  readonly code: number;
  readonly message: string;
}

export class TestSmtpServer {
  readonly messages: ReceivedMail[] = [];
  readonly ca: SmtpCertificates;
  readonly host = '127.0.0.1';
  #port: number;
  readonly #options: TestSmtpServerOptions;
  #server: SMTPServer | null = null;
  #failures: Failure[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];

  private constructor(options: TestSmtpServerOptions, ca: SmtpCertificates) {
    this.#options = options;
    this.#port = options.port ?? 0;
    this.ca = ca;
  }

  static async start(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
    const server = new TestSmtpServer(options, await smtpCertificates());
    await server.start();
    return server;
  }

  get port(): number {
    return this.#port;
  }

  get running(): boolean {
    return this.#server !== null;
  }

  /** Forgets the messages received so far. */
  clear(): void {
    this.messages.length = 0;
  }

  /** The next `count` messages are refused at the end of DATA with this reply (451: try again later). */
  failNext(count: number, failure: Failure = { code: 451, message: 'Temporary local problem, try again later' }): void {
    for (let i = 0; i < count; i += 1) this.#failures.push(failure);
  }

  /** Resolves once at least `count` messages were received in total. */
  async waitForMessages(count: number, options: { timeoutMs?: number } = {}): Promise<ReceivedMail[]> {
    if (this.messages.length < count) {
      const arrived = new Promise<void>((resolve) => this.#waiters.push({ count, resolve }));
      const timeoutMs = options.timeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`expected ${count} messages, got ${this.messages.length} within ${timeoutMs} ms`)), timeoutMs);
      });
      await Promise.race([arrived, timeout]).finally(() => clearTimeout(timer));
    }
    return this.messages;
  }

  /** (Re)starts listening on the same port. */
  async start(): Promise<void> {
    if (this.#server) return;
    const server = new SMTPServer(this.#serverOptions());
    server.on('error', () => undefined); // client resets are part of some tests
    // On the same port after `stop`, waiting while another process holds it.
    this.#port = await retryOnPortTaken(() => listenOn(server.server, this.#port, this.host), SAME_PORT);
    this.#server = server;
  }

  /** Stops listening: connections are refused until `start`. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.stop();
  }

  #serverOptions(): SMTPServerOptions {
    const tls = this.#options.tls ?? 'starttls';
    const auth = this.#options.auth ?? null;
    return {
      secure: tls === 'implicit',
      hideSTARTTLS: tls === 'none',
      key: this.ca.serverKey,
      cert: this.ca.serverCert,
      authOptional: auth === null,
      allowInsecureAuth: tls === 'none',
      disabledCommands: [...(auth === null ? ['AUTH'] : []), ...(tls === 'none' ? ['STARTTLS'] : [])],
      logger: false,
      onAuth: (credentials, _session, callback) => {
        if (auth && credentials.username === auth.user && credentials.password === auth.pass) {
          callback(null, { user: credentials.username });
        } else {
          callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
        }
      },
      onRcptTo: (address, _session, callback) => {
        const refused = this.#options.rejectRecipients?.some((r) => r.toLowerCase() === address.address.toLowerCase());
        callback(refused ? Object.assign(new Error('No such user here'), { responseCode: 550 }) : null);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const failure = this.#failures.shift();
          if (failure) {
            callback(Object.assign(new Error(failure.message), { responseCode: failure.code }));
            return;
          }
          this.#record(Buffer.concat(chunks).toString('utf8'), session);
          callback(null);
        });
      },
    };
  }

  #record(raw: string, session: Parameters<NonNullable<SMTPServerOptions['onData']>>[1]): void {
    const mailFrom = session.envelope.mailFrom;
    this.messages.push({
      ...parseMail(raw),
      envelopeFrom: mailFrom ? mailFrom.address : '',
      envelopeTo: session.envelope.rcptTo.map((r) => r.address),
      user: typeof session.user === 'string' ? session.user : null,
      secure: session.secure,
    });
    const ready = this.#waiters.filter((w) => this.messages.length >= w.count);
    this.#waiters = this.#waiters.filter((w) => this.messages.length < w.count);
    for (const w of ready) w.resolve();
  }
}
