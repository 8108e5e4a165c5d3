// The port every mail transport implements, and the one error type they all map their failures to.
// The deliverer only looks at `DeliveryError.retryable` (and `retryAfterMs`): transports decide what a
// failure means, once, at the boundary with their library.
import { createHash } from 'node:crypto';

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /**
   * Stable id of the event (the outbox dedupe key). The Message-ID is derived from it, so a message re-sent
   * after a crash can be recognized as the same one.
   */
  readonly eventId: string;
}

/**
 * Headers of every message seatsync sends: all of them are automatic. `Auto-Submitted` (RFC 3834) keeps
 * mail systems from answering with out-of-office and other automatic replies; `X-Auto-Response-Suppress`
 * says the same to Exchange. Both transports send them: SMTP in the message it writes, Graph in the MIME
 * message it posts (Graph's JSON `sendMail` would refuse `Auto-Submitted`, as it refuses every
 * `internetMessageHeaders` entry not starting with `X-`).
 */
export const AUTOMATIC_HEADERS: readonly { readonly name: string; readonly value: string }[] = [
  { name: 'Auto-Submitted', value: 'auto-generated' },
  { name: 'X-Auto-Response-Suppress', value: 'All' },
];

/** The header that names the event a message was rendered from (the outbox dedupe key). */
export const EVENT_HEADER = 'X-Seatsync-Event';

/**
 * The domain of the Message-IDs seatsync makes: the domain of `notify.from` (the part after the last
 * `@`, without a closing `>`), so it is the same on every host and across restarts.
 */
export function messageIdDomain(from: string): string {
  const domain = (from.split('@').pop() ?? '').replace(/[^A-Za-z0-9.-]/g, '');
  return from.includes('@') && domain !== '' ? domain.toLowerCase() : 'seatsync.invalid';
}

/**
 * A message as both transports write it, in the shape nodemailer takes (`sendMail` for SMTP, `MailComposer`
 * for the MIME message posted to Graph): the same From, Message-ID and headers whichever way it goes.
 */
export interface ComposedMessage {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** `<seatsync.HASH@DOMAIN>`: the same event always gets the same id, with the domain of `from`. */
  readonly messageId: string;
  readonly headers: { key: string; value: string }[];
}

export function composeMessage(message: MailMessage, from: string): ComposedMessage {
  const localPart = `seatsync.${createHash('sha256').update(message.eventId).digest('hex').slice(0, 32)}`;
  return {
    from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: `<${localPart}@${messageIdDomain(from)}>`,
    headers: [...AUTOMATIC_HEADERS.map((h) => ({ key: h.name, value: h.value })), { key: EVENT_HEADER, value: message.eventId }],
  };
}

export interface SendResult {
  /** The id the server gave the message, when it gives one. */
  readonly messageId: string | null;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'graph' | 'log';
  /** Where messages go, for logs and `seatsync check`; never contains a secret. */
  readonly description: string;
  /** Throws `DeliveryError`. */
  send(message: MailMessage): Promise<SendResult>;
  /** Checks that the transport can authenticate (SMTP: connect + auth; Graph: get a token). Throws `DeliveryError`. */
  verify(): Promise<void>;
  close(): Promise<void>;
}

export type DeliveryErrorCode =
  | 'auth' // credentials refused, or missing permission (Mail.Send)
  | 'recipient-rejected' // the server refused the recipient
  | 'sender-rejected' // the server refused the sender / the Graph sender mailbox does not exist
  | 'message-rejected' // permanent refusal of the message itself (size, policy)
  | 'connection' // refused, reset, DNS, closed unexpectedly
  | 'timeout'
  | 'tls' // handshake or certificate verification failed
  | 'temporary' // 4xx SMTP reply
  | 'throttled' // Graph 429
  | 'server' // Graph 5xx
  | 'bad-request' // Graph 4xx that retrying won't fix
  | 'config' // the transport is misconfigured (file missing, unknown source)
  | 'unknown';

export class DeliveryError extends Error {
  readonly code: DeliveryErrorCode;
  /** True when the same message may succeed later (the deliverer retries with backoff). */
  readonly retryable: boolean;
  /** Server's hint (Retry-After) in milliseconds; null when none. */
  readonly retryAfterMs: number | null;

  constructor(
    message: string,
    options: { code: DeliveryErrorCode; retryable: boolean; retryAfterMs?: number | null; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeliveryError';
    this.code = options.code;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/** Wraps anything thrown by transport code that was not mapped (a bug or an unexpected library error). */
export function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DeliveryError(message, { code: 'unknown', retryable: true, cause: error });
}
