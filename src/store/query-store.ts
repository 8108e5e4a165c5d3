// Read side for admins: accounts, seat usage and the audit trail.
import type { AccountState } from '../domain/types.ts';
import type { Queryable } from './db.ts';

/** An account as the CLI and the API show it (SPEC §5 `accounts --json`). */
export interface AccountView {
  readonly id: number;
  readonly source: string;
  readonly externalId: string;
  readonly username: string;
  readonly email: string | null;
  readonly displayName: string | null;
  readonly state: AccountState;
  readonly profile: string | null;
  /** Pools the account holds a seat in. */
  readonly pools: string[];
  readonly waitingFor: string[];
  readonly protected: boolean;
  readonly waitingSince: string | null;
  readonly activatedAt: string | null;
  readonly graceUntil: string | null;
  readonly updatedAt: string;
}

export interface AccountFilter {
  readonly state?: AccountState;
  /** Accounts holding or waiting for this pool. */
  readonly pool?: string;
  readonly source?: string;
  /** Part of the username, display name or email (case-insensitive). */
  readonly q?: string;
}

const isoCol = (c: string, alias: string): string =>
  `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "${alias}"`;

const VIEW_COLUMNS = `id, source, external_id AS "externalId", username, email, display_name AS "displayName", state,
  profile, held AS pools, waiting_for AS "waitingFor", (admin_protected OR policy_protected) AS protected,
  ${isoCol('waiting_since', 'waitingSince')}, ${isoCol('activated_at', 'activatedAt')},
  ${isoCol('grace_until', 'graceUntil')}, ${isoCol('updated_at', 'updatedAt')}`;

const PAGE_ROWS = 5_000;

