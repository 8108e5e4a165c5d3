// The headers every message carries, and the Message-ID domain: the same for the same `notify.from`.
import { describe, expect, it } from 'vitest';
import { graphFrom, mimeBody } from '../../../src/notify/transports/graph-transport.ts';
import { AUTOMATIC_HEADERS, composeMessage, messageIdDomain } from '../../../src/notify/transports/transport.ts';
import { parseMail } from '../../support/smtp-mime.ts';

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

  it('composes the same Message-ID and headers for every transport', () => {
    const message = { to: 'a@x.test', subject: 's', text: 't', html: 'h', eventId: 'limit:1:a@x.test' };
    const composed = composeMessage(message, 'Seatsync <seatsync@Corp.Example.Test>');
    expect(composed.messageId).toMatch(/^<seatsync\.[0-9a-f]{32}@corp\.example\.test>$/);
    expect(composeMessage(message, 'other@corp.example.test').messageId).toBe(composed.messageId);
    expect(composed.headers).toEqual([
      { key: 'Auto-Submitted', value: 'auto-generated' },
      { key: 'X-Auto-Response-Suppress', value: 'All' },
      { key: 'X-Seatsync-Event', value: 'limit:1:a@x.test' },
    ]);
  });

  it('sends Graph a base64 MIME message with every header, Auto-Submitted included', async () => {
    const body = await mimeBody({ to: 'a@x.test', subject: 'Über', text: 't', html: '<p>h</p>', eventId: 'limit:1:a@x.test' }, 'seatsync@x.test');
    expect(body).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const mail = parseMail(Buffer.from(body, 'base64').toString('utf8'));
    expect([mail.from, mail.to, mail.subject, mail.text, mail.html]).toEqual(['seatsync@x.test', 'a@x.test', 'Über', 't', '<p>h</p>']);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.headers.get('x-auto-response-suppress')).toBe('All');
    expect(mail.headers.get('x-seatsync-event')).toBe('limit:1:a@x.test');
    expect(mail.headers.get('message-id')).toMatch(/^<seatsync\.[0-9a-f]{32}@x\.test>$/);
  });

  it.each([
    ['seatsync@corp.test', 'Seatsync <SeatSync@corp.test>', 'Seatsync <SeatSync@corp.test>'],
    ['seatsync@corp.test', 'seatsync@corp.test', 'seatsync@corp.test'],
    ['seatsync@corp.test', 'Alerts <alerts@corp.test>', 'seatsync@corp.test'],
    ['0b7c1a2e-5d0f-4a57-9f55-4a8a3f6c7d10', 'seatsync@corp.test', 'seatsync@corp.test'],
  ])('Graph From: sender %s, notify.from %s → %s', (sender, from, expected) => {
    expect(graphFrom(sender, from)).toBe(expected);
  });
});
