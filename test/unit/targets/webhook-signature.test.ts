// seatsync's Standard Webhooks signing against the `standardwebhooks` package's verification, on random
// ids, timestamps and bodies: every signature seatsync makes verifies, and a changed body does not.
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook } from '../../../src/targets/webhook/webhook-signature.ts';

describe('signWebhook', () => {
  it('verifies with standardwebhooks for any secret, id and body', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 64 }), fc.stringMatching(/^msg_[A-Za-z0-9_.:-]{1,40}$/), fc.json({ maxDepth: 3 }), (key, id, body) => {
        const secret = `whsec_${Buffer.from(key).toString('base64')}`;
        const nowSeconds = Math.floor(Date.now() / 1000);
        const headers = signWebhook({ secret, id, timestampSeconds: nowSeconds, body });
        expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
        expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it('has the documented form', () => {
    const headers = signWebhook({ secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}`, id: 'msg_1', timestampSeconds: 1_700_000_000.9, body: '{}' });
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });
});
