// The seat decision (SPEC §2, rules 1–9): one pure, deterministic function of (accounts, pools,
// profiles, policy, now) returning a plan. It performs no I/O and reads no clock; the sync run applies
// the plan in one transaction.
//
// Semantics, in the order the steps run:
//
// 0. Frozen accounts (`SeatAccount.frozen`: the directory entry is present but was unreadable when last read)
//    keep their stored state exactly, whatever the rest says: the seats an active one holds count (as
//    overage under grace) but it is never blocked — a shrinking pool blocks the next newest holder that
//    is not frozen, and frozen holders alone above the seats stay, reported as overage; a blocked one
//    keeps its waitingSince and waitingFor, and admission passes it by (the seat goes to the next in the
//    queue). No change is ever recorded for a frozen account (classify.ts `freeze`).
// 1. Target per account (rule 7), checked in this order. Not present → `removed` (reason `removed`); no
//    profile, or one missing from `profilePools` → `removed` (`out-of-scope`); disabled in the
//    directory → `disabled` (`directory-disabled`); suspended by an admin → `suspended` (`admin`).
//    These hold nothing: held [], waitingFor [], waitingSince, activatedAt and graceUntil null.
//    An eligible account whose profile needs no pool → `active`, holding nothing.
// 2. Keepers (rule 6). An eligible `active` account without grace that holds every pool it needs keeps
//    those seats, unchanged run after run; seats in pools it no longer needs are released
//    (`profile-changed`, rule 8).
// 3. Requesters: eligible accounts needing seats they do not (regularly) hold, each with a waitingSince:
//    - `blocked` accounts keep theirs;
//    - grace holders (`active` with graceUntil) hold overage seats and wait, keeping theirs;
//    - accounts eligible again in this run (new, returned, re-enabled, unsuspended) wait from now;
//    - reservers: `active` accounts whose profile now needs pools they lack wait from now and keep the
//      seats they hold and still need until their turn (rule 8).
// 4. Protected requesters get their seats at once, full pool or not (reason `protected` when a pool was
//    full). Protected accounts are never blocked by these rules.
// 5. Shrink (rule 5): while a pool has more regular holders than seats, its non-protected holders are
//    blocked newest first (activatedAt desc, username desc, id desc; waiting from now), releasing all
//    their seats. The first ones a pool sheds make room for the protected accounts that took a seat in
//    it while it was full: one each, reason `protected`, `takenBy` naming that account; a holder an
//    admin has just unprotected (`unprotectedByAdmin`) lost its seat to that action: reason `admin`;
//    the rest were cut by a smaller pool: reason `pool-shrunk` (shrink.ts). Protected and frozen
//    holders alone above the seats stay, reported as overage.
//    A blocked holder asks again in the fill (a seat it freed in another pool may bring it back, with
//    no change recorded when it ends up holding what it held).
// 6. Fill (rules 2–4): requesters in queue order — waitingSince asc, directory creation asc (unknown
//    last), username asc, id asc — each activated only when EVERY pool it needs has a free regular seat;
//    one that does not fit keeps its place and later ones that fit go ahead. A reserver that cannot get
//    the rest at its turn releases everything; the released seats go to the earliest requesters that now
//    fit, and so on until nothing more is released (see fill.ts).
// 7. Grace (rule 9, policy.graceDays > 0). A requester that started waiting in this run (new, eligible
//    again, reserver) and found no seat becomes `active` with graceUntil = now + graceDays·24h (reason
//    `grace`, listed in graceStarted), holding its pools as overage, waitingFor [] and waitingSince = now
//    (its place in the queue while it waits for regular seats). A grace holder that gets regular seats
//    stays `active` without graceUntil; one whose profile changes keeps its graceUntil and holds the new
//    profile's pools as overage; one whose graceUntil ≤ now without regular seats is blocked
//    (`grace-expired`): older grace holders get free seats first, so the newest are the ones blocked.
//    Accounts already waiting before this run (or blocked by a shrinking pool) never get grace, so an
//    account gets at most one grace per wait.
// 8. The rest are `blocked`: hold nothing, waitingFor = their needed pools that are full at the end,
//    reason as below (or `protected` / `admin` / `pool-shrunk` / `grace-expired`). Those not blocked before
//    are in newlyBlocked.
//
// Reasons for activation name the event of this run that made the account ask: `new` (never allocated),
// `returned` (was removed), `directory-enabled` (was disabled), `admin` (was suspended),
// `profile-changed` (was active with another profile); accounts already waiting get `seats`. A block for
// want of a seat names the same event, but `seats` for a new or unsuspended account (finalize.ts
// `waitingReason`).
// activatedAt is when the account got the seats it holds: kept while it holds no new pool.
// Pools a profile names but `pools` lacks have 0 seats. Lists in states are sorted by pool name, and
// `changes` lists only accounts whose SeatState differs, so applying a plan and planning again at the same
// `now` yields no change (rule 11) and an unchanged directory writes nothing (rule 6).
//
// Cost: one pass over all accounts, allocation-free for unchanged ones; only requesters are sorted;
// counters are arrays indexed by pool. See bench/allocate.ts.
import { beginAllocation } from './allocator.ts';
import { neededPoolNames } from './pool-table.ts';
import { sameList } from './seat-state.ts';
import type { AllocationInput, AllocationPlan, SeatAccount } from './types.ts';

export { applyChanges } from './seat-state.ts';
export { DAY_MS } from './allocator.ts';

/** The allocation over every account at once: the allocator (allocator.ts) given them in one slice. */
export function allocate(input: AllocationInput): AllocationPlan {
  const allocation = beginAllocation(input);
  allocation.admit(input.accounts);
  const end = allocation.finish();
  if (end.kind !== 'planned') throw new Error('internal error: an allocation without settled keepers declined');
  return { ...end.step, pools: end.pools };
}

/**
 * Whether `account` is a settled keeper under these profiles: eligible, not protected, `active` without
 * grace, holding exactly the pools its profile needs and waiting for nothing. Such an account keeps its
 * seats unless a pool it holds has more holders than seats (rule 5), so a run may leave it out and pass
 * the allocator only a count per profile (`beginAllocation(…, { settled })`). The store pre-selects them
 * in SQL; test/integration/sync/settled-keepers.int.test.ts binds that SQL to this predicate.
 */
export function isSettledKeeper(account: SeatAccount, profilePools: ReadonlyMap<string, readonly string[]>): boolean {
  if (account.profile === null || !account.present || !account.enabled || account.suspended || account.protected) return false;
  if (account.state !== 'active' || account.graceUntil !== null || account.waitingSince !== null || account.waitingFor.length > 0) return false;
  const pools = profilePools.get(account.profile);
  if (pools === undefined) return false;
  const needed = neededPoolNames(pools);
  return needed.length > 0 && sameList(account.held, needed);
}
