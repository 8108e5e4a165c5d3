// The apply side of staging, inside the run's transaction: what the read changed — a summary, the
// staged rows of changed accounts, and the new users in queue order, a slice at a time, so a first sync of a million users never holds its rows in memory at once. The writes are
// in merge-store.ts.
import { batches } from './cursor.ts';
import type { Queryable } from './db.ts';
import type { StagingTables } from './staging-store.ts';

export interface RemovalCounts {
  /** Accounts of the source that are present now. */
  readonly total: number;
  readonly wouldRemove: number;
  readonly wouldDisable: number;
  /** Users read (not deletions). */
  readonly staged: number;
}

export interface DeltaSummary {
  /** The counts of the hold check but the source's total, counted only when the check needs it (`countPresent`). */
  readonly counts: Omit<RemovalCounts, 'total'>;
  /** Present accounts of the source that this read says are gone (full read: not returned; incremental: deleted). */
  readonly missingIds: number[];
  /** Staged users never seen before, and staged users whose account changed or came back. */
  readonly newCount: number;
  readonly changedCount: number;
  /**
   * Changed accounts whose change reaches what the allocation reads (back, username, enabled, creation
   * time, profile, protection); the rest changed only data the seats do not depend on (name, email, …).
   */
  readonly seatChangedCount: number;
}

/** A staged user the allocation must see differently: new, changed, or back. */
export interface DeltaRow {
  /** Read order; a new user's temporary id in the allocation is −seq. */
  readonly seq: number;
  /** Existing account id; null for a user never seen before. */
  readonly id: number | null;
  readonly username: string;
  readonly enabled: boolean;
  readonly createdMs: number | null;
  readonly profile: string | null;
  readonly policyProtected: boolean;
  /** For existing accounts: whether the account was enabled and present before this run. */
  readonly wasActiveInDirectory: boolean;
}

/** Staged users that differ from their account (the check at read time is repeated: it is cheap and exact). */
function deltaFrom(tables: StagingTables): string {
  return `${tables.staging} s LEFT JOIN accounts a ON a.source = $1 AND a.external_id = s.external_id
    WHERE NOT s.deleted AND (a.id IS NULL OR a.data_hash IS DISTINCT FROM s.data_hash OR NOT a.present)
      AND NOT EXISTS (SELECT 1 FROM ${tables.staging} d WHERE d.deleted AND d.external_id = s.external_id)`;
}

/**
 * Counts of the delta, the missing accounts and the counts of the mass-change hold (SPEC rule 10).
 * `sweep`: the read listed every id in scope (a full read, or an incremental one with an id listing).
 * `unseenIds`: then, the present accounts the read did not list (from the run's snapshot); they are
 * checked again here, as the snapshot was taken before this transaction. Deletions an incremental read
 * reports are missing too. `read`: users read.
 */
export async function loadDeltaSummary(
  tx: Queryable,
  options: { tables: StagingTables; source: string; sweep: boolean; unseenIds: readonly number[]; read: number },
): Promise<DeltaSummary> {
  const { tables, source } = options;
  const delta = await tx.query<{ fresh: number; changed: number; seat: number; disable: number }>(
    `SELECT count(*) FILTER (WHERE a.id IS NULL)::int AS fresh, count(a.id)::int AS changed,
            count(*) FILTER (WHERE a.id IS NOT NULL AND (NOT a.present OR a.username IS DISTINCT FROM s.username
              OR a.enabled IS DISTINCT FROM s.enabled OR a.directory_created_at IS DISTINCT FROM s.directory_created_at
              OR a.profile IS DISTINCT FROM s.profile OR a.policy_protected IS DISTINCT FROM s.policy_protected))::int AS seat,
            count(*) FILTER (WHERE a.id IS NOT NULL AND a.enabled AND a.present AND NOT s.enabled)::int AS disable
     FROM ${deltaFrom(tables)}`,
    [source],
  );
  const deleted = `SELECT a.id FROM accounts a JOIN ${tables.staging} s ON s.external_id = a.external_id AND s.deleted
     WHERE a.source = $1 AND a.present`;
  const unseen = `SELECT a.id FROM accounts a WHERE a.id = ANY($2::int[]) AND a.source = $1 AND a.present
     AND NOT EXISTS (SELECT 1 FROM ${tables.staging} s WHERE s.external_id = a.external_id AND NOT s.deleted)`;
  const missing = await tx.query<{ id: number }>(options.sweep ? `${unseen} UNION ${deleted}` : deleted, options.sweep ? [source, options.unseenIds] : [source]);
  const d = delta.rows[0] ?? { fresh: 0, changed: 0, seat: 0, disable: 0 };
  const missingIds = [...new Set(missing.rows.map((r) => r.id))].sort((a, b) => a - b);
  return {
    counts: { staged: options.read, wouldRemove: missingIds.length, wouldDisable: d.disable },
    missingIds,
    newCount: d.fresh,
    changedCount: d.changed,
    seatChangedCount: d.seat,
  };
}

