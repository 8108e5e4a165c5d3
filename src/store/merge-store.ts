// Merging a run's delta into `accounts`, in its transaction: new accounts inserted with the seat state
// the allocation gave them (and their audit row), changed ones rewritten, missing ones marked absent.
import type { ChangeReason, SeatState } from '../domain/types.ts';
import type { Queryable } from './db.ts';
import type { StagingTables } from './staging-store.ts';

/** A seat state shared by many new accounts (a first sync has a handful of distinct ones), with the
 * reason its audit rows carry. */
export interface NewAccountState extends SeatState {
  readonly reason: ChangeReason;
}

/**
 * New accounts to write: staged rows by `seq` (in read order: their ids are drawn in this order), each with the state `states[classOf[i]]`, their audit
 * rows by `actor` in run `runId`.
 */
export interface NewAccountsWrite {
  readonly tables: StagingTables;
  readonly source: string;
  readonly runId: string;
  readonly actor: string;
  readonly seqs: readonly number[];
  readonly classOf: readonly number[];
  readonly states: readonly NewAccountState[];
}

const iso = (value: number | null): string | null => (value === null ? null : new Date(value).toISOString());

/**
 * Inserts new accounts (staged rows by `seq`) with the seat state the allocation gave them, and one
 * audit row each (from no state to it), in one statement. `classOf[i]` is the index in `states` of
 * the state of `seqs[i]`.
 */
export async function insertNewAccounts(
  tx: Queryable,
  options: NewAccountsWrite,
): Promise<number> {
  if (options.seqs.length === 0) return 0;
  const inserted = await insertAccountsWithAudit(tx, options);
  if (inserted !== options.seqs.length) throw new Error(`inserted ${inserted} new accounts, expected ${options.seqs.length}`);
  return inserted;
}

/** The parameters $5–$11 of a statement taking `states` as a table `c(state, …, reason, class)`. */
function stateParams(states: readonly NewAccountState[]): unknown[] {
  return [
    states.map((s) => s.state),
    states.map((s) => JSON.stringify(s.held)),
    states.map((s) => JSON.stringify(s.waitingFor)),
    states.map((s) => iso(s.waitingSince)),
    states.map((s) => iso(s.activatedAt)),
    states.map((s) => iso(s.graceUntil)),
    states.map((s) => s.reason),
  ];
}

/** One row per distinct state ($5–$11): its jsonb values and audit details are built once, not per account. */
const STATES_CTE = `c AS MATERIALIZED (
       SELECT state, held::jsonb AS held, waiting_for::jsonb AS waiting_for, waiting_since, activated_at, grace_until, reason, class,
              jsonb_build_object('held', held::jsonb, 'waitingFor', waiting_for::jsonb) AS details
       FROM unnest($5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::text[])
            WITH ORDINALITY AS c(state, held, waiting_for, waiting_since, activated_at, grace_until, reason, class))`;

/**
 * The accounts' ids are drawn from their identity sequence in `d`, in read order (the caller's `seqs`
 * are sorted), so the insert needs no sort of the wide rows and the audit rows join the inserted ids
 * back to `d` (integers) rather than to the staged rows by external id.
 */
async function insertAccountsWithAudit(tx: Queryable, options: NewAccountsWrite): Promise<number> {
  const result = await tx.query(
    `WITH d AS MATERIALIZED (
       SELECT seq, class, nextval(pg_get_serial_sequence('accounts', 'id'))::int AS id
       FROM unnest($3::int[], $4::int[]) WITH ORDINALITY AS d(seq, class, n) ORDER BY n),
     ${STATES_CTE},
     inserted AS (
       INSERT INTO accounts (id, source, external_id, username, email, display_name, dn, enabled, directory_created_at,
          groups, attributes, profile, policy_protected, data_hash, present, state, held, waiting_for, waiting_since,
          activated_at, grace_until, first_seen_run, last_changed_run)
       OVERRIDING SYSTEM VALUE
       SELECT d.id, $1, s.external_id, s.username, s.email, s.display_name, s.dn, s.enabled, s.directory_created_at,
              s.groups::jsonb, s.attributes::jsonb, s.profile, s.policy_protected, s.data_hash, true, c.state, c.held,
              c.waiting_for, c.waiting_since, c.activated_at, c.grace_until, $2::bigint, $2::bigint
       FROM d JOIN ${options.tables.staging} s ON s.seq = d.seq AND NOT s.deleted JOIN c ON c.class = d.class + 1
       RETURNING id)
     INSERT INTO audit (account_id, from_state, to_state, reason, actor, run_id, details)
     SELECT d.id, NULL, c.state, c.reason, $12, $2::bigint, c.details
     FROM inserted i JOIN d ON d.id = i.id JOIN c ON c.class = d.class + 1`,
    [options.source, options.runId, options.seqs, options.classOf, ...stateParams(options.states), options.actor],
  );
  return result.rowCount;
}

/** Stored ids of new accounts by read order (for the notifications that name them). */
export async function newAccountIds(tx: Queryable, options: { tables: StagingTables; source: string; seqs: readonly number[] }): Promise<Map<number, number>> {
  if (options.seqs.length === 0) return new Map();
  const result = await tx.query<{ seq: number; id: number }>(
    `SELECT s.seq, a.id FROM ${options.tables.staging} s JOIN accounts a ON a.source = $1 AND a.external_id = s.external_id
     WHERE s.seq = ANY($2::int[]) AND NOT s.deleted`,
    [options.source, options.seqs],
  );
  return new Map(result.rows.map((r) => [r.seq, r.id]));
}

/** Rewrites the directory data of existing accounts whose data hash changed, or that came back. */
export async function updateChangedAccounts(tx: Queryable, options: { tables: StagingTables; source: string; runId: string }): Promise<number> {
  const result = await tx.query(
    `UPDATE accounts a SET username = s.username, email = s.email, display_name = s.display_name, dn = s.dn,
            enabled = s.enabled, directory_created_at = s.directory_created_at, groups = s.groups::jsonb,
            attributes = s.attributes::jsonb, profile = s.profile, policy_protected = s.policy_protected,
            data_hash = s.data_hash, present = true, removed_at = NULL, last_changed_run = $2::bigint, updated_at = now()
     FROM ${options.tables.staging} s
     WHERE a.source = $1 AND a.external_id = s.external_id AND NOT s.deleted
       AND (a.data_hash IS DISTINCT FROM s.data_hash OR NOT a.present)
       AND NOT EXISTS (SELECT 1 FROM ${options.tables.staging} d WHERE d.deleted AND d.external_id = s.external_id)`,
    [options.source, options.runId],
  );
  return result.rowCount;
}

/** Rows per statement for id lists: keeps parameter arrays well below protocol limits. */
const WRITE_BATCH = 20_000;

/** Marks accounts the source no longer returns. */
export async function markMissing(tx: Queryable, options: { ids: readonly number[]; runId: string }): Promise<void> {
  for (let start = 0; start < options.ids.length; start += WRITE_BATCH) {
    await tx.query(
      `UPDATE accounts SET present = false, removed_at = now(), last_changed_run = $2::bigint, updated_at = now()
       WHERE id = ANY($1::int[]) AND present`,
      [options.ids.slice(start, start + WRITE_BATCH), options.runId],
    );
  }
}
