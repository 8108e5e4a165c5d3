// The port every target adapter implements: deliver one outbox row, test the connection, close.
import type { OutboxMessage } from '../notify/outbox-port.ts';

export interface CheckResult {
  readonly ok: boolean;
  /** What was found, for `seatsync check`; never contains a secret. */
  readonly detail: string;
}

export interface Target {
  readonly name: string;
  readonly kind: 'scim' | 'webhook';
  /** Throws `DeliveryError` (retryable or not) or `UnreadablePayload`; returns fields for the log line. */
  deliver(row: OutboxMessage): Promise<Record<string, unknown>>;
  /** `seatsync check`: reachable, authenticated, capable. Throws `DeliveryError` when unreachable. */
  check(): Promise<CheckResult>;
  close(): void;
}
