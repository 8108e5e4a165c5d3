// Step 5 of the allocation: turns each requester's outcome into its new SeatState (active, grace or
// blocked), then assembles the plan: changed accounts only, pool usage, newly blocked, grace started.
import {
  addGrace,
  type AllocationState,
  compareQueue,
  type Decision,
  regularOf,
  type Requester,
  seatsOf,
} from './allocation-state.ts';
import { grant } from './fill.ts';
import type { PoolTable } from './pool-table.ts';
import { hasSeatState, seatStateOf } from './seat-state.ts';
import type { AccountChange, AllocationPlan, ChangeReason, PoolUsage, SeatState } from './types.ts';

/**
 * Rule 2 for protected requesters: they get every seat they need, full pool or not (then rule 5). Each
 * seat taken in a full pool is noted in `seatsTaken`: the holder the pool sheds for it is blocked for
 * that protected account (reason `protected`), not for a smaller pool.
 */
export function activateProtected(s: AllocationState): void {
  s.protectedRequesters.sort(compareQueue);
  for (const requester of s.protectedRequesters) {
    const full = requester.needs.pools.filter((pool) => !requester.reserved.includes(pool) && regularOf(s.table, pool) >= seatsOf(s.table, pool));
    requester.overfull = full.length > 0;
    for (const pool of full) s.seatsTaken[pool]?.push(requester);
    grant(s.table, requester);
  }
}

export interface Outcomes {
  readonly newlyBlocked: Set<number>;
  readonly graceStarted: Set<number>;
}

export function decideRequesters(s: AllocationState): Outcomes {
  const outcomes: Outcomes = { newlyBlocked: new Set(), graceStarted: new Set() };
  for (const requester of [...s.protectedRequesters, ...s.requesters]) {
    if (requester.granted) requester.decision = activated(s, requester);
    else if (requester.kind === 'grace' && (requester.account.graceUntil ?? s.now) > s.now) {
      requester.decision = graceContinues(requester);
    } else if ((requester.kind === 'fresh' || requester.kind === 'reserver') && s.graceMs > 0) {
      // Rule 9: only an account that starts waiting in this run gets grace, so never twice per wait.
      requester.decision = graceStarts(s, requester);
      outcomes.graceStarted.add(requester.index);
    } else {
      requester.decision = blocked(s, requester);
      if (requester.account.state !== 'blocked') outcomes.newlyBlocked.add(requester.index);
    }
  }
  return outcomes;
}

const holdsAll = (held: readonly string[], names: readonly string[]): boolean =>
  names.every((name) => held.includes(name));

function activated(s: AllocationState, r: Requester): Decision {
  const { account } = r;
  // activatedAt is when the account got the seats it now holds: kept when it holds no new pool.
  const keepsSeats = account.state === 'active' && account.activatedAt !== null && holdsAll(account.held, r.needs.names);
  return {
    to: active(r.needs.names, { activatedAt: keepsSeats ? account.activatedAt : s.now }),
    reason: r.overfull ? 'protected' : r.cause,
  };
}

/** A grace holder without a regular seat, grace not over: same end; its pools follow its profile. */
function graceContinues(r: Requester): Decision {
  const { account } = r;
  const to = active(r.needs.names, {
    activatedAt: account.activatedAt ?? r.waitingSince,
    waitingSince: r.waitingSince,
    graceUntil: account.graceUntil ?? r.waitingSince,
  });
  const samePools = account.held.length === r.needs.names.length && holdsAll(account.held, r.needs.names);
  return { to, reason: samePools ? 'seats' : 'profile-changed' };
}

function graceStarts(s: AllocationState, r: Requester): Decision {
  addGrace(s.table, r.needs.pools, 1);
  const to = active(r.needs.names, { activatedAt: s.now, waitingSince: s.now, graceUntil: s.now + s.graceMs });
  return { to, reason: 'grace' };
}

/** The blocked state of `r`; `takenBy` and `unprotected` matter only to a shrunk holder (a newcomer has neither). */
export function blocked(
  s: Pick<AllocationState, 'table'>,
  r: Pick<Requester, 'kind' | 'needs' | 'waitingSince' | 'cause'> & Partial<Pick<Requester, 'takenBy' | 'unprotected'>>,
): Decision {
  if (r.kind === 'grace') addGrace(s.table, r.needs.pools, -1);
  const to: SeatState = {
    state: 'blocked',
    held: [],
    waitingFor: fullPools(s.table, r),
    waitingSince: r.waitingSince,
    activatedAt: null,
    graceUntil: null,
  };
  // Why a shrunk holder lost its seat is decided in shrink.ts.
  if (r.kind === 'shrunk' && r.takenBy) return { to, reason: 'protected', takenBy: r.takenBy };
  if (r.kind === 'shrunk' && r.unprotected) return { to, reason: 'admin' };
  if (r.kind === 'shrunk') return { to, reason: 'pool-shrunk' };
  return { to, reason: r.kind === 'grace' ? 'grace-expired' : waitingReason(r.cause) };
}

