// Step 1 of the allocation: one pass over every account. Decides the accounts whose outcome does not
// depend on seats (removed, disabled, suspended, needing no pool), counts the seats kept by active
// accounts, and collects the requesters. Unchanged active accounts — nearly all of them, run after
// run — take the fast path: a few comparisons and a counter increment, no allocation.
import {
  addGrace,
  addRegular,
  type AllocationState,
  decideEarly,
  type Decision,
  type Requester,
  type RequesterKind,
} from './allocation-state.ts';
import type { ProfileNeeds } from './pool-table.ts';
import { hasSeatState, idleState, isIdle, sameList, seatStateOf } from './seat-state.ts';
import type { AccountState, ChangeReason, SeatAccount } from './types.ts';

export function classifyAccounts(s: AllocationState): void {
  const { accounts, profiles } = s;
  for (let index = 0; index < accounts.length; index++) {
    const account = accounts[index];
    if (account === undefined) continue;
    const needs = account.profile === null ? undefined : profiles.get(account.profile);
    if (account.frozen && account.state !== null) freeze(s, index, account);
    else if (!account.present) idle(s, index, account, 'removed', 'removed');
    else if (needs === undefined) idle(s, index, account, 'removed', 'out-of-scope');
    else if (!account.enabled) idle(s, index, account, 'disabled', 'directory-disabled');
    else if (account.suspended) idle(s, index, account, 'suspended', 'admin');
    else if (needs.pools.length === 0) needsNoPool(s, index, account);
    else if (account.state === 'active') classifyActive(s, index, account, needs);
    else if (account.state === 'blocked') {
      addRequester(s, index, account, needs, { kind: 'waiting', waitingSince: account.waitingSince ?? s.now });
    } else addRequester(s, index, account, needs, { kind: 'fresh', waitingSince: s.now });
  }
}

/**
 * An account whose directory entry was unreadable in this run keeps its stored state exactly: the seats it
 * holds count (regular, or overage under grace) but it is no keeper, so a shrinking pool never blocks it;
 * it is no requester, so a free seat goes to the next in the queue. Its decision is its stored state:
 * it changes nothing and, when blocked, still counts as waiting for its pools.
 */
function freeze(s: AllocationState, index: number, account: SeatAccount): void {
  const to = seatStateOf(account);
  if (to === null) return;
  if (to.state === 'active') {
    const held: number[] = [];
    for (const name of to.held) {
      const pool = s.table.indexOf.get(name);
      if (pool !== undefined) held.push(pool);
    }
    if (to.graceUntil === null) addRegular(s.table, held, 1);
    else addGrace(s.table, held, 1);
  }
  decideEarly(s, index, { to, reason: 'seats' });
}

// Shared, frozen decisions for idle states: a run removing a million accounts allocates none of these.
const idleDecisions = new Map<string, Decision>();

function idleDecision(state: AccountState, reason: ChangeReason): Decision {
  const key = `${state}/${reason}`;
  let decision = idleDecisions.get(key);
  if (decision === undefined) {
    decision = Object.freeze({ to: idleState(state), reason });
    idleDecisions.set(key, decision);
  }
  return decision;
}

/** Rule 7: disabled, removed and suspended accounts release their seats at once. */
function idle(s: AllocationState, index: number, account: SeatAccount, state: AccountState, reason: ChangeReason): void {
  if (!isIdle(account, state)) decideEarly(s, index, idleDecision(state, reason));
}

function needsNoPool(s: AllocationState, index: number, account: SeatAccount): void {
  const wasActive = account.state === 'active';
  const to = {
    state: 'active',
    held: [],
    waitingFor: [],
    waitingSince: null,
    activatedAt: wasActive ? account.activatedAt : s.now,
    graceUntil: null,
  } as const;
  if (hasSeatState(account, to)) return;
  const reason = account.state === 'blocked' ? 'profile-changed' : causeOf(account);
  decideEarly(s, index, { to, reason });
}

/**
 * An active account: keeps its seats when it holds every pool it needs (rule 6), releasing the ones its
 * profile no longer needs (rule 8). Otherwise it is a grace holder or a reserver, and asks in the queue.
 */
function classifyActive(s: AllocationState, index: number, account: SeatAccount, needs: ProfileNeeds): void {
  if (account.graceUntil !== null) {
    const waitingSince = account.waitingSince ?? account.activatedAt ?? s.now;
    addRequester(s, index, account, needs, { kind: 'grace', waitingSince });
    return;
  }
  const exact = sameList(account.held, needs.names);
  if (exact || needs.names.every((name) => account.held.includes(name))) {
    s.keepers[index] = 1;
    addRegular(s.table, needs.pools, 1);
    if (!exact || account.waitingFor.length > 0 || account.waitingSince !== null) {
      const to = {
        state: 'active',
        held: needs.names,
        waitingFor: [],
        waitingSince: null,
        activatedAt: account.activatedAt,
        graceUntil: null,
      } as const;
      const released = account.held.some((name) => !needs.names.includes(name));
      decideEarly(s, index, { to, reason: released ? 'profile-changed' : 'seats' });
    }
    return;
  }
  const reserved = needs.pools.filter((_, i) => account.held.includes(needs.names[i] ?? ''));
  addRequester(s, index, account, needs, { kind: 'reserver', waitingSince: s.now, reserved });
}

function addRequester(
  s: AllocationState,
  index: number,
  account: SeatAccount,
  needs: ProfileNeeds,
  options: { kind: RequesterKind; waitingSince: number; reserved?: readonly number[] },
): void {
  const requester: Requester = {
    index,
    account,
    needs,
    kind: options.kind,
    reserved: options.reserved ?? [],
    waitingSince: options.waitingSince,
    cause: causeOf(account),
    granted: false,
    decision: null,
    overfull: false,
    blockedBy: -1,
    takenBy: null,
    unprotected: false,
  };
  // Reserved seats are regular seats the account keeps while it waits, protected or not. Grace seats of
  // a protected account are not counted: it is about to get regular ones.
  addRegular(s.table, requester.reserved, 1);
  if (account.protected) {
    s.protectedRequesters.push(requester);
    return;
  }
  if (options.kind === 'grace') addGrace(s.table, needs.pools, 1);
  s.requesters.push(requester);
}

/**
 * The event of this run that made an account ask for seats: the reason recorded when it is activated,
 * and (but for `new` and `admin`) when it finds no free seat. Accounts that were already waiting are
 * activated because seats became free (`seats`).
 */
export function causeOf(account: SeatAccount): ChangeReason {
  switch (account.state) {
    case null:
      return 'new';
    case 'removed':
      return 'returned';
    case 'disabled':
      return 'directory-enabled';
    case 'suspended':
      return 'admin';
    case 'active':
      return account.graceUntil === null ? 'profile-changed' : 'seats';
    case 'blocked':
      return 'seats';
  }
}
