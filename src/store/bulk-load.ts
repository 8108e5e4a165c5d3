// A run that inserts many more accounts than `accounts` holds (a first sync) builds the secondary
// indexes of the tables it loads (the accounts and their audit rows, one each) once after its inserts
// instead of maintaining them row by row: in a first sync of 100,000 users the five insert statements
// went from 4.1 to 3.0 s, plus 0.9 s to build the indexes (BENCHMARKS.md, "What the figures rest on",
// 2026-12-05). The indexes are dropped and rebuilt
// inside the run's transaction, from their own definitions as the database holds them (so a later
// migration's index is rebuilt as it was made): a failed run rolls the drop back with everything else.
// While the run holds them dropped, the tables are locked for everyone else until it commits; that is a
// first sync's apply, seconds.
import type { Queryable } from './db.ts';

/** Bulk loading pays when the new rows are at least this many … */
export const BULK_MIN_ROWS = 20_000;
/** … and at least this many times the rows the table already holds. */
const BULK_MIN_RATIO = 2;

/** The tables a run loads: new accounts and their audit rows. */
export type BulkTable = 'accounts' | 'audit';

/** The tables whose load of `newRows` rows each should go through `withoutSecondaryIndexes` (none: insert as usual). */
export async function bulkLoadTables(tx: Queryable, newRows: number): Promise<BulkTable[]> {
  if (newRows < BULK_MIN_ROWS) return [];
  // Counted up to the bound only: a big table answers as fast as a small one.
  const bound = Math.floor(newRows / BULK_MIN_RATIO);
  const result = await tx.query<Record<BulkTable, number>>(
    `SELECT (SELECT count(*) FROM (SELECT 1 FROM accounts LIMIT $1) t)::int AS accounts,
            (SELECT count(*) FROM (SELECT 1 FROM audit LIMIT $1) t)::int AS audit`,
    [bound],
  );
  const held = result.rows[0];
  return (['accounts', 'audit'] as const).filter((table) => (held?.[table] ?? bound) < bound);
}

/**
 * The partial indexes a load fills with most of its rows, rebuilt like the full ones: the seat holders'
 * (a first sync gives most new accounts a seat). A migration adding such an index lists it here.
 */
const PARTIAL_INDEXES_A_LOAD_FILLS: readonly string[] = ['accounts_holders_idx'];

/**
 * Drops the secondary indexes of `tables` (a unique constraint's too: an index of a constraint is
 * dropped and added back as the constraint), runs `load`, and builds them again. Primary keys stay: the
 * writes in between find accounts by id. Partial indexes stay too (a load adds few entries to the
 * indexes of accounts not active, waiting or in grace, where building one again scans the whole table),
 * but for PARTIAL_INDEXES_A_LOAD_FILLS.
 */
export async function withoutSecondaryIndexes<T>(tx: Queryable, tables: readonly BulkTable[], load: () => Promise<T>): Promise<T> {
  const { rows: indexes } = await tx.query<{ drop: string; create: string }>(
    `SELECT CASE WHEN c.oid IS NULL THEN format('DROP INDEX %I', i.relname)
                 ELSE format('ALTER TABLE %s DROP CONSTRAINT %I', x.indrelid::regclass, c.conname) END AS drop,
            CASE WHEN c.oid IS NULL THEN pg_get_indexdef(i.oid)
                 ELSE format('ALTER TABLE %s ADD CONSTRAINT %I %s', x.indrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) END AS create
     FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid
     LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
     WHERE x.indrelid::regclass::text = ANY($1::text[]) AND NOT x.indisprimary AND (x.indpred IS NULL OR i.relname = ANY($2::text[]))
     ORDER BY i.relname`,
    [tables, PARTIAL_INDEXES_A_LOAD_FILLS],
  );
  for (const index of indexes) await tx.query(index.drop);
  const result = await load();
  for (const index of indexes) await tx.query(index.create);
  return result;
}
