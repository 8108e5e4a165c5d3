// Accounts as the directory gave them and as admins see them: the admin read side (views, the waiting
// accounts, seat usage), a source's present accounts as a run's snapshot reads them before its
// transaction, and the run's writes that are not seat decisions (absences, purges, bulk loads).
import type { AccountState } from '../domain/types.ts';
import { isoCol } from './audit-store.ts';
import { bulkLoadTables, withoutSecondaryIndexes } from './bulk-load.ts';
import { WRITE_BATCH } from './array-params.ts';
import { batches } from './cursor.ts';
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

/** A blocked account as the waiting queue needs it (times in epoch ms). */
export interface WaitingRow extends Pick<AccountView, 'id' | 'source' | 'username' | 'displayName' | 'email' | 'waitingFor'> {
  readonly waitingSince: number;
  readonly directoryCreatedAt: number | null;
}

/** An account as its explanation reads it: the view, the flags, and its place in the queue order as stored. */
export interface ExplainedAccountRow extends AccountView {
  readonly present: boolean;
  readonly adminProtected: boolean;
  readonly policyProtected: boolean;
  /** `waiting_since` and `directory_created_at` to the microsecond (UTC ISO), for `queueAhead`; since null: counted from now. */
  readonly queueSince: string | null;
  readonly queueCreated: string | null;
  /** The source whose read found the account's entry present but unreadable, while it is frozen (seat-store.ts `recordUnreadable`); else null. */
  readonly unreadableAt: string | null;
}

/** The accounts ahead of a point in the queue: all blocked accounts, those ahead by the pools they wait for. */
interface QueueAhead {
  readonly total: number;
  readonly ahead: { readonly waitingFor: string[]; readonly n: number }[];
  /** Only when `tiesByBytes` is false: the accounts tied with the point up to the username, uncounted in `ahead`. */
  readonly ties: Pick<WaitingRow, 'id' | 'username' | 'waitingFor'>[];
}

export type PoolCounts = Readonly<Record<'used' | 'waiting', number>>;

/** Accounts of one source that are not removed, by profile, state and the pools they hold or wait for. */
export interface SourceSeatRow {
  readonly profile: string | null;
  readonly state: string;
  readonly held: readonly string[];
  /** Blocked accounts only. */
  readonly waitingFor: readonly string[];
  readonly n: number;
}

/** A source not in the config that still has accounts not removed: how many, and how many hold a seat. */
export interface UnconfiguredSource {
  readonly name: string;
  readonly accounts: number;
  readonly holdingSeats: number;
}

/**
 * An account's protection, `isProtected` (domain/protection.ts) in SQL over its two stored halves: for
 * the view, and for what the database must select by it (the settled keepers, seat-store.ts).
 */
export const PROTECTED_SQL = '(admin_protected OR policy_protected)';

const VIEW_COLUMNS = `id, source, external_id AS "externalId", username, email, display_name AS "displayName", state,
  profile, held AS pools, waiting_for AS "waitingFor", ${PROTECTED_SQL} AS protected,
  ${isoCol('waiting_since', 'waitingSince')}, ${isoCol('activated_at', 'activatedAt')},
  ${isoCol('grace_until', 'graceUntil')}, ${isoCol('updated_at', 'updatedAt')}`;

/**
 * A blocked account's place in the queue order as the index `accounts_queue_idx` (migration 008) holds it,
 * compared by `op` with a point (`$1` waiting since, `$2` created, `$3` id, `$4` username), whole or up to
 * the username. `since`: the column itself keeps the comparison an index range; accounts lacking it wait from now.
 */
function queuePlace(op: '<' | '=', options: { since: 'waiting_since' | 'now()'; untilUsername: boolean }): string {
  const created = `coalesce(directory_created_at, 'infinity'::timestamptz)`;
  const point = `coalesce($1::timestamptz, now()), coalesce($2::timestamptz, 'infinity'::timestamptz)`;
  return options.untilUsername
    ? `(${options.since}, ${created}) ${op} (${point})`
    : `(${options.since}, ${created}, username, id) ${op} (${point}, $4 COLLATE "C", $3::int)`;
}

const PAGE_ROWS = 5_000;

