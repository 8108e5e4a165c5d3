// Sends what the outbox holds: claim due rows, render, send, mark. The same loop delivers a target's
// rows (src/targets/), with the target's sender in place of rendering and mailing. Called at the end of
// `seatsync sync` and by the worker's notification job; any number of deliverers may run at once (rows
// are claimed in the database). Everything lives in the outbox table, so a restart loses nothing: a row
// claimed by a deliverer that died comes back when its lease ends.
//
// Retries: a retryable failure puts the row back with exponential backoff — 30 s after the first failed
// attempt, then 1 min, 2 min, … capped at 1 h (or the server's Retry-After when longer; a throttled
// attempt is not counted). After
// `maxAttempts` attempts (default 10: about 3 h 20 min of trying), or at once for a failure retrying
// cannot fix (credentials or recipient refused), the row becomes `failed` with its error recorded.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { NOTIFICATION_KINDS, syncHeldEventOf, testEvent, type NotificationEvent } from '../domain/notifications.ts';
import type { Logger } from '../logging.ts';
import type { Queryable } from '../store/db.ts';
import type { OutboxMessage, OutboxPort } from './outbox-port.ts';
import { renderMessage } from './templates.ts';
import { asDeliveryError, DeliveryError, type MailTransport } from './transports/transport.ts';

export interface Backoff {
  /** Delay after the first failed attempt, in ms (default 30 000). */
  readonly baseMs: number;
  /** Longest delay, in ms (default 3 600 000). */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 30_000, maxMs: 60 * 60_000 };
export const DEFAULT_MAX_ATTEMPTS = 10;

/** What the delivery loop needs whatever it delivers (emails, or one target's rows). */
export interface DeliveryLoopOptions {
  readonly outbox: OutboxPort;
  readonly logger: Logger;
  /** Clock, epoch ms; default `Date.now`. */
  readonly now?: () => number;
  /** Attempts before a message is given up (`failed`); default 10. */
  readonly maxAttempts?: number;
  readonly backoff?: Backoff;
  /** Rows claimed at a time; default 10. */
  readonly limit?: number;
  /** How long a claim lasts, ms; default 5 min (several times the transports' own timeouts). */
  readonly leaseMs?: number;
  /** Recorded in `claimed_by`; default host:pid:random. */
  readonly worker?: string;
  /** Stops between messages (shutdown); unsent claimed rows are given back. */
  readonly signal?: AbortSignal;
}

export interface DeliverOptions extends DeliveryLoopOptions {
  readonly transport: MailTransport;
  /** `http.publicUrl`, for the dashboard link. */
  readonly publicUrl?: string | null;
}

/**
 * Delivers one claimed row; throws `DeliveryError` (its `retryable` and `retryAfterMs` decide what comes
 * next). Returns fields for the success log line.
 */
export type RowSender = (row: OutboxMessage) => Promise<Record<string, unknown>>;

export interface DeliverResult {
  readonly sent: number;
  /** Given up in this call (status `failed`). */
  readonly failed: number;
  /** Failed now, to be tried again later. */
  readonly retrying: number;
}

/** Delay before attempt `failedAttempts + 1`, in ms. */
export function backoffMs(failedAttempts: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, failedAttempts - 1);
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(exponent, 30));
}

interface Tally {
  sent: number;
  failed: number;
  retrying: number;
}

/** Delivers every email due now; returns what happened. Never throws for a delivery failure. */
export async function deliverOutbox(options: DeliverOptions): Promise<DeliverResult> {
  return deliverRows(options, { target: null, send: emailSender(options) });
}

/** Message a row gets when its payload is not something this version can deliver (never retried). */
export class UnreadablePayload extends Error {
  readonly code = 'invalid';
}

function emailSender(options: DeliverOptions): RowSender {
  return async (row) => {
    const event = parseEvent(row.payload);
    if (!event) throw new UnreadablePayload('the outbox payload is not a notification event');
    const rendered = renderMessage(event, { publicUrl: options.publicUrl ?? null });
    await options.transport.send({ to: row.recipient, eventId: event.dedupeKey, ...rendered });
    return { subject: rendered.subject };
  };
}

/**
 * The delivery loop over the rows of one channel: the emails (`target` null) or one target's rows. Rows
 * are claimed in the database, so any number of deliverers may run it at once.
 */
