// Folds what a read changed into the stored accounts before allocation: changed and returning users get
// their new directory facts, missing ones are marked absent, those whose entries were present but
// unreadable are frozen (their seat state kept exactly). New users stay in the staging table and reach
// the allocation a slice at a time, in queue order, each as a SeatAccount with the temporary id −seq: a
// first sync of a million users never holds them all in memory.
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
    frozen: false,
    state: null,
    held: NONE,
    waitingFor: NONE,
    waitingSince: null,
    activatedAt: null,
    graceUntil: null,
  };
}

/** What a read says of the stored accounts. */
export interface DirectoryDelta {
  /** Staged rows of accounts that changed or came back, by account id. */
  readonly changed: ReadonlyMap<number, DeltaRow>;
  /** Accounts the read no longer returns. */
  readonly missingIds: readonly number[];
  /** Accounts whose entries were present but unreadable: frozen, their seat state kept exactly. */
  readonly frozenIds: readonly number[];
}

/** The stored accounts with this read's changes, absences and unreadable entries applied (changed ones are copies). */
export function applyDirectoryDelta(stored: readonly StoredSeatAccount[], delta: DirectoryDelta): SeatAccount[] {
  const { changed } = delta;
  const missing = new Set(delta.missingIds);
  const frozen = new Set(delta.frozenIds);
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
    if (missing.has(account.id)) return { ...account, present: false };
    return frozen.has(account.id) ? { ...account, frozen: true } : account;
  });
}