/** `q` as an ILIKE pattern matching it anywhere, its own `%`, `_` and backslash taken literally. */
function containsPattern(q: string | undefined): string | null {
  if (q === undefined || q.trim() === '') return null;
  return `%${q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

type PresentRow = { id: number; external_id: string; data_hash: string };
type VisitPresent = (id: number, externalId: string, dataHash: string) => void;

export function accountsOf(db: Queryable) {
  const accounts = {
    /** One page of accounts in id order, after the account `afterId` (0: from the first). */
    async page(filter: AccountFilter, page: { afterId: number; limit: number }): Promise<AccountView[]> {
      const result = await db.query<AccountView>(
        `SELECT ${VIEW_COLUMNS} FROM accounts
         WHERE id > $1 AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR source = $3)
           AND ($4::text IS NULL OR held ? $4 OR waiting_for ? $4)
           AND ($6::text IS NULL OR username ILIKE $6 OR display_name ILIKE $6 OR email ILIKE $6)
         ORDER BY id LIMIT $5`,
        [page.afterId, filter.state ?? null, filter.source ?? null, filter.pool ?? null, page.limit, containsPattern(filter.q)],
      );
      return result.rows;
    },

    /** Every account in id order, streamed page by page (an export of a million accounts stays small in memory). */
    async *list(filter: AccountFilter = {}): AsyncGenerator<AccountView> {
      let afterId = 0;
      for (;;) {
        const rows = await accounts.page(filter, { afterId, limit: PAGE_ROWS });
        yield* rows;
        const last = rows.at(-1);
        if (!last || rows.length < PAGE_ROWS) return;
        afterId = last.id;
      }
    },

    /**
     * By id, username, email or external id (case-insensitive). Several matches are possible when two
     * sources have the same username: the caller decides what to do with an ambiguous reference.
     */
    find: (ref: string) => findBy<AccountView>(db, VIEW_COLUMNS, ref),

    /** As `find`, with what the explanation needs beyond the view: one read of the account. */
    findExplained: (ref: string) =>
      findBy<ExplainedAccountRow>(
        db,
        `${VIEW_COLUMNS}, present, admin_protected AS "adminProtected", policy_protected AS "policyProtected",
         ${isoCol('waiting_since', 'queueSince', 'US')}, ${isoCol('directory_created_at', 'queueCreated', 'US')},
         (SELECT u.source FROM unreadable_accounts u WHERE u.account_id = accounts.id) AS "unreadableAt"`,
        ref,
      ),

    /**
     * The blocked accounts ahead of `point` in the queue order, counted in the index of the queue
     * (migration 008) rather than by ranking the queue. The database compares usernames by bytes
     * (COLLATE "C"): with `tiesByBytes` false (the point's username does not `ordersAsBytes`), the
     * accounts that tie with the point before the username are returned for the domain to order instead.
     */
    async queueAhead(
      point: Pick<ExplainedAccountRow, 'id' | 'username' | 'queueSince' | 'queueCreated'>,
      options: { tiesByBytes: boolean },
    ): Promise<QueueAhead> {
      const untilUsername = !options.tiesByBytes;
      const counted = await db.query<{ waitingFor: string; n: number; total: number }>(
        `SELECT waiting_for::text AS "waitingFor", count(*)::int AS n, 0 AS total FROM accounts
         WHERE state = 'blocked' AND waiting_since IS NOT NULL AND ${queuePlace('<', { since: 'waiting_since', untilUsername })} GROUP BY 1
         UNION ALL
         SELECT waiting_for::text, count(*)::int, 0 FROM accounts
         WHERE state = 'blocked' AND waiting_since IS NULL AND ${queuePlace('<', { since: 'now()', untilUsername })} GROUP BY 1
         UNION ALL
         SELECT NULL, 0, count(*)::int FROM accounts WHERE state = 'blocked'`,
        untilUsername ? [point.queueSince, point.queueCreated] : [point.queueSince, point.queueCreated, point.id, point.username],
      );
      const ties = untilUsername
        ? (
            await db.query<{ id: number; username: string; waitingFor: string[] }>(
              `SELECT id, username, waiting_for AS "waitingFor" FROM accounts
               WHERE state = 'blocked' AND id <> $3::int
                 AND (waiting_since IS NOT NULL AND ${queuePlace('=', { since: 'waiting_since', untilUsername })}
                   OR waiting_since IS NULL AND ${queuePlace('=', { since: 'now()', untilUsername })})`,
              [point.queueSince, point.queueCreated, point.id],
            )
          ).rows
        : [];
      return {
        total: counted.rows.reduce((sum, r) => sum + r.total, 0),
        ahead: counted.rows.filter((r) => r.n > 0).map((r) => ({ waitingFor: JSON.parse(r.waitingFor) as string[], n: r.n })),
        ties,
      };
    },

    /** Every blocked account, unordered: the domain ranks them (queue-order.ts). */
    async waiting(): Promise<WaitingRow[]> {
      // Should a blocked account lack a waiting time, it counts from now, as the allocation queues it.
      const result = await db.query<WaitingRow>(
        `SELECT id, source, username, display_name AS "displayName", email, waiting_for AS "waitingFor",
                (extract(epoch FROM coalesce(waiting_since, now())) * 1000)::float8 AS "waitingSince",
                (extract(epoch FROM directory_created_at) * 1000)::float8 AS "directoryCreatedAt"
         FROM accounts WHERE state = 'blocked'`,
      );
      return result.rows;
    },

    /** Holders (counted in their index, migration 008) and waiting accounts per pool name, as stored. */
    async poolCounts(): Promise<Map<string, PoolCounts>> {
      const [used, waiting] = await Promise.all([
        perPool(db, `SELECT held::text AS pools, count(*)::int AS n FROM accounts WHERE held <> '[]' GROUP BY 1`),
        perPool(db, `SELECT waiting_for::text AS pools, count(*)::int AS n FROM accounts WHERE state = 'blocked' AND waiting_for <> '[]' GROUP BY 1`),
      ]);
      const pools = new Set([...used.keys(), ...waiting.keys()]);
      return new Map([...pools].map((pool) => [pool, { used: used.get(pool) ?? 0, waiting: waiting.get(pool) ?? 0 }]));
    },

    /** The source's accounts that are not removed, counted by profile, state and pool lists. */
    async seatRows(source: string): Promise<SourceSeatRow[]> {
      const result = await db.query<{ profile: string | null; state: string; held: string; waiting: string; n: number }>(
        `SELECT profile, state, held::text AS held, CASE WHEN state = 'blocked' THEN waiting_for::text ELSE '[]' END AS waiting, count(*)::int AS n
         FROM accounts WHERE source = $1 AND state <> 'removed' GROUP BY 1, 2, 3, 4`,
        [source],
      );
      return result.rows.map((r) => ({ profile: r.profile, state: r.state, held: JSON.parse(r.held) as string[], waitingFor: JSON.parse(r.waiting) as string[], n: r.n }));
    },

    /**
     * The sources other than `configured` that have accounts not removed (a source taken out of the config
     * keeps its accounts, and their seats, as they were), by name: those accounts and how many hold a seat.
     * The names are found by a skip scan of the (source, external_id) index, one probe per source stored.
     */
    async unconfiguredSources(configured: readonly string[]): Promise<UnconfiguredSource[]> {
      const names = await db.query<{ source: string }>(
        `WITH RECURSIVE stored(source) AS (
           (SELECT source FROM accounts ORDER BY source LIMIT 1)
           UNION ALL
           SELECT (SELECT a.source FROM accounts a WHERE a.source > stored.source ORDER BY a.source LIMIT 1) FROM stored WHERE stored.source IS NOT NULL
         )
         SELECT source FROM stored WHERE source IS NOT NULL AND NOT (source = ANY($1::text[]))`,
        [configured],
      );
      // Usually none: then the accounts are not read at all; else only those sources' (through the index).
      if (names.rows.length === 0) return [];
      const result = await db.query<UnconfiguredSource>(
        `SELECT source AS name, count(*)::int AS accounts, count(*) FILTER (WHERE held <> '[]')::int AS "holdingSeats"
         FROM accounts WHERE source = ANY($1::text[]) AND state <> 'removed' GROUP BY source ORDER BY source`,
        [names.rows.map((r) => r.source)],
      );
      return result.rows;
    },

    /** Present accounts of a source: the base of `policy.maxRemovals` as a percentage. */
    async countPresent(source: string): Promise<number> {
      const result = await db.query<{ total: number }>(`SELECT count(*)::int AS total FROM accounts WHERE source = $1 AND present`, [source]);
      return result.rows[0]?.total ?? 0;
    },

    /** The present accounts of a source among these external ids, each visited as `forEachPresent` does. */
    async lookupPresent(source: string, externalIds: readonly string[], visit: VisitPresent): Promise<void> {
      if (externalIds.length === 0) return;
      // One index probe per id, whatever the statistics say (right after a first sync the planner may still
      // think `accounts` is empty and scan it whole; LIMIT keeps the lateral subquery from being flattened).
      const result = await db.query<PresentRow>(
        `SELECT a.id, a.external_id, a.data_hash FROM unnest($2::text[]) AS u(external_id),
           LATERAL (SELECT id, external_id, data_hash FROM accounts WHERE source = $1 AND external_id = u.external_id AND present LIMIT 1) a`,
        [source, externalIds],
      );
      for (const r of result.rows) visit(r.id, r.external_id, r.data_hash);
    },

    /**
     * The present accounts of a source (id, external id, data hash), a batch at a time through a cursor in
     * the caller's transaction (a short one of its own, before the run's; a keyset scan took twice as long).
     */
    async forEachPresent(source: string, visit: VisitPresent): Promise<void> {
      const rows = batches<PresentRow>(db, {
        name: 'present_accounts',
        select: 'SELECT id, external_id, data_hash FROM accounts WHERE source = $1 AND present',
        params: [source],
        batchRows: 50_000,
      });
      for await (const batch of rows) for (const row of batch) visit(row.id, row.external_id, row.data_hash);
    },

    /** Ids of the source's present accounts other than `seenIds`. */
    async presentExcept(source: string, seenIds: readonly number[]): Promise<number[]> {
      const result = await db.query<{ id: number }>(
        'SELECT id FROM accounts WHERE source = $1 AND present AND NOT (id = ANY($2::int[]))',
        [source, seenIds],
      );
      return result.rows.map((r) => r.id);
    },

    /** Marks accounts absent that the source no longer returns. */
    async markMissing(ids: readonly number[], runId: string): Promise<void> {
      for (let start = 0; start < ids.length; start += WRITE_BATCH) {
        await db.query(
          `UPDATE accounts SET present = false, removed_at = now(), last_changed_run = $2::bigint, updated_at = now()
           WHERE id = ANY($1::int[]) AND present`,
          [ids.slice(start, start + WRITE_BATCH), runId],
        );
      }
    },

    /**
     * Deletes accounts removed more than `olderThanMs` ago, with their audit history (`policy.purgeRemovedAfter`).
     * Only accounts of `source` that are absent and removed: they hold nothing, so seats are unaffected.
     */
    async purgeRemoved(options: { source: string; olderThanMs: number; now: number }): Promise<number> {
      const result = await db.query<{ n: number }>(
        `WITH gone AS (
           DELETE FROM accounts WHERE source = $1 AND NOT present AND state = 'removed' AND removed_at < $2::timestamptz RETURNING id),
         history AS (DELETE FROM audit WHERE account_id IN (SELECT id FROM gone))
         SELECT count(*)::int AS n FROM gone`,
        [options.source, new Date(options.now - options.olderThanMs).toISOString()],
      );
      return result.rows[0]?.n ?? 0;
    },

    /** Runs `load` (many inserts) with the secondary indexes built once after it, when that pays for `newRows` (bulk-load.ts). */
    async loadInBulk<T>(newRows: number, load: () => Promise<T>): Promise<T> {
      const tables = await bulkLoadTables(db, newRows);
      return tables.length > 0 ? withoutSecondaryIndexes(db, tables, load) : load();
    },
  };
  return accounts;
}

/**
 * Per pool name, the sum of `n` over the rows `select` returns whose pool list names it: lists grouped as
 * stored (a handful of distinct ones) and expanded here, cheaper than expanding every account's list in SQL.
 */
async function perPool(db: Queryable, select: string): Promise<Map<string, number>> {
  const sums = new Map<string, number>();
  for (const row of (await db.query<{ pools: string; n: number }>(select)).rows) {
    for (const pool of JSON.parse(row.pools) as string[]) sums.set(pool, (sums.get(pool) ?? 0) + row.n);
  }
  return sums;
}

/** Accounts by id, username, email or external id (case-insensitive), with these columns. */
async function findBy<T extends object>(db: Queryable, columns: string, ref: string): Promise<T[]> {
  // PostgreSQL text cannot hold a NUL byte, so no stored value has one (and a query with one fails).
  if (ref.includes('\0')) return [];
  // Account ids are PostgreSQL `integer`s: a longer number can be no account's id.
  const byId = /^\d{1,10}$/.test(ref) && Number(ref) <= 2_147_483_647 ? Number(ref) : null;
  const result = await db.query<T>(
    `SELECT ${columns} FROM accounts
     WHERE ($1::int IS NOT NULL AND id = $1) OR lower(username) = lower($2) OR lower(email) = lower($2)
        OR external_id = $2
     ORDER BY id LIMIT 10`,
    [byId, ref],
  );
  return result.rows;
}
