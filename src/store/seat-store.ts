// Reading the allocation's input and writing its decisions, under the seat lock: the seat side of the
// store, with the admin flags (block, protect) that the allocation reads.
import type { AccountChange, SeatAccount } from '../domain/types.ts';
import { isoOrNull } from '../domain/iso-time.ts';
import { isProtected } from '../domain/protection.ts';
import { type PoolCounts, PROTECTED_SQL } from './account-store.ts';
import { auditOf, type AuditEntry } from './audit-store.ts';
import { WRITE_BATCH } from './array-params.ts';
import { batches, FETCH_ROWS } from './cursor.ts';
import type { Queryable } from './db.ts';

/** Key of the advisory lock under which every seat decision is taken (SPEC rule 11). */
const SEAT_LOCK_KEY = 720_531_002;

interface SeatRow extends Pick<SeatAccount, 'id' | 'username' | 'profile' | 'state'> {
  created_ms: number | null;
  /** present, enabled, suspended, admin_protected, policy_protected as bits 0–4 (see SEAT_COLUMNS). */
  flags: number;
  /** JSON text of the pool lists: parsed once per distinct list, not once per row. */
  held: string;
  waiting_for: string;
  waiting_since_ms: number | null;
  activated_at_ms: number | null;
  grace_until_ms: number | null;
}

/** A stored account as the allocation sees it, plus the admin half of its protection. */
export interface StoredSeatAccount extends SeatAccount {
  readonly adminProtected: boolean;
}

const ms = (column: string): string => `(extract(epoch from ${column}) * 1000)::float8`;

// The five flags travel as one integer and the lists as text: a large load spends most of its time
// formatting and parsing values, and these are the cheapest forms of them. (`|` and `<<` bind alike
// in SQL: the shifts need their parentheses.)
const SEAT_COLUMNS = `id, username, ${ms('directory_created_at')} AS created_ms,
  (present::int | (enabled::int << 1) | (suspended::int << 2) | (admin_protected::int << 3) | (policy_protected::int << 4)) AS flags,
  profile, state, held::text AS held, waiting_for::text AS waiting_for, ${ms('waiting_since')} AS waiting_since_ms,
  ${ms('activated_at')} AS activated_at_ms, ${ms('grace_until')} AS grace_until_ms`;

/**
 * Values that repeat across a million accounts (profile names, pool lists, the empty list) are shared
 * rather than held once per account: the allocation reads them and never changes them.
 */
function sharing<T>(make: (text: string) => T): (text: string) => T {
  const shared = new Map<string, T>();
  return (text) => {
    let value = shared.get(text);
    if (value === undefined) shared.set(text, (value = make(text)));
    return value;
  };
}

/** Runs `select` through a cursor (inside the caller's transaction), converting each batch as it comes. */
async function loadInBatches(tx: Queryable, select: string, params: readonly unknown[]): Promise<StoredSeatAccount[]> {
  const profile = sharing((name) => name);
  const list = sharing((json) => Object.freeze(JSON.parse(json) as string[]));
  const out: StoredSeatAccount[] = [];
  for await (const batch of batches<SeatRow>(tx, { name: 'seat_accounts', select, params, batchRows: FETCH_ROWS })) {
    for (const r of batch) {
      const adminProtected = (r.flags & 8) !== 0;
      out.push({
        id: r.id,
        username: r.username,
        directoryCreatedAt: r.created_ms,
        present: (r.flags & 1) !== 0,
        enabled: (r.flags & 2) !== 0,
        profile: r.profile === null ? null : profile(r.profile),
        suspended: (r.flags & 4) !== 0,
        protected: isProtected({ adminProtected, policyProtected: (r.flags & 16) !== 0 }),
        adminProtected,
        frozen: false,
        state: r.state,
        held: list(r.held),
        waitingFor: list(r.waiting_for),
        waitingSince: r.waiting_since_ms,
        activatedAt: r.activated_at_ms,
        graceUntil: r.grace_until_ms,
      });
    }
  }
  return out;
}

/** A source's accounts frozen because their entries are unreadable, and those of them that hold a seat. */
export interface FrozenCount {
  readonly accounts: number;
  readonly holdingSeats: number;
}

/** `suspended` is set by block/unblock, `adminProtected` by protect/unprotect (SPEC §5 `accounts block|unblock|protect|unprotect`). */
export type AdminFlag = 'suspended' | 'adminProtected';

const FLAG_COLUMN: Record<AdminFlag, 'suspended' | 'admin_protected'> = { suspended: 'suspended', adminProtected: 'admin_protected' };

