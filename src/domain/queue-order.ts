// The waiting queue's order (SPEC rule 3), in one place: the allocation sorts its requesters with it,
// and the explanation of why an account waits (explain.ts) ranks the stored waiting list with it, so
// the position an admin is shown is the one the next allocation uses.
import { compareText } from './pool-table.ts';

/** What the order looks at: a requester of the allocation fits this shape as it is. */
export interface QueuePlace {
  /** Epoch ms the account started waiting. */
  readonly waitingSince: number;
  readonly account: { readonly id: number; readonly username: string; readonly directoryCreatedAt: number | null };
}

/**
 * Queue order (rule 3): longest waiting first; among accounts that started waiting together, earlier
 * directory creation first (unknown creation last), then username, then id so the order is total.
 */
export function compareQueue(a: QueuePlace, b: QueuePlace): number {
  if (a.waitingSince !== b.waitingSince) return a.waitingSince - b.waitingSince;
  const ca = a.account.directoryCreatedAt;
  const cb = b.account.directoryCreatedAt;
  if (ca !== cb) {
    if (ca === null) return 1;
    if (cb === null) return -1;
    return ca - cb;
  }
  return compareText(a.account.username, b.account.username) || a.account.id - b.account.id;
}
