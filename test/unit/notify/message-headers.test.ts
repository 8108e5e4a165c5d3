// The headers every message carries, and the Message-ID domain: the same for the same `notify.from`.
import { describe, expect, it } from 'vitest';
import { sendMailBody } from '../../../src/notify/transports/graph-transport.ts';
import { AUTOMATIC_HEADERS, messageIdDomain } from '../../../src/notify/transports/transport.ts';

describe('Message-ID domain', () => {
  it.each([
    ['seatsync@corp.example.test', 'corp.example.test'],
    ['Seatsync <seatsync@Corp.Example.Test>', 'corp.example.test'],
    ['"a@b" <seatsync@mail.example.test>', 'mail.example.test'],
    ['seatsync', 'seatsync.invalid'],
    ['seatsync@', 'seatsync.invalid'],
  ])('%s → %s', (from, domain) => {
    expect(messageIdDomain(from)).toBe(domain);
  });
});

describe('automatic headers', () => {
  it('marks every message as automatic (RFC 3834), and tells Exchange too', () => {
    expect(AUTOMATIC_HEADERS).toEqual([
      { name: 'Auto-Submitted', value: 'auto-generated' },
      { name: 'X-Auto-Response-Suppress', value: 'All' },
    ]);
  });

  it('sends Graph only the X- headers, which is all sendMail accepts', () => {
    const body = sendMailBody({ to: 'a@x.test', subject: 's', text: 't', html: 'h', eventId: 'limit:1:a@x.test' }) as { message: { internetMessageHeaders: { name: string }[] } };
    const names = body.message.internetMessageHeaders.map((h) => h.name);
    expect(names).toEqual(['X-Auto-Response-Suppress', 'X-Seatsync-Event']);
    for (const name of names) expect(name).toMatch(/^X-/);
  });
});
