// Folds what a read changed into the stored accounts before allocation: changed and returning users get
// their new directory facts, missing ones are marked absent. New users stay in the staging table and
// reach the allocation a slice at a time, in queue order, each as a SeatAccount with the temporary id
// −seq: a first sync of a million users never holds them all in memory.
import type { SeatAccount } from '../domain/types.ts';
import type { DeltaRow, StoredSeatAccount } from '../store/repositories.ts';

const NONE: readonly string[] = Object.freeze([]);

/** A staged user never seen before, as the allocation sees it. */
export function newcomerAccount(row: DeltaRow): SeatAccount {
  return {
    id: -row.seq,
    username: row.username,
    directoryCreatedAt: row.createdMs,
    present: true,
    enabled: row.enabled,
    profile: row.profile,
    suspended: false,
    protected: row.policyProtected,
    state: null,
    held: NONE,
    waitingFor: NONE,
    waitingSince: null,
    activatedAt: null,
    graceUntil: null,
  };
}

/** The stored accounts with this read's changes and absences applied (changed ones are copies). */
export function applyDirectoryDelta(
  stored: readonly StoredSeatAccount[],
  changed: ReadonlyMap<number, DeltaRow>,
  missingIds: readonly number[],
): SeatAccount[] {
  const missing = new Set(missingIds);
  return stored.map((account) => {
    const row = changed.get(account.id);
    if (row) {
      return {
        ...account,
        username: row.username,
        directoryCreatedAt: row.createdMs,
        present: true,
        enabled: row.enabled,
        profile: row.profile,
        protected: account.adminProtected || row.policyProtected,
      };
    }
    return missing.has(account.id) ? { ...account, present: false } : account;
  });
}
