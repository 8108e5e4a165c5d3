// Why an account is in its state (`seatsync explain`, `GET /api/v1/accounts/{id}/explain`, the
// console's account page): the profile that chose its pools and the rule that matched, the seats it
// holds or awaits, its protection, and its place in the queue. Pure: the caller reads the facts.
import type { QueueStanding } from './waiting-queue.ts';
import { ADMIN_ACTIONS, type AdminAction } from './notification-events.ts';
import type { AccountState, ChangeReason, MatchRule } from './types.ts';

export interface AccountFacts {
  readonly state: AccountState;
  readonly profile: string | null;
  /** False when its source no longer returns it. */
  readonly present: boolean;
  readonly protectedBy: { readonly admin: boolean; readonly policy: boolean };
  readonly held: readonly string[];
  readonly waitingFor: readonly string[];
  /** ISO 8601 or null. */
  readonly graceUntil: string | null;
  /** Blocked accounts: the audit entry that made it wait (its last change into `blocked`), when kept. */
  readonly blockedBy?: BlockEntry | null;
  /**
   * Frozen: the source whose last read found the account's entry present but unreadable. Its seat state is
   * kept exactly until a read returns the entry readable or finds it gone; null or absent when not frozen.
   */
  readonly unreadableAt?: string | null;
}

/** The audit entry of a change into `blocked`. */
export interface BlockEntry {
  readonly reason: string;
  /** The state before (`suspended`: an admin unblocked it). */
  readonly from: string | null;
  /** ISO 8601. */
  readonly at: string;
  readonly actor: string;
  /** Reason `protected`: the protected account that took the seat. */
  readonly takenBy: string | null;
}

export interface ExplainedProfile {
  readonly name: string;
  /** 1-based place among the configured profiles (the first that matches wins). */
  readonly position: number;
  readonly of: number;
  readonly rule: string;
  readonly pools: readonly string[];
}

export interface Explanation {
  readonly state: AccountState;
  readonly summary: string;
  /** Null when the account matches no profile, or its profile is no longer configured. */
  readonly profile: ExplainedProfile | null;
  readonly protectedBy: AccountFacts['protectedBy'];
  readonly held: readonly string[];
  readonly waitingFor: readonly string[];
  /** Blocked accounts only. */
  readonly queue: QueueStanding | null;
}

export interface ExplainableProfile {
  readonly name: string;
  readonly when?: MatchRule | null | undefined;
  readonly pools: readonly string[];
}

export function explainAccount(facts: AccountFacts, context: { profiles: readonly ExplainableProfile[]; standing: QueueStanding | null }): Explanation {
  const index = facts.profile === null ? -1 : context.profiles.findIndex((p) => p.name === facts.profile);
  const matched = context.profiles[index];
  const profile: ExplainedProfile | null = matched
    ? { name: matched.name, position: index + 1, of: context.profiles.length, rule: describeRule(matched.when ?? null), pools: matched.pools }
    : null;
  const standing = facts.state === 'blocked' ? context.standing : null;
  return {
    state: facts.state,
    summary: frozenPrefix(facts) + summaryOf(facts, standing),
    profile,
    protectedBy: facts.protectedBy,
    held: facts.held,
    waitingFor: facts.waitingFor,
    queue: standing,
  };
}

function summaryOf(facts: AccountFacts, standing: QueueStanding | null): string {
  switch (facts.state) {
    case 'active': {
      const seats = facts.held.length === 0 ? 'active; its profile needs no seat' : `active: holds a seat in ${facts.held.join(', ')}`;
      const grace = facts.graceUntil ? `; on grace until ${facts.graceUntil} (no free seat: counted as overage until one frees up)` : '';
      return `${seats}${grace}${protectionOf(facts)}`;
    }
    case 'blocked': {
      const cause = facts.blockedBy ? blockCause(facts.blockedBy) : null;
      return `${cause ? `${cause}; ` : ''}waiting for a seat: ${standing?.summary ?? `waits for ${facts.waitingFor.join(', ')}`}`;
    }
    case 'suspended':
      return 'blocked by an admin: holds no seat and is never activated automatically; unblock it to let it wait for a seat';
    case 'disabled':
      return 'disabled in the directory: holds no seat';
    case 'removed':
      return facts.present
        ? 'matches no profile (out of scope): holds no seat'
        : 'no longer returned by its source (deleted, or out of the source\'s scope): holds no seat';
  }
}

/**
 * Why the account's state is not the allocation's to change now: its entry was unreadable (a waiting
 * account is passed over, a holder keeps its seat). Empty when it is not frozen.
 */
