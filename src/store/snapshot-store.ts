// The store side of a run's snapshot (sync/source-snapshot.ts): the present accounts of a source, whole
// or by external id, read before the run's transaction.
import { batches } from './cursor.ts';
import type { Queryable } from './db.ts';

/**
 * The present accounts of a source (id, external id, data hash), a batch at a time through a cursor in
 * the caller's transaction (a short one of its own, before the run's; a keyset scan took twice as long).
 */
export async function forEachPresentAccount(
  tx: Queryable,
  source: string,
  visit: (id: number, externalId: string, dataHash: string) => void,
): Promise<void> {
  const rows = batches<{ id: number; external_id: string; data_hash: string }>(tx, {
    name: 'present_accounts',
    select: 'SELECT id, external_id, data_hash FROM accounts WHERE source = $1 AND present',
    params: [source],
    batchRows: 50_000,
  });
  for await (const batch of rows) for (const row of batch) visit(row.id, row.external_id, row.data_hash);
}

/** Whether a source has any present account (a first sync has none: nothing to look up). */
export async function hasPresentAccounts(conn: Queryable, source: string): Promise<boolean> {
  const result = await conn.query('SELECT 1 FROM accounts WHERE source = $1 AND present LIMIT 1', [source]);
  return result.rows.length > 0;
}

/** The present accounts of a source among these external ids (id and data hash by external id). */
export async function lookupPresentAccounts(
  conn: Queryable,
  options: { source: string; externalIds: readonly string[] },
): Promise<Map<string, { id: number; dataHash: string }>> {
  if (options.externalIds.length === 0) return new Map();
  // One index probe per id, whatever the statistics say (right after a first sync the planner may still
  // think `accounts` is empty and scan it whole; LIMIT keeps the lateral subquery from being flattened).
  const result = await conn.query<{ id: number; external_id: string; data_hash: string }>(
    `SELECT a.id, a.external_id, a.data_hash FROM unnest($2::text[]) AS u(external_id),
       LATERAL (SELECT id, external_id, data_hash FROM accounts WHERE source = $1 AND external_id = u.external_id AND present LIMIT 1) a`,
    [options.source, options.externalIds],
  );
  return new Map(result.rows.map((r) => [r.external_id, { id: r.id, dataHash: r.data_hash }]));
}

/** Ids of the source's present accounts other than `seenIds`. */
export async function presentAccountsExcept(conn: Queryable, options: { source: string; seenIds: readonly number[] }): Promise<number[]> {
  const result = await conn.query<{ id: number }>(
    'SELECT id FROM accounts WHERE source = $1 AND present AND NOT (id = ANY($2::int[]))',
    [options.source, options.seenIds],
  );
  return result.rows.map((r) => r.id);
}
