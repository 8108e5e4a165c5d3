// The admin flags of one account (SPEC §5 `accounts block|unblock|protect|unprotect`): read under a row
// lock and written in the caller's transaction, which also holds the seat lock.
import type { AccountState } from '../domain/types.ts';
import type { Queryable } from './db.ts';

/** `suspended` is set by block/unblock, `adminProtected` by protect/unprotect. */
export type AdminFlag = 'suspended' | 'adminProtected';

const COLUMN: Record<AdminFlag, 'suspended' | 'admin_protected'> = { suspended: 'suspended', adminProtected: 'admin_protected' };

export interface AdminFlags {
  readonly suspended: boolean;
  readonly adminProtected: boolean;
  readonly state: AccountState;
}

/** The account's flags and state, its row locked until the transaction ends; null when it is gone. */
export async function lockAdminFlags(tx: Queryable, accountId: number): Promise<AdminFlags | null> {
  const result = await tx.query<{ suspended: boolean; admin_protected: boolean; state: AccountState }>(
    'SELECT suspended, admin_protected, state FROM accounts WHERE id = $1 FOR UPDATE',
    [accountId],
  );
  const row = result.rows[0];
  return row === undefined ? null : { suspended: row.suspended, adminProtected: row.admin_protected, state: row.state };
}

export async function setAdminFlag(tx: Queryable, accountId: number, flag: AdminFlag, value: boolean): Promise<void> {
  await tx.query(`UPDATE accounts SET ${COLUMN[flag]} = $2, updated_at = now() WHERE id = $1`, [accountId, value]);
}
