// A webhook receiver for tests, over HTTPS with a test CA: verifies every delivery's signature with the
// `standardwebhooks` package (the reference implementation of the scheme seatsync signs with), answers
// 401 to a bad one, and can answer 503 for a while. Keeps the verified events and every webhook-id seen.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { TestCa } from './test-ca.ts';

export interface ReceivedEvent {
  readonly id: string;
  readonly type: string;
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
}

export class TestWebhookReceiver {
  readonly events: ReceivedEvent[] = [];
  /** Every attempt: its webhook-id and the status answered. */
  readonly attempts: { id: string; status: number }[] = [];
  readonly #server: https.Server;
  readonly #webhook: Webhook;
  #unavailable = 0;

  private constructor(tls: { cert: string; key: string }, secret: string) {
    this.#webhook = new Webhook(secret);
    this.#server = https.createServer(tls, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = String(req.headers['webhook-id'] ?? '');
        const answer = (status: number): void => {
          this.attempts.push({ id, status });
          res.writeHead(status, status === 503 ? { 'retry-after': '1' } : {}).end();
        };
        if (this.#unavailable > 0) {
          this.#unavailable -= 1;
          answer(503);
          return;
        }
        try {
          const body = this.#webhook.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>) as Omit<ReceivedEvent, 'id'>;
          this.events.push({ id, ...body });
          answer(204);
        } catch {
          answer(401);
        }
      });
    });
  }

  static async start(ca: TestCa, secret: string): Promise<TestWebhookReceiver> {
    const cert = await ca.issue({ name: 'hooks', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const receiver = new TestWebhookReceiver({ cert: readFileSync(cert.certPath, 'utf8'), key: readFileSync(cert.keyPath, 'utf8') }, secret);
    receiver.#server.listen(0, '127.0.0.1');
    await once(receiver.#server, 'listening');
    return receiver;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks/seatsync`;
  }

  /** The next `count` deliveries get 503 with Retry-After: 1. */
  unavailableFor(count: number): void {
    this.#unavailable = count;
  }

  /** `type user` of each verified event, in order of arrival. */
  summary(): string[] {
    return this.events.map((e) => {
      const account = e.data.account as { username?: string } | undefined;
      return `${e.type} ${account?.username ?? (e.data.pool as string | undefined) ?? (e.data.source as string | undefined) ?? ''}`.trim();
    });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