/**
 * Why a requester that found no free seat is blocked: the directory change that made it ask, as its
 * activation would name it (`profile-changed`, `directory-enabled`, `returned`); else `seats` (new, already
 * waiting, or unblocked by an admin: that action has its own audit row, and `admin` on a block means a
 * seat lost to an unprotect).
 */
function waitingReason(cause: ChangeReason): ChangeReason {
  return cause === 'profile-changed' || cause === 'directory-enabled' || cause === 'returned' ? cause : 'seats';
}

function active(
  held: readonly string[],
  times: { activatedAt: number | null; waitingSince?: number; graceUntil?: number },
): SeatState {
  return {
    state: 'active',
    held,
    waitingFor: [],
    waitingSince: times.waitingSince ?? null,
    activatedAt: times.activatedAt,
    graceUntil: times.graceUntil ?? null,
  };
}

/** Needed pools without a free regular seat at the end of the allocation, by name. */
function fullPools(table: PoolTable, r: Pick<Requester, 'needs'>): string[] {
  const names: string[] = [];
  r.needs.pools.forEach((pool, i) => {
    const name = r.needs.names[i];
    if (name !== undefined && regularOf(table, pool) >= seatsOf(table, pool)) names.push(name);
  });
  return names;
}

export function buildPlan(s: AllocationState, outcomes: Outcomes): AllocationPlan {
  const changes: AccountChange[] = [];
  const newlyBlocked: number[] = [];
  const graceStarted: number[] = [];
  const waiting = s.table.names.map(() => 0);
  const emit = (index: number, decision: Decision): void => {
    const account = s.accounts[index];
    if (account === undefined) return;
    if (decision.to.state === 'blocked') countWaiting(s.table, decision.to.waitingFor, waiting);
    if (hasSeatState(account, decision.to)) return;
    const { to, reason, takenBy } = decision;
    const change: AccountChange = { id: account.id, username: account.username, from: seatStateOf(account), to, reason };
    changes.push(takenBy === undefined ? change : { ...change, takenBy: { id: takenBy.account.id, username: takenBy.account.username } });
    if (outcomes.newlyBlocked.has(index)) newlyBlocked.push(account.id);
    if (outcomes.graceStarted.has(index)) graceStarted.push(account.id);
  };
  // Merge early decisions (already in account order) with the requesters' (sorted here), so changes come
  // out in account order; a requester's decision replaces an early one for the same account.
  const late = [...s.protectedRequesters, ...s.requesters].sort((a, b) => a.index - b.index);
  const { indices, decisions } = s.early;
  let next = 0;
  const emitEarlyBefore = (limit: number): void => {
    for (; next < indices.length && (indices[next] ?? limit) < limit; next++) {
      const decision = decisions[next];
      if (decision !== undefined) emit(indices[next] ?? -1, decision);
    }
  };
  for (const requester of late) {
    emitEarlyBefore(requester.index);
    if (indices[next] === requester.index) next++;
    if (requester.decision !== null) emit(requester.index, requester.decision);
  }
  emitEarlyBefore(Number.POSITIVE_INFINITY);
  return { changes, pools: poolUsage(s.table, waiting), newlyBlocked, graceStarted };
}

export function countWaiting(table: PoolTable, waitingFor: readonly string[], waiting: number[]): void {
  for (const name of waitingFor) {
    const pool = table.indexOf.get(name);
    if (pool !== undefined) waiting[pool] = (waiting[pool] ?? 0) + 1;
  }
}

export function poolUsage(table: PoolTable, waiting: readonly number[]): PoolUsage[] {
  return table.names.map((name, pool) => {
    const seats = table.seats[pool] ?? 0;
    const used = (table.regular[pool] ?? 0) + (table.grace[pool] ?? 0);
    return {
      name,
      seats,
      used,
      available: Math.max(0, seats - used),
      waiting: waiting[pool] ?? 0,
      overage: Math.max(0, used - seats),
    };
  });
}
