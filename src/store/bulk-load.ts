// A run that inserts many more accounts than `accounts` holds (a first sync) builds the table's
// secondary indexes once after its inserts instead of maintaining them row by row: measured on 100,000
// new accounts, 3.2 s of inserts with every index against 1.0 s without plus 0.9 s to build them
// (bench/ldap-sync.ts). The indexes are dropped and rebuilt inside the run's transaction, from their own
// definitions as the database holds them (so a later migration's index is rebuilt as it was made): a
// failed run rolls the drop back with everything else. While the run holds them dropped, `accounts` is
// locked for everyone else until it commits; that is a first sync's apply, seconds.
import type { Queryable } from './db.ts';

/** Bulk loading pays when the new accounts are at least this many … */
export const BULK_MIN_ROWS = 20_000;
/** … and at least this many times the accounts already stored. */
const BULK_MIN_RATIO = 2;

interface IndexDefinition {
  readonly name: string;
  /** `CREATE … INDEX …` or, for a constraint, `ALTER TABLE … ADD CONSTRAINT …`. */
  readonly create: string;
  /** `DROP INDEX …` or `ALTER TABLE … DROP CONSTRAINT …`. */
  readonly drop: string;
}

/** Whether inserting `newRows` accounts should go through `withoutSecondaryIndexes`. */
export async function bulkLoadPays(tx: Queryable, newRows: number): Promise<boolean> {
  if (newRows < BULK_MIN_ROWS) return false;
  // Counted up to the bound only: a big table answers as fast as a small one.
  const bound = Math.floor(newRows / BULK_MIN_RATIO);
  const result = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT 1 FROM accounts LIMIT $1) t', [bound]);
  return (result.rows[0]?.n ?? bound) < bound;
}

/**
 * Drops the secondary indexes of `accounts` (every one but the primary key; the unique constraint on
 * source and external id too), runs `load`, and builds them again. The primary key stays: the writes
 * in between find accounts by id.
 */
export async function withoutSecondaryIndexes<T>(tx: Queryable, load: () => Promise<T>): Promise<T> {
  const indexes = await secondaryIndexes(tx);
  for (const index of indexes) await tx.query(index.drop);
  const result = await load();
  for (const index of indexes) await tx.query(index.create);
  return result;
}

async function secondaryIndexes(tx: Queryable): Promise<IndexDefinition[]> {
  const result = await tx.query<{ name: string; constraint: string | null; definition: string }>(
    `SELECT i.relname AS name, c.conname AS constraint,
            coalesce(pg_get_constraintdef(c.oid), pg_get_indexdef(i.oid)) AS definition
     FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid
     LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
     WHERE x.indrelid = 'accounts'::regclass AND NOT x.indisprimary
     ORDER BY i.relname`,
  );
  return result.rows.map((row) =>
    row.constraint === null
      ? { name: row.name, create: row.definition, drop: `DROP INDEX ${quoteIdent(row.name)}` }
      : {
          name: row.name,
          create: `ALTER TABLE accounts ADD CONSTRAINT ${quoteIdent(row.constraint)} ${row.definition}`,
          drop: `ALTER TABLE accounts DROP CONSTRAINT ${quoteIdent(row.constraint)}`,
        },
  );
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
