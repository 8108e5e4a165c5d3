// What a sync left in the database, for tests that compare two databases run for run: the accounts
// (the given columns, by external id) and their audit rows (by account, in order); and, for tests of
// what must write nothing, the marks any write would change.
import { openDatabase, type Database } from '../../src/store/db.ts';

export interface StoredState {
  readonly accounts: Record<string, unknown>[];
  readonly audit: Record<string, unknown>[];
}

export const STORED_SEAT_COLUMNS = ['external_id', 'username', 'state', 'held', 'waiting_for', 'waiting_since', 'activated_at', 'grace_until'] as const;
export const STORED_AUDIT_COLUMNS = ['from_state', 'to_state', 'reason', 'details'] as const;

export async function storedState(
  db: Pick<Database, 'query'>,
  columns: { accounts?: readonly string[]; audit?: readonly string[] } = {},
): Promise<StoredState> {
  const accounts = (columns.accounts ?? STORED_SEAT_COLUMNS).join(', ');
  const audit = (columns.audit ?? STORED_AUDIT_COLUMNS).map((c) => `au.${c}`).join(', ');
  return {
    accounts: (await db.query(`SELECT ${accounts} FROM accounts ORDER BY external_id`)).rows,
    audit: (
      await db.query(`SELECT a.external_id, ${audit} FROM audit au JOIN accounts a ON a.id = au.account_id ORDER BY a.external_id, au.id`)
    ).rows,
  };
}

/**
 * What a write to an embedded database would change, as one string to compare before and after: every
 * account row with its row version, the number of audit rows and runs, and the cursors' row versions.
 */
export async function writeMarks(dataDir: string): Promise<string> {
  const db = await openDatabase({ url: null, dataDir });
  try {
    const q = async (sql: string): Promise<string> => (await db.query<{ v: string | null }>(sql)).rows[0]?.v ?? '';
    return [
      await q(`SELECT string_agg(id::text || ':' || xmin::text || ':' || state, ',' ORDER BY id) AS v FROM accounts`),
      await q(`SELECT count(*)::text AS v FROM audit`),
      await q(`SELECT count(*)::text || '/' || coalesce(max(id), 0)::text AS v FROM runs`),
      await q(`SELECT string_agg(source || ':' || xmin::text, ',' ORDER BY source) AS v FROM source_cursors`),
    ].join(' | ');
  } finally {
    await db.close();
  }
}
