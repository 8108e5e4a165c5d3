// What notifications need from the database: the outbox (a queue of emails, written in the transaction
// that causes them, then claimed and delivered), the small state of the notification rules, and the
// account details the emails show. Implemented by `src/store/outbox-store.ts` on PostgreSQL and PGlite.
import type { AccountLine, GraceInput, HoldNotices, NotificationEvent, NotifyState } from '../domain/notifications.ts';
import type { OutageState } from '../domain/source-failure.ts';
import type { Queryable } from '../store/db.ts';

export interface OutboxMessage {
  /** Row id (bigint, as a string). */
  readonly id: string;
  readonly kind: string;
  readonly recipient: string;
  /** The `NotificationEvent` as stored; the deliverer checks its shape before rendering it. */
  readonly payload: unknown;
  readonly dedupeKey: string | null;
  /** Delivery attempts so far, this claim included. */
  readonly attempts: number;
  readonly createdAt: Date;
  /** The target (application) the row is for; null: an email. */
  readonly target: string | null;
}

export interface ClaimOptions {
  /** Most rows returned. */
  readonly limit: number;
  /** Rows whose next attempt is due at this time are claimed. */
  readonly now: Date;
  /** The claim lasts this long; after it a row that was not marked (crashed deliverer) can be claimed again. */
  readonly leaseMs: number;
  /** Who claims (host:pid:random), recorded in `claimed_by` for diagnosis. */
  readonly worker: string;
  /**
   * Whose rows: emails (null or absent) or one target's. A target's rows with one ordering key are handed
   * out one at a time, in the order they were written: the next only once the one before is sent or failed.
   */
  readonly target?: string | null;
}

export interface OutboxCounts {
  readonly pending: number;
  readonly failed: number;
  /** Creation time of the oldest pending message; null when none (a metric of how stuck the queue is). */
  readonly oldestPendingAt: Date | null;
}

export interface OutboxPort {
  /**
   * Adds events in the caller's transaction. An event whose `dedupeKey` is already in the outbox is
   * ignored, so a run applied twice queues each email once. Returns how many rows were added.
   */
  enqueue(tx: Queryable, events: readonly NotificationEvent[]): Promise<{ inserted: number }>;
  /** Claims due pending rows atomically: two deliverers racing never get the same row. */
  claimDue(options: ClaimOptions): Promise<OutboxMessage[]>;
  markSent(id: string, options?: { readonly now?: Date }): Promise<void>;
  /**
   * Gives a claimed row back without counting the attempt (the deliverer did not try it, or the server
   * asked it to wait); `error`, when given, is kept as the row's last error.
   */
  release(id: string, options: { readonly nextAttemptAt: Date; readonly error?: string }): Promise<void>;
  /** `nextAttemptAt` null: give up (status `failed`); else stays pending until then. `error` is kept. */
  markFailed(id: string, options: { readonly error: string; readonly nextAttemptAt: Date | null }): Promise<void>;
  counts(): Promise<OutboxCounts>;
  /** Puts `failed` rows back in the queue, due at `now`, with their attempts reset (after fixing the transport). */
  requeueFailed(options: { readonly now: Date }): Promise<number>;
  /** Deletes `sent` rows sent before `before` (retention); returns how many. */
  purgeSent(options: { readonly before: Date }): Promise<number>;
  /** Reads the notification rules' state; call it in the run's transaction (under the seat lock). */
  loadState(tx: Queryable): Promise<NotifyState>;
  saveState(tx: Queryable, state: NotifyState): Promise<void>;
  /** Reads a source's outage state, taking a lock on it until the transaction ends. */
  loadOutage(tx: Queryable, source: string): Promise<OutageState | null>;
  /** null: forget it (the source works). */
  saveOutage(tx: Queryable, source: string, state: OutageState | null): Promise<void>;
  /** Reads the emails of a source's hold so far (null: none known), taking a lock on them until the transaction ends. */
  loadHoldNotices(tx: Queryable, source: string): Promise<HoldNotices | null>;
  /** Kept until the source's next hold replaces them. */
  saveHoldNotices(tx: Queryable, source: string, notices: HoldNotices): Promise<void>;
}

/** Account details for the emails, read in the run's transaction. */
export interface NotifyAccountsPort {
  /** Display data of these accounts; `pools` are those they wait for, or hold. */
  accountLines(tx: Queryable, ids: readonly number[]): Promise<AccountLine[]>;
  /** Active accounts whose grace ends at or before `endingBy`. */
  graceAccounts(tx: Queryable, options: { readonly endingBy: Date }): Promise<GraceInput[]>;
}
