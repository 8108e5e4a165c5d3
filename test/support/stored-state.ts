// What a sync left in the database, for tests that compare two databases run for run: the accounts
// (the given columns, by external id) and their audit rows (by account, in order).
import type { Database } from '../../src/store/db.ts';

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