function frozenPrefix(facts: AccountFacts): string {
  if (!facts.unreadableAt) return '';
  return `its directory entry could not be read at the last read of ${facts.unreadableAt}: its seat state is kept as it is until the entry is read again (the run report and the log name the attribute); `;
}

/** Why a blocked account waits, from the entry that blocked it; null for the usual "found no free seat". */
function blockCause(entry: BlockEntry): string | null {
  switch (entry.reason) {
    case 'protected':
      return `lost its seat on ${entry.at} to ${entry.takenBy ? `the protected account ${entry.takenBy}` : 'a protected account'}, which took it while the pool was full (the newest holder steps back)`;
    case 'admin':
      return `lost its seat on ${entry.at} when ${entry.actor} unprotected it: protected accounts alone fill the pool beyond its seats, so it held that seat only as a protected account`;
    case 'pool-shrunk':
      return `lost its seat on ${entry.at}: the pool was made smaller than its holders, and the newest holders step back first`;
    case 'grace-expired':
      return `its grace period ended on ${entry.at} without a free seat`;
    case 'profile-changed':
      return `its profile (or the pools it needs) changed on ${entry.at}, to one needing a pool with no free seat`;
    case 'directory-enabled':
      return `enabled again in the directory on ${entry.at}, but no seat was free`;
    case 'returned':
      return `back in the directory on ${entry.at}, but no seat was free`;
    default:
      return entry.from === 'suspended' ? `unblocked by ${entry.actor} on ${entry.at}, but no seat was free` : null;
  }
}

function protectionOf(facts: AccountFacts): string {
  const by = [facts.protectedBy.admin ? 'an admin' : null, facts.protectedBy.policy ? 'policy.protect' : null].filter((b) => b !== null);
  return by.length === 0 ? '' : `; protected by ${by.join(' and ')}: never blocked by the automatic rules`;
}

/** Every reason an audit entry may give (SPEC rule 12): a run's or a config change's, and an admin's action. */
const REASONS: Readonly<Record<ChangeReason | AdminAction, true>> = {
  new: true, seats: true, 'directory-disabled': true, 'directory-enabled': true, removed: true, 'out-of-scope': true, returned: true,
  admin: true, 'pool-shrunk': true, 'profile-changed': true, grace: true, 'grace-expired': true, protected: true,
  block: true, unblock: true, protect: true, unprotect: true,
};
export const AUDIT_REASONS = Object.keys(REASONS) as readonly (ChangeReason | AdminAction)[];

/** An audit entry as a row people read (the CLI's `audit` and `explain`, the console's history tables). */
export interface AuditLine {
  /** `new` for an account's first entry; empty for an admin action, which changes no state itself. */
  readonly from: string;
  readonly to: string;
  /** With the admin's words, or the protected account that took the seat. */
  readonly reason: string;
}

/**
 * An audit entry as people read it. An admin action's own entry is stored with from = to (the state it
 * found), which would read as "active → active block", a change that did nothing: it is shown as the
 * action, without states; the seat changes it causes follow as entries of their own (reason `admin`).
 */
export function auditLine(entry: {
  readonly from: string | null; readonly to: string | null; readonly reason: string; readonly comment: string | null; readonly takenBy: string | null;
}): AuditLine {
  if ((ADMIN_ACTIONS as readonly string[]).includes(entry.reason)) {
    return { from: '', to: '', reason: `${entry.reason} (admin action)${entry.comment ? `: ${entry.comment}` : ''}` };
  }
  const reason = entry.comment ? `${entry.reason}: ${entry.comment}` : entry.takenBy ? `${entry.reason}: seat taken by ${entry.takenBy}` : entry.reason;
  return { from: entry.from ?? 'new', to: entry.to ?? '', reason };
}

/** A profile's `when` as a sentence (all parts must match). */
export function describeRule(rule: MatchRule | null): string {
  if (rule === null) return 'no condition: every user no earlier profile matched';
  const parts: string[] = [];
  if (rule.memberOf) parts.push(`member of ${anyOf(rule.memberOf)}`);
  if (rule.dn) parts.push(`DN under ${anyOf(rule.dn)}`);
  for (const [name, values] of Object.entries(rule.attribute ?? {})) parts.push(`${name} is ${anyOf(values)}`);
  return parts.length === 0 ? 'no condition: every user no earlier profile matched' : parts.join(' and ');
}

function anyOf(values: readonly string[]): string {
  return values.length === 1 ? `"${values[0]}"` : `any of ${values.map((v) => `"${v}"`).join(', ')}`;
}