/** `q` as an ILIKE pattern matching it anywhere, its own `%`, `_` and backslash taken literally. */
function containsPattern(q: string | undefined): string | null {
  if (q === undefined || q.trim() === '') return null;
  return `%${q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** One page of accounts in id order, after the account `afterId` (0: from the first). */
export async function accountsPage(db: Queryable, filter: AccountFilter, page: { afterId: number; limit: number }): Promise<AccountView[]> {
  const result = await db.query<AccountView>(
    `SELECT ${VIEW_COLUMNS} FROM accounts
     WHERE id > $1 AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR source = $3)
       AND ($4::text IS NULL OR held ? $4 OR waiting_for ? $4)
       AND ($6::text IS NULL OR username ILIKE $6 OR display_name ILIKE $6 OR email ILIKE $6)
     ORDER BY id LIMIT $5`,
    [page.afterId, filter.state ?? null, filter.source ?? null, filter.pool ?? null, page.limit, containsPattern(filter.q)],
  );
  return result.rows;
}

/** Streams accounts in id order, page by page (an export of a million accounts stays small in memory). */
export async function* listAccounts(db: Queryable, filter: AccountFilter = {}): AsyncGenerator<AccountView> {
  let afterId = 0;
  for (;;) {
    const rows = await accountsPage(db, filter, { afterId, limit: PAGE_ROWS });
    yield* rows;
    const last = rows.at(-1);
    if (!last || rows.length < PAGE_ROWS) return;
    afterId = last.id;
  }
}

/** A blocked account as the waiting queue needs it (times in epoch ms). */
export interface WaitingRow {
  readonly id: number;
  readonly source: string;
  readonly username: string;
  readonly displayName: string | null;
  readonly email: string | null;
  readonly waitingFor: string[];
  readonly waitingSince: number;
  readonly directoryCreatedAt: number | null;
}

/** Every blocked account, unordered: the domain ranks them (queue-order.ts). */
export async function listWaiting(db: Queryable): Promise<WaitingRow[]> {
  // A blocked account always has a waiting time; should one lack it, it counts from now, as the
  // allocation queues it.
  const result = await db.query<WaitingRow>(
    `SELECT id, source, username, display_name AS "displayName", email, waiting_for AS "waitingFor",
            (extract(epoch FROM coalesce(waiting_since, now())) * 1000)::float8 AS "waitingSince",
            (extract(epoch FROM directory_created_at) * 1000)::float8 AS "directoryCreatedAt"
     FROM accounts WHERE state = 'blocked'`,
  );
  return result.rows;
}

/** What the explanation needs beyond the account view: presence and who protects it. */
export async function accountFlags(db: Queryable, id: number): Promise<{ present: boolean; admin: boolean; policy: boolean } | null> {
  const result = await db.query<{ present: boolean; admin: boolean; policy: boolean }>(
    'SELECT present, admin_protected AS admin, policy_protected AS policy FROM accounts WHERE id = $1',
    [id],
  );
  return result.rows[0] ?? null;
}

/** Account ids are PostgreSQL `integer`s: a longer number can be no account's id. */
const MAX_ACCOUNT_ID = 2_147_483_647;

/** The account id a reference names, if it is one (digits within `integer`'s range). */
export function accountIdOf(ref: string): number | null {
  if (!/^\d{1,10}$/.test(ref)) return null;
  const id = Number(ref);
  return id <= MAX_ACCOUNT_ID ? id : null;
}

/**
 * Finds accounts by id, username or email (case-insensitive). Several matches are possible when two
 * sources have the same username: the caller decides what to do with an ambiguous reference.
 */
export async function findAccounts(db: Queryable, ref: string): Promise<AccountView[]> {
  // PostgreSQL text cannot hold a NUL byte, so no stored value has one (and a query with one fails).
  if (ref.includes('\0')) return [];
  const byId = accountIdOf(ref);
  const result = await db.query<AccountView>(
    `SELECT ${VIEW_COLUMNS} FROM accounts
     WHERE ($1::int IS NOT NULL AND id = $1) OR lower(username) = lower($2) OR lower(email) = lower($2)
        OR external_id = $2
     ORDER BY id LIMIT 10`,
    [byId, ref],
  );
  return result.rows;
}

export interface PoolCounts {
  readonly used: number;
  readonly waiting: number;
}

/** Holders and waiting accounts per pool name, as stored. */
export async function poolCounts(db: Queryable): Promise<Map<string, PoolCounts>> {
  // Grouped by the lists as stored (a handful of distinct ones), expanded here: cheaper than expanding
  // every account's list in SQL.
  const result = await db.query<{ held: string; waiting: string; n: number }>(
    `SELECT held::text AS held, CASE WHEN state = 'blocked' THEN waiting_for::text ELSE '[]' END AS waiting, count(*)::int AS n
     FROM accounts WHERE held <> '[]' OR (state = 'blocked' AND waiting_for <> '[]') GROUP BY 1, 2`,
  );
  const counts = new Map<string, { used: number; waiting: number }>();
  const add = (pool: string, used: number, waiting: number): void => {
    const entry = counts.get(pool) ?? { used: 0, waiting: 0 };
    entry.used += used;
    entry.waiting += waiting;
    counts.set(pool, entry);
  };
  for (const row of result.rows) {
    for (const pool of JSON.parse(row.held) as string[]) add(pool, row.n, 0);
    for (const pool of JSON.parse(row.waiting) as string[]) add(pool, 0, row.n);
  }
  return counts;
}

/** Accounts of one source that are not removed, by profile, state and the pools they hold or wait for. */
export interface SourceSeatRow {
  readonly profile: string | null;
  readonly state: string;
  readonly held: readonly string[];
  /** Blocked accounts only. */
  readonly waitingFor: readonly string[];
  readonly n: number;
}

export async function sourceSeatRows(db: Queryable, source: string): Promise<SourceSeatRow[]> {
  // Grouped by the lists as stored, like poolCounts: a handful of distinct rows per source.
  const result = await db.query<{ profile: string | null; state: string; held: string; waiting: string; n: number }>(
    `SELECT profile, state, held::text AS held, CASE WHEN state = 'blocked' THEN waiting_for::text ELSE '[]' END AS waiting, count(*)::int AS n
     FROM accounts WHERE source = $1 AND state <> 'removed' GROUP BY 1, 2, 3, 4`,
    [source],
  );
  return result.rows.map((r) => ({ profile: r.profile, state: r.state, held: JSON.parse(r.held) as string[], waitingFor: JSON.parse(r.waiting) as string[], n: r.n }));
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
 * The latest `limit` audit entries (before the entry `beforeId` when given), returned oldest first.
 * Asks for one more than `limit` and reports whether there were more.
 */
export async function listAudit(
  db: Queryable,
  options: { accountIds?: readonly number[]; since?: Date; beforeId?: string; runId?: string; limit: number },
): Promise<{ entries: AuditView[]; more: boolean }> {
  const result = await db.query<AuditView>(
    `SELECT au.id::text AS id, ${isoCol('au.at', 'at')}, au.account_id AS "accountId", a.username, a.source,
            au.from_state AS "from", au.to_state AS "to", au.reason, au.actor, au.run_id::text AS "runId",
            au.details->>'comment' AS comment, au.details->'takenBy'->>'username' AS "takenBy"
     FROM audit au LEFT JOIN accounts a ON a.id = au.account_id
     WHERE ($1::int[] IS NULL OR au.account_id = ANY($1)) AND ($2::timestamptz IS NULL OR au.at >= $2)
       AND ($3::bigint IS NULL OR au.id < $3) AND ($5::bigint IS NULL OR au.run_id = $5)
     ORDER BY au.id DESC LIMIT $4`,
    [options.accountIds ?? null, options.since?.toISOString() ?? null, options.beforeId ?? null, options.limit + 1, options.runId ?? null],
  );
  const more = result.rows.length > options.limit;
  return { entries: result.rows.slice(0, options.limit).reverse(), more };
}
