// Standard Webhooks signatures (https://www.standardwebhooks.com, "Signature scheme"): HMAC-SHA256 over
// `${webhook-id}.${webhook-timestamp}.${body}` with the base64 key after `whsec_`, sent as `v1,<base64>`.
import { createHmac } from 'node:crypto';

export interface SignedHeaders {
  readonly 'webhook-id': string;
  /** Unix seconds of this attempt (receivers refuse old timestamps: replays). */
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

export function signWebhook(options: { readonly secret: string; readonly id: string; readonly timestampSeconds: number; readonly body: string }): SignedHeaders {
  const key = Buffer.from(options.secret.replace(/^whsec_/, ''), 'base64');
  const timestamp = String(Math.floor(options.timestampSeconds));
  const signature = createHmac('sha256', key).update(`${options.id}.${timestamp}.${options.body}`).digest('base64');
  return { 'webhook-id': options.id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
