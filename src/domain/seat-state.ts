// SeatState helpers: reading the stored state of an account, comparing states, applying a plan.
import type { AccountChange, AccountState, SeatAccount, SeatState } from './types.ts';

const NONE: readonly string[] = Object.freeze([]);

/** The stored seat state of an account; null for a new account that was never allocated. */
export function seatStateOf(account: SeatAccount): SeatState | null {
  if (account.state === null) return null;
  return {
    state: account.state,
    held: account.held,
    waitingFor: account.waitingFor,
    waitingSince: account.waitingSince,
    activatedAt: account.activatedAt,
    graceUntil: account.graceUntil,
  };
}

/** The state of an account that holds nothing and waits for nothing (removed, disabled, suspended). */
export function idleState(state: AccountState): SeatState {
  return Object.freeze({ state, held: NONE, waitingFor: NONE, waitingSince: null, activatedAt: null, graceUntil: null });
}

export function isIdle(account: SeatAccount, state: AccountState): boolean {
  return (
    account.state === state &&
    account.held.length === 0 &&
    account.waitingFor.length === 0 &&
    account.waitingSince === null &&
    account.activatedAt === null &&
    account.graceUntil === null
  );
}

export function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether the stored state of `account` equals `to`, lists compared in order (plans store them sorted). */
export function hasSeatState(account: SeatAccount, to: SeatState): boolean {
  return (
    account.state === to.state &&
    account.waitingSince === to.waitingSince &&
    account.activatedAt === to.activatedAt &&
    account.graceUntil === to.graceUntil &&
    sameList(account.held, to.held) &&
    sameList(account.waitingFor, to.waitingFor)
  );
}

/**
 * Returns the accounts with the plan's changes applied (what the store would hold after committing it).
 * Pure: unchanged accounts are returned as the same objects, changed ones as copies.
 */
export function applyChanges(accounts: readonly SeatAccount[], changes: readonly AccountChange[]): SeatAccount[] {
  const byId = new Map<number, SeatState>();
  for (const change of changes) byId.set(change.id, change.to);
  return accounts.map((account) => {
    const to = byId.get(account.id);
    if (to === undefined) return account;
    return {
      ...account,
      state: to.state,
      held: to.held,
      waitingFor: to.waitingFor,
      waitingSince: to.waitingSince,
      activatedAt: to.activatedAt,
      graceUntil: to.graceUntil,
    };
  });
}
