// Core vocabulary of seatsync. Pure types only: nothing here performs I/O.

/** Lifecycle of an account (SPEC §1). */
export type AccountState = 'active' | 'blocked' | 'suspended' | 'disabled' | 'removed';

export const ACCOUNT_STATES: readonly AccountState[] = ['active', 'blocked', 'suspended', 'disabled', 'removed'];

/** What names an account in commands and the API: any of these (resolveAccount, sync/admin-actions.ts). */
export const ACCOUNT_REFERENCE = 'id, username, email or directory id';

/** Why an account changed state; written to the audit log (SPEC rule 12). */
export type ChangeReason =
  | 'seats' // activated because a seat was free, or blocked because none was (new, or unblocked by an admin)
  | 'new' // first seen in the directory (and needs no seat, or got one)
  | 'directory-disabled'
  | 'directory-enabled' // enabled again: activated, or blocked when no seat is free
  | 'removed' // no longer returned by its source
  | 'out-of-scope' // returned, but matches no profile
  | 'returned' // back in the directory / in scope after being removed: activated, or blocked when no seat is free
  // Suspended, unsuspended, protected or unprotected by an admin; or blocked: an admin unprotected it
  // while it held a seat that protected accounts alone fill beyond the pool's seats.
  | 'admin'
  | 'pool-shrunk' // blocked because its pool was made smaller than its holders, newest first
  | 'profile-changed' // seats released or asked for; blocked when the new profile's pools cannot be had
  | 'grace' // activated without a free seat under the grace policy
  | 'grace-expired'
  // Activated although the pool was full, because the account is protected; or blocked (newest holder
  // first) because a protected account took the seat (`AccountChange.takenBy` names it).
  | 'protected';

/** A user as a directory source reports it. The source has already resolved group membership. */
export interface DirectoryUser {
  /** Stable id: objectGUID (canonical form) on AD, entryUUID on LDAP, object id on Entra, `id` in files. */
  readonly externalId: string;
  readonly username: string;
  readonly email: string | null;
  readonly displayName: string | null;
  /** Distinguished name where the source has one (LDAP, LDIF); used by `when: { dn: … }`. */
  readonly dn: string | null;
  readonly enabled: boolean;
  /** Creation time in the directory (whenCreated / createdDateTime / createTimestamp / createdAt). */
  readonly createdAt: Date | null;
  /**
   * Groups the user belongs to, transitively, as normalized group keys (see `normalizeGroupKey`).
   * A source only has to report the groups it was asked about (`SourceReadOptions.groupsOfInterest`),
   * but may report more.
   */
  readonly groups: readonly string[];
  /** Other attributes, multi-valued, keyed by attribute name as configured (case preserved). */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/** One seat pool (SPEC §1 "Pool"). */
export interface Pool {
  readonly name: string;
  readonly seats: number;
}

/** Matching rule of a profile or of `policy.protect`. All given parts must match (AND). */
export interface MatchRule {
  /** Group keys (DN, name or object id, normalized); the user must be a (transitive) member of any of them. */
  readonly memberOf?: readonly string[];
  /** DN suffixes (normalized); the user's DN must end with any of them. */
  readonly dn?: readonly string[];
  /** Attribute name → accepted values (case-insensitive); every named attribute must have one of its values. */
  readonly attribute?: Readonly<Record<string, readonly string[]>>;
}

export interface Profile {
  readonly name: string;
  /** Absent: matches every user (the usual last profile). */
  readonly when?: MatchRule;
  /** Pools this profile needs one seat in each; empty: may log in, uses no seat. */
  readonly pools: readonly string[];
}

export interface SeatPolicy {
  /** 0 disables grace (SPEC rule 9). */
  readonly graceDays: number;
}

/**
 * What the allocation needs to know about one account. `id` is the store's account id.
 * Timestamps are epoch milliseconds so a million of these stay small.
 */
export interface SeatAccount {
  readonly id: number;
  readonly username: string;
  /** Directory creation time (epoch ms), for ordering accounts that started waiting together. */
  readonly directoryCreatedAt: number | null;

  // --- what the directory and the admins say now ---
  /** False when the source no longer returns it (deleted or out of its scope). */
  readonly present: boolean;
  readonly enabled: boolean;
  /** Matched profile name; null: matches no profile (out of scope). */
  readonly profile: string | null;
  /** Admin suspension (SPEC "suspended"); survives directory changes until an admin unblocks. */
  readonly suspended: boolean;
  /** Protected by an admin or by `policy.protect`. */
  readonly protected: boolean;
  /**
   * An admin removed its protection in the action this allocation follows (sync/admin-actions.ts). A
   * seat it then loses to a pool over its seats is put down to that action (reason `admin`).
   */
  readonly unprotectedByAdmin?: boolean;
  /**
   * Its directory entry is present but unreadable: in this run's read, or in an earlier read of its
   * source that no read has returned it readable since: the account keeps its seat state exactly as
   * stored (never activated, never blocked; its seats count). Only stored accounts can be.
   */
  readonly frozen: boolean;

  // --- the seat state as stored ---
  readonly state: AccountState | null; // null: new account, never allocated
  /** Pools the account holds a seat in now. */
  readonly held: readonly string[];
  readonly waitingFor: readonly string[];
  readonly waitingSince: number | null;
  readonly activatedAt: number | null;
  readonly graceUntil: number | null;
}

/** The seat-related fields the allocation decides for an account. */
export interface SeatState {
  readonly state: AccountState;
  readonly held: readonly string[];
  readonly waitingFor: readonly string[];
  readonly waitingSince: number | null;
  readonly activatedAt: number | null;
  readonly graceUntil: number | null;
}

export interface AccountChange {
  readonly id: number;
  readonly username: string;
  readonly from: SeatState | null; // null: new account
  readonly to: SeatState;
  readonly reason: ChangeReason;
  /** Blocked with reason `protected`: the protected account that took the seat. */
  readonly takenBy?: AccountRef;
}

/** An account named in another's change; `id` is negative for an account new in this run (not stored yet). */
export interface AccountRef {
  readonly id: number;
  readonly username: string;
}

export interface PoolUsage {
  readonly name: string;
  readonly seats: number;
  /** Accounts holding a seat, grace and protected overage included. */
  readonly used: number;
  /** max(0, seats - used). */
  readonly available: number;
  /** Blocked accounts waiting for this pool. */
  readonly waiting: number;
  /** Holders beyond `seats` (protected accounts alone exceeding a shrunk pool, or grace). */
  readonly overage: number;
}

export interface AllocationInput {
  readonly now: number;
  readonly pools: readonly Pool[];
  /** Profile name → pools it needs. A profile missing here is treated as out of scope. */
  readonly profilePools: ReadonlyMap<string, readonly string[]>;
  readonly policy: SeatPolicy;
  readonly accounts: readonly SeatAccount[];
}

export interface AllocationPlan {
  /** Only accounts whose SeatState changes. Applying them and planning again yields no changes. */
  readonly changes: readonly AccountChange[];
  readonly pools: readonly PoolUsage[];
  /** Accounts blocked for lack of seats in this plan (for the limit-exceeded email). */
  readonly newlyBlocked: readonly number[];
  /** Accounts whose grace began in this plan. */
  readonly graceStarted: readonly number[];
}
