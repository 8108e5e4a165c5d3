// The outbox and the notification state on PostgreSQL / PGlite (tables `outbox` and `notify_state` of
// migration 001). Times come from the caller's clock, never from the database's `now()`, so that a
// message queued by a run is due for the deliverer of the same process even if the two clocks differ.
import type { AccountLine, GraceInput, HoldNotices, NotificationEvent, NotifyState } from '../domain/notifications.ts';
import type { OutageState } from '../domain/source-failure.ts';
import type { ClaimOptions, OutboxCounts, OutboxMessage } from '../notify/outbox-port.ts';
import type { Queryable } from './db.ts';

/** Keys of `notify_state`, one per part of NotifyState. */
const STATE_KEYS = {
  lastLimitEmailAt: 'limit-emails',
  warnedPools: 'early-warning',
  graceNotified: 'grace-notified',
} as const;

/** Lock class of `loadOutage` (one lock per source name, hashed). */
const OUTAGE_LOCK_CLASS = 720_531_005;
const outageKey = (source: string): string => `source-outage:${source}`;

/** Lock class of `loadHoldNotices` (one lock per source name, hashed). */
const HOLD_LOCK_CLASS = 720_531_006;
const holdKey = (source: string): string => `source-hold:${source}`;

/**
 * Stored hold notices, or null when the row is missing or not of the expected shape (written by another
 * version). A row that also has `since` and `heldRuns` (kept there before the runs were asked for them)
 * reads as its other fields say.
 */
function holdNoticesOf(value: unknown): HoldNotices | null {
  const v = (value ?? {}) as Record<string, unknown>;
  const count = (x: unknown): number | null => (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 ? x : null);
  const lastEmailAt = count(v.lastEmailAt);
  const reminders = count(v.reminders);
  const lastOkRunId = typeof v.lastOkRunId === 'string' || v.lastOkRunId === null ? v.lastOkRunId : undefined;
  if (lastOkRunId === undefined || lastEmailAt === null || reminders === null) return null;
  return { lastOkRunId, lastEmailAt, reminders };
}

/** A stored outage, or null when the row is missing or not of the expected shape (written by another version). */
function outageOf(value: unknown): OutageState | null {
  const v = (value ?? {}) as Record<string, unknown>;
  const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const sinceAt = num(v.sinceAt);
  if (typeof v.since !== 'string' || sinceAt === null) return null;
  return { since: v.since, sinceAt, reportedAt: num(v.reportedAt), lastEmailAt: num(v.lastEmailAt), failures: num(v.failures) ?? 0 };
}

/** Writes a `notify_state` row; no write when the value did not change, so a quiet run leaves the table alone. */
async function putState(tx: Queryable, key: string, value: unknown): Promise<void> {
  await tx.query(
    `INSERT INTO notify_state (key, value) VALUES ($1, $2::jsonb)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now() WHERE notify_state.value IS DISTINCT FROM EXCLUDED.value`,
    [key, JSON.stringify(value)],
  );
}

/** `last_error` is kept short: it is shown in `status` and logs. */
const MAX_ERROR_LENGTH = 2000;

/** An outbox row as written: an email (no target) or a provisioning target's row. */
export interface OutboxRow {
  readonly kind: string;
  /** Null: the row's target (a target's row is addressed to the target). */
  readonly recipient: string | null;
  /** JSON text. */
  readonly payload: string;
  readonly dedupeKey: string;
  readonly target: string | null;
  readonly orderingKey: string | null;
}

/** Rows per INSERT statement (a first sync writes one target row per account and target). */
const INSERT_BATCH = 5_000;

/**
 * Adds `rows` in their order, each first due at `nextAttemptAt`, one statement per INSERT_BATCH rows; a
 * row whose dedupe key exists, or came earlier in `rows`, is skipped. Returns the rows added.
 */
