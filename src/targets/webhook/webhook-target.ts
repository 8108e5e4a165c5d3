// A webhook receiver as a target: each outbox row is one event, POSTed as JSON and signed per Standard
// Webhooks. The `webhook-id` is the row's dedupe key, the same on every retry, so a receiver that saw it
// already can drop the repeat. 2xx is delivered; 410 Gone means the receiver does not want it (given up).
import type { WebhookTargetConfig } from '../../config/types.ts';
import { UnreadablePayload } from '../../notify/deliver.ts';
import type { OutboxMessage } from '../../notify/outbox-port.ts';
import { DeliveryError } from '../../notify/transports/transport.ts';
import { HttpClient, statusError } from '../http-request.ts';
import type { WebhookEvent } from '../target-rows.ts';
import type { CheckResult, Target } from '../target.ts';
import { signWebhook } from './webhook-signature.ts';

export const PING_EVENT = 'seatsync.ping';

export class WebhookTarget implements Target {
  readonly name: string;
  readonly kind = 'webhook' as const;
  readonly #config: WebhookTargetConfig;
  readonly #http: HttpClient;
  readonly #now: () => number;

  constructor(config: WebhookTargetConfig, options: { readonly now?: () => number } = {}) {
    this.name = config.name;
    this.#config = config;
    this.#http = new HttpClient({ tls: config.tls, timeoutMs: config.timeoutMs });
    this.#now = options.now ?? Date.now;
  }

  async deliver(row: OutboxMessage): Promise<Record<string, unknown>> {
    const event = row.payload as Partial<WebhookEvent> | null;
    if (event === null || typeof event !== 'object' || typeof event.type !== 'string' || row.dedupeKey === null) {
      throw new UnreadablePayload('the outbox payload is not a webhook event');
    }
    await this.#post(row.dedupeKey, event as WebhookEvent);
    return { event: event.type, webhookId: row.dedupeKey };
  }

  /** Sends a signed `seatsync.ping` event: the receiver is reachable and accepts the signature. */
  async check(): Promise<CheckResult> {
    const id = `msg_ping_${this.#now()}`;
    await this.#post(id, { type: PING_EVENT, timestamp: new Date(this.#now()).toISOString(), data: {} });
    return { ok: true, detail: `webhook ${this.#config.url} accepted a signed ${PING_EVENT} event` };
  }

  close(): void {
    this.#http.close();
  }

  async #post(id: string, event: WebhookEvent): Promise<void> {
    const body = JSON.stringify(event);
    const headers = signWebhook({ secret: this.#config.secret, id, timestampSeconds: this.#now() / 1000, body });
    const res = await this.#http.request({ method: 'POST', url: this.#config.url, body, headers: { 'content-type': 'application/json', ...headers } });
    if (res.status >= 200 && res.status < 300) return;
    if (res.status === 410) throw new DeliveryError(`${this.#config.url} answered 410 Gone: the receiver refuses these events`, { code: 'bad-request', retryable: false });
    throw statusError(`POST ${event.type}`, res);
  }
}
