// The port every mail transport implements, and the one error type they all map their failures to.
// The deliverer only looks at `DeliveryError.retryable` (and `retryAfterMs`): transports decide what a
// failure means, once, at the boundary with their library.

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /**
   * Stable id of the event (the outbox dedupe key). SMTP derives the Message-ID from it and Graph sends it
   * as a header, so a message re-sent after a crash can be recognized as the same one.
   */
  readonly eventId: string;
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
