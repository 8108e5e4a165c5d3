// A new user as the allocation sees it, before it has an account: built by the read (for its queue key,
// `readIntoStaging`) and by the apply (from the staged row, with that key). Apart from both, so that the
// read does not depend on the apply.
import type { QueuedAccount } from '../domain/queue-order.ts';
import { isProtected } from '../domain/protection.ts';
import type { SeatAccount } from '../domain/types.ts';
import type { DeltaRow } from '../store/repositories.ts';

const NONE: readonly string[] = Object.freeze([]);

/**
 * A staged user never seen before, as the allocation sees it (temporary id −seq). New users reach it a
 * slice at a time, in queue order: a first sync of a million users never holds them all in memory.
 * The read builds one to compute the user's queue key (`readIntoStaging`), before the user has a key.
 */
export function newcomerAccount(row: Omit<DeltaRow, 'queueKey'>): SeatAccount {
  return {
    id: -row.seq,
    username: row.username,
    directoryCreatedAt: row.createdMs,
    present: true,
    enabled: row.enabled,
    profile: row.profile,
    suspended: false,
    // No admin has protected an account that does not exist yet.
    protected: isProtected({ adminProtected: false, policyProtected: row.policyProtected }),
    frozen: false,
    state: null,
    held: NONE,
    waitingFor: NONE,
    waitingSince: null,
    activatedAt: null,
    graceUntil: null,
  };
}

/** A new user's row with the queue key the read staged it with: what the allocation queues it by. */
export function queuedNewcomer(row: DeltaRow): QueuedAccount {
  // Only a user staged as changed has no key; one found new here would be an account deleted since the read.
  if (row.queueKey === null) throw new Error(`internal error: a new user was staged without a queue key (seq ${row.seq})`);
  return { account: newcomerAccount(row), queueKey: row.queueKey };
}
