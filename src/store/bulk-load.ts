// A run that inserts many more accounts than `accounts` holds (a first sync) builds the table's
// secondary indexes once after its inserts instead of maintaining them row by row. Measured on 100,000
// staged users in psql: 3.2 s to insert them with every index, 1.0 s without plus 0.9 s to build the
// indexes; in bench/ldap-sync.ts's first sync, the five insert statements went from 4.1 to 3.0 s. The
// indexes are dropped and rebuilt inside the run's transaction, from their own definitions as the
// database holds them (so a later migration's index is rebuilt as it was made): a failed run rolls
// the drop back with everything else. While the run holds them dropped, `accounts` is locked for
// everyone else until it commits; that is a first sync's apply, seconds.
import type { Queryable } from './db.ts';

/** Bulk loading pays when the new accounts are at least this many … */
export const BULK_MIN_ROWS = 20_000;
/** … and at least this many times the accounts already stored. */
const BULK_MIN_RATIO = 2;

/** Whether inserting `newRows` accounts should go through `withoutSecondaryIndexes`. */
export async function bulkLoadPays(tx: Queryable, newRows: number): Promise<boolean> {
  if (newRows < BULK_MIN_ROWS) return false;
  // Counted up to the bound only: a big table answers as fast as a small one.
  const bound = Math.floor(newRows / BULK_MIN_RATIO);
  const result = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT 1 FROM accounts LIMIT $1) t', [bound]);
  return (result.rows[0]?.n ?? bound) < bound;
}

/**
 * Drops the secondary indexes of `accounts` (the unique constraint on source and external id too: an
 * index of a constraint is dropped and added back as the constraint), runs `load`, and builds them
 * again. The primary key stays: the writes in between find accounts by id. Partial indexes stay too (a
 * load adds few entries to the indexes of accounts not active, waiting or in grace, where building one
 * again scans the whole table), but for the index of seat holders: a first sync gives most new accounts a seat.
 */
export async function withoutSecondaryIndexes<T>(tx: Queryable, load: () => Promise<T>): Promise<T> {
  const { rows: indexes } = await tx.query<{ drop: string; create: string }>(
    `SELECT CASE WHEN c.oid IS NULL THEN format('DROP INDEX %I', i.relname)
                 ELSE format('ALTER TABLE accounts DROP CONSTRAINT %I', c.conname) END AS drop,
            CASE WHEN c.oid IS NULL THEN pg_get_indexdef(i.oid)
                 ELSE format('ALTER TABLE accounts ADD CONSTRAINT %I %s', c.conname, pg_get_constraintdef(c.oid)) END AS create
     FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid
     LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
     WHERE x.indrelid = 'accounts'::regclass AND NOT x.indisprimary AND (x.indpred IS NULL OR i.relname = 'accounts_holders_idx')
     ORDER BY i.relname`,
  );
  for (const index of indexes) await tx.query(index.drop);
  const result = await load();
  for (const index of indexes) await tx.query(index.create);
  return result;
}