/** What seat decisions read and write, under one lock (SPEC rule 11), in one transaction. */
export function seatsOf(tx: Queryable) {
  /** The accounts whose entries their source's last applied run found present but unreadable (`recordUnreadable`), ascending. */
  const unreadableIds = async (): Promise<number[]> => {
    const result = await tx.query<{ account_id: number }>('SELECT account_id FROM unreadable_accounts ORDER BY account_id');
    return result.rows.map((row) => row.account_id);
  };
  return {
    /** Takes the seat lock until the transaction ends. */
    async lock(): Promise<void> {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [SEAT_LOCK_KEY]);
    },

    /**
     * Every account the allocation may have to decide about. Accounts that are removed and still absent
     * hold nothing and cannot change, so they are left out (a directory of a million departed users
     * costs nothing here).
     */
    load(): Promise<StoredSeatAccount[]> {
      return loadInBatches(tx, `SELECT ${SEAT_COLUMNS} FROM accounts WHERE (present OR state <> 'removed')`, []);
    },

    /**
     * As `load`, except the settled keepers (`isSettledKeeper` in domain/allocate.ts, the same conditions; an
     * integration test holds them together), counted per profile instead. `settledHeld`: each profile needing
     * pools to its needed pools as held (sorted). `include`: ids always loaded (the accounts this run changes).
     */
    async loadAroundSettled(
      options: { settledHeld: ReadonlyMap<string, readonly string[]>; include: readonly number[] },
    ): Promise<{ accounts: StoredSeatAccount[]; settled: Map<string, number> }> {
      const profiles = [...options.settledHeld.keys()];
      const held = profiles.map((profile) => JSON.stringify(options.settledHeld.get(profile)));
      const settledWhere = `coalesce(state = 'active' AND present AND enabled AND NOT suspended AND NOT ${PROTECTED_SQL}
          AND grace_until IS NULL AND waiting_since IS NULL AND waiting_for = '[]'::jsonb
          AND (profile, held) IN (SELECT k.p, k.h::jsonb FROM unnest($1::text[], $2::text[]) AS k(p, h)), false)`;
      const params = [profiles, held, options.include];
      const counts = await tx.query<{ profile: string; n: number }>(
        `SELECT profile, count(*)::int AS n FROM accounts WHERE ${settledWhere} AND NOT (id = ANY($3::int[])) GROUP BY profile`,
        params,
      );
      const accounts = await loadInBatches(
        tx,
        `SELECT ${SEAT_COLUMNS} FROM accounts WHERE (present OR state <> 'removed') AND (NOT ${settledWhere} OR id = ANY($3::int[]))`,
        params,
      );
      return { accounts, settled: new Map(counts.rows.map((r) => [r.profile, r.n])) };
    },

    /** The named accounts whatever their state (removed accounts that come back). */
    async loadById(ids: readonly number[]): Promise<StoredSeatAccount[]> {
      if (ids.length === 0) return [];
      return loadInBatches(tx, `SELECT ${SEAT_COLUMNS} FROM accounts WHERE id = ANY($1::int[])`, [ids]);
    },

    /** The allocation's state changes of existing accounts, and one audit row per change. */
    async write(changes: readonly AccountChange[], audit: { actor: string; runId: string | null }): Promise<void> {
      for (let start = 0; start < changes.length; start += WRITE_BATCH) {
        const batch = changes.slice(start, start + WRITE_BATCH);
        await tx.query(
          `UPDATE accounts a SET state = u.state, held = u.held::jsonb, waiting_for = u.waiting_for::jsonb,
                  waiting_since = u.waiting_since, activated_at = u.activated_at, grace_until = u.grace_until,
                  last_changed_run = coalesce($8::bigint, a.last_changed_run), updated_at = now()
           FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[],
                       $7::timestamptz[]) AS u(id, state, held, waiting_for, waiting_since, activated_at, grace_until)
           WHERE a.id = u.id`,
          [
            batch.map((c) => c.id),
            batch.map((c) => c.to.state),
            batch.map((c) => JSON.stringify(c.to.held)),
            batch.map((c) => JSON.stringify(c.to.waitingFor)),
            batch.map((c) => isoOrNull(c.to.waitingSince)),
            batch.map((c) => isoOrNull(c.to.activatedAt)),
            batch.map((c) => isoOrNull(c.to.graceUntil)),
            audit.runId,
          ],
        );
        // `takenBy`: the protected account a holder gave its seat to (reason `protected`); its id is null
        // when it is new in this run (stored after this row's batch).
        const entries = batch.map((c): AuditEntry => ({
          accountId: c.id, from: c.from?.state ?? null, to: c.to.state, reason: c.reason,
          details: {
            held: c.to.held,
            waitingFor: c.to.waitingFor,
            ...(c.takenBy ? { takenBy: { id: c.takenBy.id > 0 ? c.takenBy.id : null, username: c.takenBy.username } } : {}),
          },
        }));
        await auditOf(tx).add(entries, audit);
      }
    },

    /** True when some grace period has ended by `now` (the allocation must run to block those accounts). */
    async graceEnded(now: number): Promise<boolean> {
      // The earliest end from the partial index, compared here: `grace_until <= $1 LIMIT 1` was planned as a
      // scan of every account when the table had no statistics yet (right after a first sync).
      const result = await tx.query<{ ms: number }>(
        `SELECT ${ms('grace_until')} AS ms FROM accounts WHERE grace_until IS NOT NULL ORDER BY grace_until LIMIT 1`,
      );
      const first = result.rows[0]?.ms;
      return first !== undefined && first <= now;
    },

    /**
     * The last allocation: the fingerprint of its inputs (config side) and what it left in each pool by pool name
     * (null when it did not save them); null before the first one.
     */
    async lastAllocation(): Promise<{ fingerprint: string; pools: Map<string, PoolCounts> | null } | null> {
      const result = await tx.query<{ fingerprint: string; pools: string | null }>('SELECT fingerprint, pools::text AS pools FROM allocation_state WHERE id = 1');
      const row = result.rows[0];
      if (!row) return null;
      const pools = row.pools === null ? null : new Map(Object.entries(JSON.parse(row.pools) as Record<string, PoolCounts>));
      return { fingerprint: row.fingerprint, pools };
    },

    /** After an allocation: the fingerprint of its config and what it left in each pool (holders, waiting accounts). */
    async saveAllocation(state: { fingerprint: string; pools: readonly ({ name: string } & PoolCounts)[] }): Promise<void> {
      const pools = JSON.stringify(Object.fromEntries(state.pools.map((p) => [p.name, { used: p.used, waiting: p.waiting }])));
      await tx.query(
        `INSERT INTO allocation_state (id, fingerprint, pools, updated_at) VALUES (1, $1, $2::jsonb, now())
         ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, pools = excluded.pools, updated_at = now()
         WHERE allocation_state.fingerprint <> excluded.fingerprint OR allocation_state.pools IS DISTINCT FROM excluded.pools`,
        [state.fingerprint, pools],
      );
    },

    /**
     * Records what an applied run of `source` read of its accounts whose entries were unreadable: `frozen`,
     * those its read found present but unreadable; `cleared`, those it read readable again or found gone.
     * The others recorded before stay (an incremental read does not return an unchanged entry: it is as
     * unreadable as it was; a held or failed run records nothing). Returns the accounts recorded of every
     * source, ascending: those every allocation leaves as they are (`SeatAccount.frozen`) until their
     * source reads them again.
     */
    async recordUnreadable(source: string, read: { readonly frozen: readonly number[]; readonly cleared: readonly number[] }): Promise<number[]> {
      const ids = read.frozen;
      if (read.cleared.length > 0) {
        await tx.query(
          'DELETE FROM unreadable_accounts WHERE source = $1 AND account_id = ANY($2::int[]) AND NOT (account_id = ANY($3::int[]))',
          [source, read.cleared, ids],
        );
      }
      if (ids.length > 0) {
        await tx.query(
          `INSERT INTO unreadable_accounts (account_id, source) SELECT id, $1 FROM unnest($2::int[]) AS u(id)
           ON CONFLICT (account_id) DO UPDATE SET source = excluded.source WHERE unreadable_accounts.source <> excluded.source`,
          [source, ids],
        );
      }
      return unreadableIds();
    },

    unreadableIds,

    /** The accounts of `source` whose entries its last applied run, or one before it, found unreadable (`recordUnreadable`). */
    async unreadableIdsOf(source: string): Promise<number[]> {
      const result = await tx.query<{ account_id: number }>('SELECT account_id FROM unreadable_accounts WHERE source = $1', [source]);
      return result.rows.map((row) => row.account_id);
    },

    /**
     * Per source among `sources`: its accounts recorded unreadable (`recordUnreadable`), frozen exactly as
     * they were, and how many of them hold a seat. A source with none has no entry.
     */
    async frozenCounts(sources: readonly string[]): Promise<Map<string, FrozenCount>> {
      const result = await tx.query<{ source: string } & FrozenCount>(
        `SELECT u.source, count(*)::int AS accounts, count(*) FILTER (WHERE a.held <> '[]')::int AS "holdingSeats"
         FROM unreadable_accounts u JOIN accounts a ON a.id = u.account_id WHERE u.source = ANY($1::text[]) GROUP BY u.source`,
        [sources],
      );
      return new Map(result.rows.map(({ source, ...count }) => [source, count]));
    },

    /** An account's admin flags and state, its row locked until the transaction ends; null when it is gone. */
    async lockAdminFlags(accountId: number): Promise<Pick<StoredSeatAccount, AdminFlag | 'state'> | null> {
      const result = await tx.query<Pick<StoredSeatAccount, AdminFlag | 'state'>>(
        'SELECT suspended, admin_protected AS "adminProtected", state FROM accounts WHERE id = $1 FOR UPDATE',
        [accountId],
      );
      return result.rows[0] ?? null;
    },

    async setAdminFlag(accountId: number, flag: AdminFlag, value: boolean): Promise<void> {
      await tx.query(`UPDATE accounts SET ${FLAG_COLUMN[flag]} = $2, updated_at = now() WHERE id = $1`, [accountId, value]);
    },
  };
}
