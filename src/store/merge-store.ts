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
 * New accounts to write: staged rows by `seq`, each with its account id `ids[i]` (reserved by
 * `reserveAccountIds`) and the state `states[classOf[i]]`, their audit rows by `actor` in run `runId`.
 */
export interface NewAccountsWrite {
  readonly tables: StagingTables;
  readonly source: string;
  readonly runId: string;
  readonly actor: string;
  readonly seqs: readonly number[];
  readonly ids: readonly number[];
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

/**
 * Takes `count` consecutive account ids from the identity sequence and returns the first, so that a
 * run knows each new account's id (the first + its rank in read order − 1) before it is decided, and
 * writes each slice of decisions as it comes while ids still follow the directory's order. Every
 * insert into `accounts` runs under the seat lock the caller holds, so no other draw interleaves.
 */
export async function reserveAccountIds(tx: Queryable, count: number): Promise<number> {
  if (count <= 0) return 0;
  const result = await tx.query<{ first: number }>(
    `SELECT (setval(s, nextval(s) + $1::int - 1) - $1::int + 1)::int AS first FROM pg_get_serial_sequence('accounts', 'id') s`,
    [count],
  );
  const first = result.rows[0]?.first;
  if (first === undefined) throw new Error('no account ids reserved');
  return first;
}

/** The parameters $6–$12 of a statement taking `states` as a table `c(state, …, reason, class)`. */
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

/** One row per distinct state ($6–$12): its jsonb values and audit details are built once, not per account. */
const STATES_CTE = `c AS MATERIALIZED (
       SELECT state, held::jsonb AS held, waiting_for::jsonb AS waiting_for, waiting_since, activated_at, grace_until, reason, class,
              jsonb_build_object('held', held::jsonb, 'waitingFor', waiting_for::jsonb) AS details
       FROM unnest($6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::text[])
            WITH ORDINALITY AS c(state, held, waiting_for, waiting_since, activated_at, grace_until, reason, class))`;

/**
 * The accounts take the ids reserved for them (`d`), so the audit rows join the inserted ids back to
 * `d` (integers) rather than to the staged rows by external id.
 */
async function insertAccountsWithAudit(tx: Queryable, options: NewAccountsWrite): Promise<number> {
  const result = await tx.query(
    `WITH d AS MATERIALIZED (SELECT seq, id, class FROM unnest($3::int[], $4::int[], $5::int[]) AS d(seq, id, class)),
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
     SELECT d.id, NULL, c.state, c.reason, $13, $2::bigint, c.details
     FROM inserted i JOIN d ON d.id = i.id JOIN c ON c.class = d.class + 1`,
    [options.source, options.runId, options.seqs, options.ids, options.classOf, ...stateParams(options.states), options.actor],
  );
  return result.rowCount;
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