/** Present accounts of a source: the base of `policy.maxRemovals` as a percentage. */
export async function countPresent(tx: Queryable, source: string): Promise<number> {
  const result = await tx.query<{ total: number }>(`SELECT count(*)::int AS total FROM accounts WHERE source = $1 AND present`, [source]);
  return result.rows[0]?.total ?? 0;
}

/**
 * Keeps the first occurrence of each new id the read returned more than once (the snapshot only knows
 * the ids of existing accounts); returns how many rows were dropped.
 */
export async function dropRepeatedIds(conn: Queryable, tables: StagingTables): Promise<number> {
  const result = await conn.query(
    `DELETE FROM ${tables.staging} s USING (
       SELECT external_id, min(seq) AS first FROM ${tables.staging} WHERE NOT deleted GROUP BY external_id HAVING count(*) > 1) r
     WHERE s.external_id = r.external_id AND NOT s.deleted AND s.seq > r.first`,
  );
  return result.rowCount;
}

/** Rows per FETCH: bounds the driver's result buffers. */
const FETCH_ROWS = 20_000;

const DELTA_COLUMNS = `s.seq, a.id, s.username, s.enabled, (extract(epoch from s.directory_created_at) * 1000)::float8 AS "createdMs",
  s.profile, s.policy_protected AS "policyProtected", coalesce(a.enabled AND a.present, false) AS "wasActiveInDirectory"`;

/** The staged rows of existing accounts that changed or came back, in read order. */
export async function forEachChangedRow(tx: Queryable, options: { tables: StagingTables; source: string }, visit: (row: DeltaRow) => void): Promise<void> {
  const rows = batches<DeltaRow>(tx, {
    name: `changed_${options.tables.staging}`,
    select: `SELECT ${DELTA_COLUMNS} FROM ${deltaFrom(options.tables)} AND a.id IS NOT NULL ORDER BY s.seq`,
    params: [options.source],
    batchRows: FETCH_ROWS,
  });
  for await (const batch of rows) batch.forEach(visit);
}

/** A new user as the allocation reads it, with its place among the run's new users in read order. */
export interface NewcomerRow extends DeltaRow {
  /** 1 for the first new user read, 2 for the next, …: the offset of its account id in the run's reserved ids. */
  readonly rank: number;
}

/**
 * New users in slices of `sliceRows`, in the order of the queue key the domain computed when they were
 * staged (hex digits only: COLLATE "C" orders them byte by byte on every database), each with its rank
 * in read order, so that its account id is known before the others are decided.
 */
export function newcomerSlices(tx: Queryable, options: { tables: StagingTables; source: string; sliceRows: number }): AsyncGenerator<NewcomerRow[], void, undefined> {
  return batches<NewcomerRow>(tx, {
    name: `new_${options.tables.staging}`,
    select: `SELECT ${DELTA_COLUMNS}, row_number() OVER (ORDER BY s.seq)::int AS rank
             FROM ${deltaFrom(options.tables)} AND a.id IS NULL ORDER BY s.queue_key COLLATE "C"`,
    params: [options.source],
    batchRows: options.sliceRows,
  });
}
