// The Graph sendMail transport against the Graph emulator (test/support/graph-emulator): the MIME message
// Graph expects, the token from the app registration, and how Graph's failures map to retries.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EntraSourceConfig } from '../../../src/config/types.ts';
import { silentLogger } from '../../../src/logging.ts';
import { deliverOutbox } from '../../../src/notify/deliver.ts';
import { createTransport } from '../../../src/notify/transports/create-transport.ts';
import { GraphTransport } from '../../../src/notify/transports/graph-transport.ts';
import { DeliveryError, type MailMessage } from '../../../src/notify/transports/transport.ts';
import { outboxOf } from '../../../src/store/outbox-store.ts';
import { startGraphEmulator, trustEmulatorCa, type AppRegistration, type GraphEmulator } from '../../support/graph-emulator/index.ts';
import { limitEvents, NOTIFY_TO, PARTNERS_TO } from './events.ts';
import { openTestDatabase, type TestDatabase } from '../../support/databases.ts';

const SECRET = 'notify-secret';
const SENDER = 'seatsync@corp.example.test';

const message: MailMessage = {
  to: NOTIFY_TO,
  subject: 'License limit exceeded — primary 100/100, 7 waiting',
  text: 'plain',
  html: '<p>Ada &#38; Tom</p>',
  eventId: 'limit:7:licenses@corp.example.test',
};

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe('Graph sendMail transport', () => {
  let emulator: GraphEmulator;
  let app: AppRegistration;

  const source = (overrides: Partial<EntraSourceConfig> = {}): EntraSourceConfig => ({
    kind: 'entra',
    name: 'entra',
    schedule: null,
    fullEveryMs: 86_400_000,
    tenantId: emulator.tenantId,
    clientId: app.clientId,
    credential: { kind: 'secret', clientSecret: SECRET },
    cloud: { graph: emulator.graphUrl, login: emulator.loginUrl },
    group: null,
    pageSize: 999,
    ...overrides,
  });

  const transport = (overrides: Partial<EntraSourceConfig> = {}, sender = SENDER): GraphTransport =>
    new GraphTransport({ source: source(overrides), sender, from: 'Seatsync <seatsync@corp.example.test>', requestTimeoutMs: 5_000 });

  beforeAll(async () => {
    emulator = await startGraphEmulator();
    trustEmulatorCa(emulator.tls.caPem);
    app = emulator.registerApp({ secret: SECRET });
    emulator.directory.addUser({ userPrincipalName: SENDER, mail: SENDER, displayName: 'seatsync' });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  beforeEach(() => {
    emulator.outbox.length = 0;
  });

  it('posts the message in MIME format, as the sender mailbox, with a token of the app', async () => {
    await transport().send(message);
    expect(emulator.outbox).toHaveLength(1);
    const [sent] = emulator.outbox;
    expect(sent).toMatchObject({ format: 'mime', sender: SENDER, clientId: app.clientId, subject: message.subject, contentType: 'html', to: [NOTIFY_TO], saveToSentItems: true });
    expect(sent?.content).toBe(message.html);
    const headers = sent?.headers;
    expect(headers?.get('from')).toBe(`Seatsync <${SENDER}>`);
    expect(headers?.get('auto-submitted')).toBe('auto-generated');
    expect(headers?.get('x-auto-response-suppress')).toBe('All');
    expect(headers?.get('x-seatsync-event')).toBe(message.eventId);
    expect(headers?.get('message-id')).toMatch(/^<seatsync\.[0-9a-f]{32}@corp\.example\.test>$/);
    const post = emulator.graphRequests(/sendMail$/).at(-1);
    expect(post).toMatchObject({ method: 'POST', path: `/v1.0/users/${SENDER}/sendMail`, status: 202 });
  });

  it('gives a message sent again the same Message-ID, and sends as the mailbox when notify.from is another address', async () => {
    const other = new GraphTransport({ source: source(), sender: SENDER, from: 'alerts@other.example.test', requestTimeoutMs: 5_000 });
    await transport().send(message);
    await other.send(message);
    const [first, second] = emulator.outbox;
    expect(second?.headers.get('message-id')).toBe(first?.headers.get('message-id'));
    expect(second?.headers.get('from')).toBe(SENDER);
  });

  it('delivers the outbox through the factory-built transport', async () => {
    const tdb: TestDatabase = await openTestDatabase('pglite');
    try {
      const outbox = outboxOf(tdb.db);
      await tdb.db.transaction((tx) => outbox.enqueue(tx, limitEvents(Date.now(), '301')));
      const graph = createTransport(
        { to: NOTIFY_TO, from: SENDER, transport: { kind: 'graph', source: 'entra', sender: SENDER }, remindEveryMs: null, warnAt: null, failureAfter: null },
        { sources: [source()], logger: silentLogger() },
      );
      expect(graph.description).toBe(`graph ${emulator.graphUrl} as ${SENDER} (source entra)`);
      await graph.verify();
      expect(await deliverOutbox({ outbox, transport: graph, logger: silentLogger() })).toEqual({ sent: 2, failed: 0, retrying: 0 });
      expect(emulator.outbox.map((m) => [m.to, m.subject])).toEqual(
        expect.arrayContaining([
          [[NOTIFY_TO], 'License limit exceeded — primary 100/100, 7 waiting'],
          [[PARTNERS_TO], 'License limit exceeded — extranet 20/20, 1 waiting'],
        ]),
      );
      const main = emulator.outbox.find((m) => m.to[0] === NOTIFY_TO);
      expect(main?.content).toContain('&#60;script&#62;alert(1)&#60;/script&#62; Tom &#38; Jerry');
    } finally {
      await tdb.drop();
    }
  });

  it('does not retry a refused secret', async () => {
    const error = await failure(transport({ credential: { kind: 'secret', clientSecret: 'wrong' } }).send(message));
    expect([error.code, error.retryable]).toEqual(['auth', false]);
    expect(emulator.outbox).toHaveLength(0);
  });

  it('does not retry without the Mail.Send permission', async () => {
    const readOnly = emulator.registerApp({ secret: SECRET, roles: ['User.Read.All'] });
    const error = await failure(transport({ clientId: readOnly.clientId }).send(message));
    expect([error.code, error.retryable]).toEqual(['auth', false]);
  });

  it('does not retry an unknown sender mailbox', async () => {
    const error = await failure(transport({}, 'nobody@corp.example.test').send(message));
    expect([error.code, error.retryable]).toEqual(['sender-rejected', false]);
  });

  it('retries throttling and server errors, keeping Retry-After', async () => {
    const graph = transport();
    emulator.faults.inject({ status: 429, retryAfterSeconds: 30 }, { status: 503 }, 'reset');
    const throttled = await failure(graph.send(message));
    expect([throttled.code, throttled.retryable, throttled.retryAfterMs]).toEqual(['throttled', true, 30_000]);
    const unavailable = await failure(graph.send(message));
    expect([unavailable.code, unavailable.retryable]).toEqual(['server', true]);
    const reset = await failure(graph.send(message));
    expect([reset.code, reset.retryable]).toEqual(['connection', true]);
    await graph.send(message);
    expect(emulator.outbox).toHaveLength(1);
  });

  it('retries when the login endpoint cannot be reached', async () => {
    const closed = await startGraphEmulator({ tls: emulator.tls });
    const loginUrl = closed.loginUrl;
    await closed.close();
    const error = await failure(transport({ cloud: { graph: emulator.graphUrl, login: loginUrl } }).send(message));
    expect(error.retryable).toBe(true);
  });
});