export async function deliverRows(
  options: DeliveryLoopOptions,
  channel: {
    readonly target: string | null;
    readonly send: RowSender;
    /**
     * Rows of a claim sent at once (default 1). Only for a target: its claim never holds two rows of one
     * ordering key, so rows sent together are of different accounts.
     */
    readonly parallel?: number;
  },
): Promise<DeliverResult> {
  const clock = options.now ?? Date.now;
  const limit = options.limit ?? 10;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const worker = options.worker ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const tally: Tally = { sent: 0, failed: 0, retrying: 0 };

  while (!options.signal?.aborted) {
    const claimedAt = clock();
    const rows = await options.outbox.claimDue({ limit, now: new Date(claimedAt), leaseMs, worker, target: channel.target });
    if (rows.length === 0) break;
    const parallel = Math.max(1, channel.parallel ?? 1);
    for (let index = 0; index < rows.length; index += parallel) {
      // Give the rest back rather than send on a claim about to expire (another deliverer could take it),
      // after a shutdown request, or when the transport just proved unreachable.
      const stop = options.signal?.aborted || clock() - claimedAt > leaseMs / 2;
      if (stop) {
        await releaseAll(options.outbox, rows.slice(index), new Date(clock()));
        break;
      }
      const outcomes = await Promise.all(rows.slice(index, index + parallel).map((row) => deliverOne(row, options, channel.send, clock)));
      for (const outcome of outcomes) tally[outcome.result] += 1;
      const down = outcomes.filter((o) => o.transportDown);
      if (down.length > 0) {
        const retryAt = Math.max(clock(), ...down.map((o) => o.retryAt?.getTime() ?? 0));
        await releaseAll(options.outbox, rows.slice(index + parallel), new Date(retryAt));
        return tally;
      }
    }
    // No `rows.length < limit` shortcut: a target's claim holds back an account's later rows until its
    // earlier one is done, so a short batch does not mean the queue is empty.
  }
  return tally;
}

async function releaseAll(outbox: OutboxPort, rows: readonly OutboxMessage[], at: Date): Promise<void> {
  for (const row of rows) await outbox.release(row.id, { nextAttemptAt: at });
}

interface Outcome {
  readonly result: keyof Tally;
  /** The transport itself failed (not this message): don't try the others now. */
  readonly transportDown: boolean;
  readonly retryAt?: Date;
}

const TRANSPORT_DOWN = new Set(['connection', 'timeout', 'tls', 'auth', 'throttled', 'config']);

async function deliverOne(row: OutboxMessage, options: DeliveryLoopOptions, send: RowSender, clock: () => number): Promise<Outcome> {
  const log = options.logger.child({ outboxId: row.id, kind: row.kind, to: row.recipient, attempt: row.attempts });
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const what = row.target === null ? 'notification' : 'delivery';
  if (row.attempts > maxAttempts) {
    // Claimed again after its last allowed attempt was cut short (the deliverer stopped mid-send).
    await options.outbox.markFailed(row.id, { error: `gave up after ${maxAttempts} attempts`, nextAttemptAt: null });
    log.error(`${what} given up: too many attempts`);
    return { result: 'failed', transportDown: false };
  }
  try {
    const fields = await send(row);
    await options.outbox.markSent(row.id, { now: new Date(clock()) });
    log.info(fields, `${what} sent`);
    return { result: 'sent', transportDown: false };
  } catch (thrown) {
    if (thrown instanceof UnreadablePayload) {
      await options.outbox.markFailed(row.id, { error: `invalid: ${thrown.message}`, nextAttemptAt: null });
      log.error(`${what} given up: unreadable outbox payload`);
      return { result: 'failed', transportDown: false };
    }
    const error = asDeliveryError(thrown);
    const text = `${error.code}: ${error.message}`;
    const transportDown = TRANSPORT_DOWN.has(error.code);
    if (!error.retryable || row.attempts >= maxAttempts) {
      await options.outbox.markFailed(row.id, { error: text, nextAttemptAt: null });
      log.error({ code: error.code, err: error.message }, `${what} failed; giving up`);
      return { result: 'failed', transportDown };
    }
    const delay = Math.max(backoffMs(row.attempts, options.backoff), error.retryAfterMs ?? 0);
    const retryAt = new Date(clock() + delay);
    // The server asked to wait: not the message's failure, so the attempt is not counted (a long storm of
    // 429s must not use up `maxAttempts`).
    if (error.code === 'throttled') await options.outbox.release(row.id, { nextAttemptAt: retryAt, error: text });
    else await options.outbox.markFailed(row.id, { error: text, nextAttemptAt: retryAt });
    log.warn({ code: error.code, err: error.message, retryAt: retryAt.toISOString() }, `${what} failed; will retry`);
    return { result: 'retrying', transportDown, retryAt };
  }
}

/** The stored payload, if it is a notification event this version can render. */
export function parseEvent(payload: unknown): NotificationEvent | null {
  if (!payload || typeof payload !== 'object') return null;
  const p = payload as Record<string, unknown>;
  const kindOk = typeof p.kind === 'string' && (NOTIFICATION_KINDS as readonly string[]).includes(p.kind);
  if (!kindOk || typeof p.recipient !== 'string' || typeof p.dedupeKey !== 'string' || typeof p.at !== 'string') return null;
  if (p.kind === 'sync-held') return syncHeldEventOf(payload as Parameters<typeof syncHeldEventOf>[0]);
  return payload as NotificationEvent;
}

/**
 * `seatsync notify test`: queues a test message to `to` (usually `notify.to`). Deliver it with
 * `deliverOutbox`; the returned dedupe key identifies it.
 */
export async function enqueueTestMessage(options: {
  readonly db: Queryable;
  readonly outbox: OutboxPort;
  readonly to: string;
  readonly now?: number;
}): Promise<{ dedupeKey: string }> {
  const event = testEvent({ now: options.now ?? Date.now(), to: options.to, nonce: randomBytes(4).toString('hex') });
  const { inserted } = await options.outbox.enqueue(options.db, [event]);
  if (inserted !== 1) throw new DeliveryError('the test message was not queued', { code: 'unknown', retryable: false });
  return { dedupeKey: event.dedupeKey };
}
