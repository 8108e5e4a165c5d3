// The audit trail: one row per state change or admin action, written in the transaction that makes it.
import type { AdminAction } from '../domain/notification-events.ts';
import type { AccountState, ChangeReason } from '../domain/types.ts';
import type { Queryable } from './db.ts';

export interface AuditEntry {
  readonly accountId: number;
  readonly from: AccountState | null;
  readonly to: AccountState | null;
  /** A seat change's reason, or the admin action that changed a flag. */
  readonly reason: ChangeReason | AdminAction;
  readonly details?: Record<string, unknown>;
}

export interface AuditView {
  readonly id: string;
  readonly at: string;
  readonly accountId: number | null;
  readonly username: string | null;
  readonly source: string | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly reason: string;
  readonly actor: string;
  readonly runId: string | null;
  /** The reason an admin gave for an action, as typed. */
  readonly comment: string | null;
  /** Reason `protected` on a block: the username of the protected account that took the seat. */
  readonly takenBy: string | null;
}

/**
 * A timestamp column as ISO 8601 text in UTC, named `alias`: to the millisecond, the shape the CLI and the API
 * show, or to the microsecond (`US`), which reads back as the same instant.
 */
export const isoCol = (c: string, alias: string, precision: 'MS' | 'US' = 'MS'): string =>
  `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.${precision}"Z"') AS "${alias}"`;

/** Audit entries as the CLI and the API show them (AuditView). */
const SELECT_VIEWS = `SELECT au.id::text AS id, ${isoCol('au.at', 'at')}, au.account_id AS "accountId", a.username, a.source,
  au.from_state AS "from", au.to_state AS "to", au.reason, au.actor, au.run_id::text AS "runId",
  au.details->>'comment' AS comment, au.details->'takenBy'->>'username' AS "takenBy"
  FROM audit au LEFT JOIN accounts a ON a.id = au.account_id`;

/** Which audit entries to list; each given filter must match. */
export interface AuditFilter {
  readonly accountIds?: readonly number[];
  readonly since?: Date;
  readonly runId?: string;
  /** The entry's reason (`seats`, `removed`, `block`, …). */
  readonly reason?: string;
  /** The source of the entry's account. */
  readonly source?: string;
  /**
   * The state the entry reached: changes into it from another state or from none (a new account). An
   * admin action's own entry (from = to) and a change that stays in the state are left out, so a run's
   * entries `to: 'blocked'` are exactly the accounts that run blocked.
   */
  readonly to?: string;
}

export function auditOf(db: Queryable) {
  return {
    async add(entries: readonly AuditEntry[], audit: { actor: string; runId: string | null }): Promise<void> {
      if (entries.length === 0) return;
      await db.query(
        `INSERT INTO audit (account_id, from_state, to_state, reason, actor, run_id, details)
         SELECT u.account_id, u.from_state, u.to_state, u.reason, $6, $7::bigint, u.details::jsonb
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[])
              AS u(account_id, from_state, to_state, reason, details)`,
        [
          entries.map((e) => e.accountId),
          entries.map((e) => e.from),
          entries.map((e) => e.to),
          entries.map((e) => e.reason),
          entries.map((e) => JSON.stringify(e.details ?? {})),
          audit.actor,
          audit.runId,
        ],
      );
    },

    /**
     * The latest `limit` entries (before the entry `beforeId` when given), returned oldest first.
     * Asks for one more than `limit` and reports whether there were more.
     */
    async list(options: AuditFilter & { beforeId?: string; limit: number }): Promise<{ entries: AuditView[]; more: boolean }> {
      const result = await db.query<AuditView>(
        `${SELECT_VIEWS}
         WHERE ($1::int[] IS NULL OR au.account_id = ANY($1)) AND ($2::timestamptz IS NULL OR au.at >= $2)
           AND ($3::bigint IS NULL OR au.id < $3) AND ($5::bigint IS NULL OR au.run_id = $5)
           AND ($6::text IS NULL OR au.reason = $6) AND ($7::text IS NULL OR a.source = $7)
           AND ($8::text IS NULL OR (au.to_state = $8 AND au.from_state IS DISTINCT FROM au.to_state))
         ORDER BY au.id DESC LIMIT $4`,
        [
          options.accountIds ?? null, options.since?.toISOString() ?? null, options.beforeId ?? null, options.limit + 1, options.runId ?? null,
          options.reason ?? null, options.source ?? null, options.to ?? null,
        ],
      );
      const more = result.rows.length > options.limit;
      return { entries: result.rows.slice(0, options.limit).reverse(), more };
    },

    /** The entry that last blocked the account (from another state or from none), however many followed it. */
    async lastBlocking(accountId: number): Promise<AuditView | null> {
      const result = await db.query<AuditView>(
        `${SELECT_VIEWS}
         WHERE au.account_id = $1 AND au.to_state = 'blocked' AND au.from_state IS DISTINCT FROM 'blocked'
         ORDER BY au.id DESC LIMIT 1`,
        [accountId],
      );
      return result.rows[0] ?? null;
    },
  };
}