export async function insertOutboxRows(db: Queryable, rows: readonly OutboxRow[], options: { readonly nextAttemptAt: Date }): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < rows.length; start += INSERT_BATCH) {
    const batch = rows.slice(start, start + INSERT_BATCH);
    const result = await db.query(
      `INSERT INTO outbox (kind, recipient, payload, dedupe_key, next_attempt_at, target, ordering_key)
       SELECT r.kind, coalesce(r.recipient, r.target), r.payload::jsonb, r.dedupe_key, $7::timestamptz, r.target, r.ordering_key
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
              WITH ORDINALITY AS r(kind, recipient, payload, dedupe_key, target, ordering_key, n)
        ORDER BY r.n
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [
        batch.map((r) => r.kind), batch.map((r) => r.recipient), batch.map((r) => r.payload), batch.map((r) => r.dedupeKey),
        batch.map((r) => r.target), batch.map((r) => r.orderingKey), options.nextAttemptAt,
      ],
    );
    inserted += result.rowCount;
  }
  return inserted;
}

/** The outbox of `db` and what the emails read: src/notify's OutboxPort and NotifyAccountsPort (their writes run on the caller's `tx`). */
export function outboxOf(db: Queryable) {
  return {
    async enqueue(tx: Queryable, events: readonly NotificationEvent[]): Promise<{ inserted: number }> {
      if (events.length === 0) return { inserted: 0 };
      // Due at the time the events were planned (the run's clock, one time for all of a run's events; the
      // earliest if they differ): at once for a deliverer on the same clock, none later than planned.
      const plannedAt = events.reduce((earliest, event) => Math.min(earliest, Date.parse(event.at)), Infinity);
      const rows = events.map((event): OutboxRow => ({
        kind: event.kind, recipient: event.recipient, payload: JSON.stringify(event), dedupeKey: event.dedupeKey, target: null, orderingKey: null,
      }));
      return { inserted: await insertOutboxRows(tx, rows, { nextAttemptAt: new Date(plannedAt) }) };
    },

    async claimDue(options: ClaimOptions): Promise<OutboxMessage[]> {
      // The inner SELECT locks the rows it picks and skips rows another claim holds locked; rows claimed
      // by a committed claim are excluded by claimed_until. Either way no row is handed out twice. A
      // target's row waits while an earlier row with its ordering key is pending (claimed or not), so one
      // account's changes reach the application in order even with several deliverers.
      const target = options.target ?? null;
      const result = await db.query<OutboxMessage>(
        `UPDATE outbox o
            SET claimed_by = $1, claimed_until = $2, attempts = o.attempts + 1
          WHERE o.id IN (
            SELECT c.id FROM outbox c
             WHERE c.status = 'pending' AND c.next_attempt_at <= $3
               AND (c.claimed_until IS NULL OR c.claimed_until <= $3)
               AND ${target === null ? 'c.target IS NULL' : `c.target = $5
               AND NOT EXISTS (SELECT 1 FROM outbox e
                                WHERE e.target = c.target AND e.ordering_key = c.ordering_key
                                  AND e.status = 'pending' AND e.id < c.id)`}
             ORDER BY ${target === null ? 'c.next_attempt_at, c.id' : 'c.id'}
             LIMIT $4
             FOR UPDATE SKIP LOCKED)
          RETURNING o.id::text AS id, o.kind, o.recipient, o.payload, o.dedupe_key AS "dedupeKey", o.attempts,
                    o.created_at AS "createdAt", o.target`,
        [options.worker, new Date(options.now.getTime() + options.leaseMs), options.now, options.limit, ...(target === null ? [] : [target])],
      );
      return result.rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
    },

    async markSent(id: string, options: { readonly now?: Date } = {}): Promise<void> {
      await db.query(
        `UPDATE outbox SET status = 'sent', sent_at = $2, last_error = NULL, claimed_by = NULL, claimed_until = NULL
          WHERE id = $1::bigint`,
        [id, options.now ?? new Date()],
      );
    },

    async release(id: string, options: { readonly nextAttemptAt: Date; readonly error?: string }): Promise<void> {
      await db.query(
        `UPDATE outbox SET attempts = GREATEST(attempts - 1, 0), next_attempt_at = $2, claimed_by = NULL, claimed_until = NULL,
                last_error = COALESCE($3, last_error)
          WHERE id = $1::bigint AND status = 'pending'`,
        [id, options.nextAttemptAt, options.error?.slice(0, MAX_ERROR_LENGTH) ?? null],
      );
    },

    async markFailed(id: string, options: { readonly error: string; readonly nextAttemptAt: Date | null }): Promise<void> {
      // Only a pending row: a slow deliverer whose lease ran out must not undo another one's `sent`.
      await db.query(
        `UPDATE outbox
            SET status = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
                next_attempt_at = COALESCE($3::timestamptz, next_attempt_at),
                last_error = $2, claimed_by = NULL, claimed_until = NULL
          WHERE id = $1::bigint AND status = 'pending'`,
        [id, options.error.slice(0, MAX_ERROR_LENGTH), options.nextAttemptAt],
      );
    },

    async counts(): Promise<OutboxCounts> {
      // An aggregate without GROUP BY: always one row.
      const result = await db.query<OutboxCounts>(
        `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
                count(*) FILTER (WHERE status = 'failed')::int AS failed,
                min(created_at) FILTER (WHERE status = 'pending') AS "oldestPendingAt"
           FROM outbox WHERE status <> 'sent' AND target IS NULL`,
      );
      return result.rows[0] as OutboxCounts;
    },

    async requeueFailed(options: { readonly now: Date }): Promise<number> {
      const result = await db.query(
        `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, claimed_by = NULL, claimed_until = NULL
          WHERE status = 'failed' AND target IS NULL`,
        [options.now],
      );
      return result.rowCount;
    },

    /** Status and last error of the message with this dedupe key (null: no such message). */
    async statusOf(dedupeKey: string): Promise<{ status: string; lastError: string | null } | null> {
      const result = await db.query<{ status: string; lastError: string | null }>(
        'SELECT status, last_error AS "lastError" FROM outbox WHERE dedupe_key = $1',
        [dedupeKey],
      );
      return result.rows[0] ?? null;
    },

    async purgeSent(options: { readonly before: Date }): Promise<number> {
      const result = await db.query(`DELETE FROM outbox WHERE status = 'sent' AND sent_at < $1`, [options.before]);
      return result.rowCount;
    },

    async loadState(tx: Queryable): Promise<NotifyState> {
      const result = await tx.query<{ key: string; value: unknown }>('SELECT key, value FROM notify_state WHERE key = ANY($1::text[])', [
        Object.values(STATE_KEYS),
      ]);
      const byKey = new Map(result.rows.map((r) => [r.key, r.value]));
      return {
        lastLimitEmailAt: numberRecord(byKey.get(STATE_KEYS.lastLimitEmailAt)),
        warnedPools: stringList(byKey.get(STATE_KEYS.warnedPools)),
        graceNotified: numberRecord(byKey.get(STATE_KEYS.graceNotified)),
      };
    },

    async saveState(tx: Queryable, state: NotifyState): Promise<void> {
      for (const [field, key] of Object.entries(STATE_KEYS) as [keyof NotifyState, string][]) await putState(tx, key, state[field]);
    },

    async loadOutage(tx: Queryable, source: string): Promise<OutageState | null> {
      // Two runs of one source finishing at once (a CLI sync beside the worker) take turns here, so an
      // outage is planned from the state the other one saved.
      await tx.query(`SELECT pg_advisory_xact_lock(${OUTAGE_LOCK_CLASS}, hashtext($1))`, [source]);
      const result = await tx.query<{ value: unknown }>('SELECT value FROM notify_state WHERE key = $1', [outageKey(source)]);
      return outageOf(result.rows[0]?.value);
    },

    async saveOutage(tx: Queryable, source: string, state: OutageState | null): Promise<void> {
      if (state === null) await tx.query('DELETE FROM notify_state WHERE key = $1', [outageKey(source)]);
      else await putState(tx, outageKey(source), state);
    },

    async loadHoldNotices(tx: Queryable, source: string): Promise<HoldNotices | null> {
      // Two held runs of one source finishing at once take turns here, so the second plans from the
      // notices the first saved (and sends no second reminder).
      await tx.query(`SELECT pg_advisory_xact_lock(${HOLD_LOCK_CLASS}, hashtext($1))`, [source]);
      const result = await tx.query<{ value: unknown }>('SELECT value FROM notify_state WHERE key = $1', [holdKey(source)]);
      return holdNoticesOf(result.rows[0]?.value);
    },

    async saveHoldNotices(tx: Queryable, source: string, notices: HoldNotices): Promise<void> {
      await putState(tx, holdKey(source), notices);
    },

    async accountLines(tx: Queryable, ids: readonly number[]): Promise<AccountLine[]> {
      if (ids.length === 0) return [];
      const result = await tx.query<AccountLine>(
        `SELECT id, display_name AS "displayName", username, email,
                CASE WHEN jsonb_array_length(waiting_for) > 0 THEN waiting_for ELSE held END AS pools
           FROM accounts WHERE id = ANY($1::int[])`,
        [[...ids]],
      );
      const byId = new Map(result.rows.map((r) => [r.id, r]));
      // In the caller's order (the allocation's first-come-first-served order).
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    async graceAccounts(tx: Queryable, options: { readonly endingBy: Date }): Promise<GraceInput[]> {
      const result = await tx.query<GraceInput>(
        `SELECT id, display_name AS "displayName", username, email, held AS pools,
                (extract(epoch from grace_until) * 1000)::float8 AS "graceUntil"
           FROM accounts
          WHERE state = 'active' AND grace_until IS NOT NULL AND grace_until <= $1
          ORDER BY grace_until, id`,
        [options.endingBy],
      );
      return result.rows;
    },
  };
}

function numberRecord(value: unknown): Record<string, number> {
  const entries = value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
  return Object.fromEntries(entries.filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
