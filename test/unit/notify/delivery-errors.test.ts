import { GraphError } from '@microsoft/microsoft-graph-client';
import { describe, expect, it } from 'vitest';
import { backoffMs, parseEvent } from '../../../src/notify/deliver.ts';
import { mapGraphError, mapTokenError } from '../../../src/notify/transports/graph-transport.ts';
import { mapSmtpError } from '../../../src/notify/transports/smtp-transport.ts';
import { DeliveryError } from '../../../src/notify/transports/transport.ts';

const smtpError = (props: Record<string, unknown>): Error => Object.assign(new Error('smtp says no'), props);

describe('SMTP failures', () => {
  it.each([
    [{ code: 'EAUTH', responseCode: 535 }, 'auth', false],
    [{ code: 'EAUTH', responseCode: 454 }, 'temporary', true],
    [{ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }, 'recipient-rejected', false],
    [{ code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM' }, 'sender-rejected', false],
    [{ code: 'EENVELOPE', responseCode: 450, command: 'RCPT TO' }, 'temporary', true],
    [{ code: 'EMESSAGE', responseCode: 451, command: 'DATA' }, 'temporary', true],
    [{ code: 'EMESSAGE', responseCode: 552, command: 'DATA' }, 'message-rejected', false],
    [{ code: 'EPROTOCOL', responseCode: 503 }, 'message-rejected', true],
    [{ code: 'ESOCKET', errno: -111 }, 'connection', true],
    [{ code: 'ECONNECTION' }, 'connection', true],
    [{ code: 'ETIMEDOUT' }, 'timeout', true],
    [{ code: 'ETLS' }, 'tls', true],
    [{ code: 'ECONFIG' }, 'config', false],
    [{}, 'unknown', true],
  ])('%o → %s (retryable: %s)', (props, code, retryable) => {
    const error = mapSmtpError(smtpError(props));
    expect(error).toBeInstanceOf(DeliveryError);
    expect([error.code, error.retryable]).toEqual([code, retryable]);
  });
});

describe('Graph failures', () => {
  const graphError = (status: number, code: string | null = null, retryAfter?: string): GraphError => {
    const e = new GraphError(status, 'graph says no');
    e.code = code;
    if (retryAfter) e.headers = new Headers({ 'Retry-After': retryAfter });
    return e;
  };

  it.each([
    [429, null, 'throttled', true],
    [503, null, 'server', true],
    [500, null, 'server', true],
    [401, 'InvalidAuthenticationToken', 'auth', false],
    [403, 'ErrorAccessDenied', 'auth', false],
    [404, 'ErrorInvalidUser', 'sender-rejected', false],
    [400, 'ErrorInvalidRecipients', 'recipient-rejected', false],
    [400, 'ErrorInvalidRequest', 'bad-request', false],
    [-1, 'TypeError', 'connection', true],
  ])('%i %s → %s (retryable: %s)', (status, code, expected, retryable) => {
    const error = mapGraphError(graphError(status, code));
    expect([error.code, error.retryable]).toEqual([expected, retryable]);
  });

  it('keeps Retry-After in milliseconds', () => {
    expect(mapGraphError(graphError(429, null, '120')).retryAfterMs).toBe(120_000);
  });

  it('tells a refused app registration from an unreachable login endpoint', () => {
    const refused = Object.assign(new Error('AADSTS7000215: Invalid client secret'), { name: 'AuthenticationError', statusCode: 401 });
    expect([mapTokenError(refused).code, mapTokenError(refused).retryable]).toEqual(['auth', false]);
    const down = Object.assign(new Error('connect ECONNREFUSED'), { name: 'AuthenticationError', statusCode: 0 });
    expect(mapTokenError(down).retryable).toBe(true);
    const overloaded = Object.assign(new Error('busy'), { name: 'AuthenticationError', statusCode: 503 });
    expect([mapTokenError(overloaded).code, mapTokenError(overloaded).retryable]).toEqual(['server', true]);
  });
});

describe('delivery helpers', () => {
  it('backs off exponentially from 30 s, capped at 1 h', () => {
    expect([1, 2, 3, 4, 7, 8, 9, 50].map((n) => backoffMs(n))).toEqual([
      30_000, 60_000, 120_000, 240_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
    expect(backoffMs(3, { baseMs: 10, maxMs: 1000 })).toBe(40);
  });

  it('accepts only payloads that are notification events', () => {
    expect(parseEvent({ kind: 'test', recipient: 'a@b.test', dedupeKey: 'k', at: '2025-01-01T00:00:00Z', runId: null, source: null })).not.toBeNull();
    expect(parseEvent({ kind: 'party', recipient: 'a@b.test', dedupeKey: 'k', at: 'x' })).toBeNull();
    expect(parseEvent('limit-exceeded')).toBeNull();
    expect(parseEvent(null)).toBeNull();
  });
});
