// Working state of one allocation: what `classify`, `shrink`, `fill` and `finalize` share. Internal to
// the domain; the public result is the AllocationPlan.
import { compareText, type PoolTable, type ProfileNeeds } from './pool-table.ts';
import type { ChangeReason, SeatAccount, SeatState } from './types.ts';

export { compareQueue } from './queue-order.ts';

/**
 * Why an account asks for seats in this run; decides its place in the queue and whether it may start a
 * grace period.
 */
export type RequesterKind =
  | 'waiting' // blocked before this run: keeps its waitingSince
  | 'grace' // active under grace: holds overage seats and waits for regular ones
  | 'fresh' // eligible again in this run (new, returned, re-enabled, unsuspended): waits from now
  | 'reserver' // active, but its profile now needs pools it lacks: keeps the still-needed seats till its turn
  | 'shrunk'; // lost its seats to a shrinking pool in this run

export interface Requester {
  /** Position of the account in `AllocationInput.accounts`. */
  readonly index: number;
  readonly account: SeatAccount;
  readonly needs: ProfileNeeds;
  kind: RequesterKind;
  /** Pool indices it keeps as regular seats while it waits (reservers only). */
  reserved: readonly number[];
  waitingSince: number;
  /** The event that made it ask: the reason written when the run activates it, or blocks it (finalize.ts `waitingReason`). */
  readonly cause: ChangeReason;
  /** Outcome so far: true once it holds a regular seat in every pool it needs. */
  granted: boolean;
  /** Its new state, set at the end. Wins over an early decision for the same account (a shrunk keeper). */
  decision: Decision | null;
  /** Protected and activated although a pool was full. */
  overfull: boolean;
  /** A pool that was full when it was last checked (its "witness"); -1 when not waiting. */
  blockedBy: number;
  /** Shrunk only: the protected requester whose seat it gave up (rule 5, reason `protected`); else null. */
  takenBy: Requester | null;
  /** Shrunk only: it lost its seat because an admin unprotected it (reason `admin`, see shrink.ts). */
  unprotected: boolean;
}

export interface Decision {
  readonly to: SeatState;
  readonly reason: ChangeReason;
  readonly takenBy?: Requester;
}

export interface AllocationState {
  readonly now: number;
  readonly graceMs: number;
  readonly table: PoolTable;
  readonly profiles: ReadonlyMap<string, ProfileNeeds>;
  readonly accounts: readonly SeatAccount[];
  /**
   * Decisions taken in the first pass, in increasing account index (at most one per account): parallel
   * arrays rather than a Map, because a run that removes a million accounts decides a million of them.
   */
  readonly early: { readonly indices: number[]; readonly decisions: Decision[] };
  /** Non-protected requesters, queued by `fill`. */
  readonly requesters: Requester[];
  /** Protected requesters: activated regardless of free seats. */
  readonly protectedRequesters: Requester[];
  /**
   * Per pool index, the protected requesters that took a seat in it while it was full, in queue order:
   * the holders the pool then sheds first (newest first) are blocked for them (reason `protected`).
   */
  readonly seatsTaken: Requester[][];
  /** 1 for accounts that keep the seats they hold (the only shrink candidates besides reservers). */
  readonly keepers: Uint8Array;
}

export function decideEarly(s: AllocationState, index: number, decision: Decision): void {
  s.early.indices.push(index);
  s.early.decisions.push(decision);
}

export function seatsOf(table: PoolTable, pool: number): number {
  return table.seats[pool] ?? 0;
}

export function regularOf(table: PoolTable, pool: number): number {
  return table.regular[pool] ?? 0;
}

export function addRegular(table: PoolTable, pools: readonly number[], delta: number): void {
  for (const pool of pools) table.regular[pool] = regularOf(table, pool) + delta;
}

export function addGrace(table: PoolTable, pools: readonly number[], delta: number): void {
  for (const pool of pools) table.grace[pool] = (table.grace[pool] ?? 0) + delta;
}

/**
 * Shrink order (rule 5): most recently activated first, then username and id descending so the order is
 * total. An unknown activation time counts as the oldest.
 */
export function compareNewestFirst(a: SeatAccount, b: SeatAccount): number {
  const ta = a.activatedAt ?? Number.NEGATIVE_INFINITY;
  const tb = b.activatedAt ?? Number.NEGATIVE_INFINITY;
  if (ta !== tb) return ta > tb ? -1 : 1;
  return compareText(b.username, a.username) || b.id - a.id;
}
