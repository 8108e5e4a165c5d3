// The SQL of provisioning targets: the account data a target row is built from (read in the run's
// transaction), target rows added to the outbox, each target's backlog and last delivery, and what the
// last reconcile found. Rows are delivered by the outbox's loop (src/notify/deliver.ts).
import type { AccountSnapshot, StateTransition, TargetRow } from '../targets/target-rows.ts';
import { isoCol } from './audit-store.ts';
import type { Queryable } from './db.ts';
import { insertOutboxRows, type OutboxRow } from './outbox-store.ts';

const SNAPSHOT_COLUMNS = `a.id, a.source, a.external_id AS "externalId", a.username, a.email, a.display_name AS "displayName", a.state, a.held`;

/** A provisioning target's backlog, its last delivery and what its last reconcile found. */
export interface TargetState {
  readonly pending: number;
  readonly failed: number;
  readonly lastDeliveryAt: string | null;
  /** Last error of a row not delivered yet (pending or failed). */
  readonly lastError: string | null;
  readonly lastReconcileAt: string | null;
  /** Drift found by the last reconcile, by kind (SCIM targets; null before the first reconcile). */
  readonly drift: Readonly<Record<string, number>> | null;
}

/** The targets' side of the store on one connection or transaction (a run's rows are written in its transaction). */
export function targetsOf(db: Queryable) {
  const snapshots = async (where: string, params: readonly unknown[]): Promise<AccountSnapshot[]> =>
    (await db.query<AccountSnapshot>(`SELECT ${SNAPSHOT_COLUMNS} FROM accounts a WHERE ${where}`, params)).rows;
  return {
    /** Accounts a run changed (state or directory data), by the run id their rows carry. */
    changedByRun: (runId: string) => snapshots('a.last_changed_run = $1::bigint ORDER BY a.id', [runId]),

    accountsById: async (ids: readonly number[]) => (ids.length === 0 ? [] : snapshots('a.id = ANY($1::int[]) ORDER BY a.id', [[...ids]])),

    /** The state changes a run audited (flag-only audit rows, where the state stays, are left out). */
    async transitionsOfRun(runId: string): Promise<StateTransition[]> {
      const result = await db.query<Omit<StateTransition, 'takenBy' | 'at'> & { takenBy: string | null; at: Date }>(
        `SELECT 'audit-' || au.id AS key, au.account_id AS "accountId", au.from_state AS "from", au.to_state AS "to", au.reason,
                au.details->'takenBy'->>'username' AS "takenBy", au.at
           FROM accounts a JOIN audit au ON au.account_id = a.id AND au.run_id = $1::bigint
          WHERE a.last_changed_run = $1::bigint AND au.to_state IS NOT NULL AND au.to_state IS DISTINCT FROM au.from_state
          ORDER BY au.id`,
        [runId],
      );
      return result.rows.map(({ takenBy, at, ...r }) => ({ ...r, ...(takenBy === null ? {} : { takenBy }), at: at.getTime() }));
    },

    /** Adds target rows, due at `now`, each addressed to its target; a row whose dedupe key exists is skipped. */
    insertRows: (rows: readonly TargetRow[], options: { readonly now: Date }): Promise<number> =>
      insertOutboxRows(
        db,
        rows.map((r): OutboxRow => ({ kind: r.kind, recipient: null, payload: JSON.stringify(r.payload), dedupeKey: r.dedupeKey, target: r.target, orderingKey: r.orderingKey })),
        { nextAttemptAt: options.now },
      ),

    /** Accounts in id order after `afterId`, `limit` at a time (reconcile reads every account this way). */
    accountsPage: (options: { readonly afterId: number; readonly limit: number }) =>
      snapshots('a.id > $1 ORDER BY a.id LIMIT $2', [options.afterId, options.limit]),

    /** Per target (of `targets`): its state, in one row each. */
    async states(targets: readonly string[]): Promise<Map<string, TargetState>> {
      const result = await db.query<TargetState & { target: string }>(
        `SELECT t.name AS target,
                (SELECT count(*)::int FROM outbox o WHERE o.target = t.name AND o.status = 'pending') AS pending,
                (SELECT count(*)::int FROM outbox o WHERE o.target = t.name AND o.status = 'failed') AS failed,
                ${isoCol(`(SELECT max(sent_at) FROM outbox o WHERE o.target = t.name AND o.status = 'sent')`, 'lastDeliveryAt')},
                (SELECT last_error FROM outbox o WHERE o.target = t.name AND o.last_error IS NOT NULL AND o.status <> 'sent'
                  ORDER BY o.id DESC LIMIT 1) AS "lastError",
                ${isoCol('s.last_reconcile_at', 'lastReconcileAt')},
                CASE WHEN s.last_reconcile_at IS NOT NULL THEN coalesce(s.drift->'found', '{}'::jsonb) END AS drift
           FROM unnest($1::text[]) AS t(name) LEFT JOIN target_state s ON s.target = t.name`,
        [[...targets]],
      );
      return new Map(result.rows.map(({ target, ...state }) => [target, state]));
    },

    /** What a reconcile found (and repaired): counts by kind of drift (`missing`, `shouldBeInactive`, …). */
    async saveDrift(target: string, drift: { readonly at: Date; readonly found: Readonly<Record<string, number>> }): Promise<void> {
      await db.query(
        `INSERT INTO target_state (target, last_reconcile_at, drift) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (target) DO UPDATE SET last_reconcile_at = EXCLUDED.last_reconcile_at, drift = EXCLUDED.drift, updated_at = now()`,
        [target, drift.at, JSON.stringify({ found: drift.found })],
      );
    },
  };
}
