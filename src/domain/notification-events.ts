// The notification events: what the outbox stores (as `payload`) and the templates render. Plain JSON,
// so a row written by one version of seatsync can be read by the next. Times are ISO strings.
import type { HoldReason } from './hold.ts';
import type { AccountRef, ChangeReason, PoolUsage } from './types.ts';

/** The admin actions on one account (SPEC §5 `accounts block|unblock|protect|unprotect`). */
export const ADMIN_ACTIONS = ['block', 'unblock', 'protect', 'unprotect'] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

/**
 * What changed the seats, set where it starts: a sync run (src/sync/apply-run.ts) or an admin's action on
 * one account (src/sync/admin-actions.ts). Every consumer (emails, targets, audit) reads it from here.
 */
export type Occasion =
  | { readonly kind: 'run'; readonly runId: string }
  | {
      readonly kind: 'admin-action';
      /** Unique per action (dedupe keys of its emails and target rows). */
      readonly id: string;
      /** The admin: the API token's name, or the CLI user. */
      readonly actor: string;
      readonly action: AdminAction;
      readonly account: AccountRef;
    };

/** The id of a run or an admin action, unique among them. */
export function occasionId(occasion: Occasion): string {
  return occasion.kind === 'run' ? occasion.runId : occasion.id;
}

/** The run's id, or null for an admin action (the `runId` the emails and webhooks carry). */
export function runIdOf(occasion: Occasion): string | null {
  return occasion.kind === 'run' ? occasion.runId : null;
}

/**
 * Block reasons the emails tell apart: `seats` found no free seat, whatever made it ask (audit reason
 * `seats`, `profile-changed`, `directory-enabled` or `returned`: new, moved to a profile whose pools are
 * full, eligible again, or unblocked by an admin); the others lost a seat they held (`admin`: an admin
 * unprotected it, see shrink.ts).
 */
export type BlockReason = Extract<ChangeReason, 'seats' | 'pool-shrunk' | 'protected' | 'admin' | 'grace-expired'>;

export const BLOCK_REASONS: readonly BlockReason[] = ['protected', 'admin', 'pool-shrunk', 'grace-expired', 'seats'];

/** An account as the emails show it. */
export interface AccountLine {
  readonly id: number;
  readonly displayName: string | null;
  readonly username: string;
  readonly email: string | null;
  /** Pools the account waits for (blocked) or holds under grace. */
  readonly pools: readonly string[];
  /** ISO time the grace ends; only for grace accounts. */
  readonly graceUntil?: string | null;
  /** Newly blocked accounts: why (absent in events of older versions: `seats`). */
  readonly blockReason?: BlockReason;
  /** Blocked after holding a seat: ISO time it held it since (its activation); null when unknown. */
  readonly heldSince?: string | null;
  /** Newly blocked accounts: ISO time it waits since. */
  readonly waitingSince?: string | null;
  /** Blocked with reason `protected`: the protected account that took the seat. */
  readonly takenBy?: string | null;
}

export interface EventBase {
  readonly recipient: string;
  /** Unique per event; the outbox ignores a second event with the same key. */
  readonly dedupeKey: string;
  /** ISO time the event was planned. */
  readonly at: string;
  /** The run that caused the event; null for an admin action and for events of no run. */
  readonly runId: string | null;
  readonly source: string | null;
  /** What caused it (absent in events of older versions, and for events of no run or action). */
  readonly occasion?: Occasion;
}

export interface LimitExceededEvent extends EventBase {
  readonly kind: 'limit-exceeded';
  /** Every pool of this recipient, after the run. */
  readonly pools: readonly PoolUsage[];
  /** Pools the newly blocked / grace accounts are short of (named in the subject). */
  readonly shortPools: readonly string[];
  /** Newly blocked accounts, at most `MAX_ACCOUNTS_IN_EVENT` for each block reason; `blockedTotal` counts them all. */
  readonly blocked: readonly AccountLine[];
  readonly blockedTotal: number;
  /** `blockedTotal` by `blockReason` (absent in events of older versions: all `seats`). */
  readonly blockedByReason?: Readonly<Partial<Record<BlockReason, number>>>;
  readonly grace: readonly AccountLine[];
  readonly graceTotal: number;
}

export interface ReminderEvent extends EventBase {
  readonly kind: 'reminder';
  readonly pools: readonly PoolUsage[];
  /** Pools with waiting accounts. */
  readonly shortPools: readonly string[];
  /** ISO time of the last limit/reminder email to this recipient; null: none recorded. */
  readonly lastEmailAt: string | null;
}

export interface EarlyWarningEvent extends EventBase {
  readonly kind: 'early-warning';
  /** Fraction 0..1 (`0.9` for `90%`). */
  readonly warnAt: number;
  /** The pools that crossed `warnAt` in this run. */
  readonly pools: readonly PoolUsage[];
}

export interface SyncHeldEvent extends EventBase {
  readonly kind: 'sync-held';
  readonly source: string;
  readonly wouldDisable: number;
  readonly wouldRemove: number;
  /** Accounts of the source before the run. */
  readonly total: number;
  /** Most disables + removals one run may do (`policy.maxRemovals`); null: not reported. */
  readonly threshold: number | null;
  /** Why it was held (domain/hold.ts `holdReason`); an event stored without it is read by `syncHeldEventOf`. */
  readonly reason: HoldReason;
  /**
   * Reminders only (absent on the first email of a hold): the reminder's number in its hold (1, 2, …),
   * the ISO time of the hold's first held run and how many of its runs were held so far, this one included.
   */
  readonly reminder?: { readonly ordinal: number; readonly heldSince: string; readonly heldRuns: number };
}

/**
 * A stored sync-held event as this version reads it. Versions before `reason` stored two booleans instead
 * (`emptyResult`; `unidentified`, absent: false), and such events may still wait in the outbox.
 */
export function syncHeldEventOf(stored: Omit<SyncHeldEvent, 'reason'> & { readonly reason?: HoldReason; readonly emptyResult?: boolean; readonly unidentified?: boolean }): SyncHeldEvent {
  if (stored.reason !== undefined) return stored as SyncHeldEvent;
  const { emptyResult, unidentified, ...event } = stored;
  return { ...event, reason: emptyResult === true ? 'empty-read' : unidentified === true ? 'unidentified' : 'removals' };
}

export interface GraceExpiringEvent extends EventBase {
  readonly kind: 'grace-expiring';
  readonly pools: readonly PoolUsage[];
  readonly accounts: readonly AccountLine[];
  readonly accountsTotal: number;
}

/** A source has failed for `notify.failureAfter` (or again, `remindEvery` after the last such email). */
export interface SourceFailingEvent extends EventBase {
  readonly kind: 'source-failing';
  readonly source: string;
  /** ISO time of the first failed run of this outage. */
  readonly failingSince: string;
  /** Failed runs in a row so far. */
  readonly failures: number;
  readonly error: { readonly code: string | null; readonly message: string };
  /** ISO end of the last successful run; null: the source never synced. */
  readonly lastSuccessAt: string | null;
  /** True for the reminders that follow the first email of an outage. */
  readonly reminder: boolean;
}

/** A source that was reported failing synced again. */
export interface SourceRecoveredEvent extends EventBase {
  readonly kind: 'source-recovered';
  readonly source: string;
  readonly failingSince: string;
  /** Failed runs of the outage, as last counted. */
  readonly failures: number;
  /**
   * The run that read the directory again was held (SPEC rule 10): it ended the outage but applied
   * nothing. Absent in messages queued before this was recorded (they read as applied).
   */
  readonly held?: boolean;
}

export interface TestEvent extends EventBase {
  readonly kind: 'test';
}

/** One email to send, as stored in the outbox (`payload`); plain JSON. */
export type NotificationEvent =
  | LimitExceededEvent
  | ReminderEvent
  | EarlyWarningEvent
  | SyncHeldEvent
  | GraceExpiringEvent
  | SourceFailingEvent
  | SourceRecoveredEvent
  | TestEvent;

export type NotificationKind = NotificationEvent['kind'];

export const NOTIFICATION_KINDS: readonly NotificationKind[] = [
  'limit-exceeded',
  'reminder',
  'early-warning',
  'sync-held',
  'grace-expiring',
  'source-failing',
  'source-recovered',
  'test',
];

/** Persisted between runs (table `notify_state`). Times are epoch milliseconds. */
export interface NotifyState {
  /** Recipient (lowercased) → time of its last limit-exceeded or reminder email. */
  readonly lastLimitEmailAt: Readonly<Record<string, number>>;
  /** Pools whose early warning was sent and that have not fallen below `warnAt` since. */
  readonly warnedPools: readonly string[];
  /** Account id → grace end (epoch ms) already announced by a grace-expiring email. */
  readonly graceNotified: Readonly<Record<string, number>>;
}

/**
 * The emails of one source's current hold (SPEC rule 10), persisted between its held runs (table
 * `notify_state`, one row per source): only what the runs cannot tell. Since when the source is held and
 * how many of its runs were are read from `runs` (`runs.hold`). Times are epoch milliseconds, from the
 * runs' clock.
 */
export interface HoldNotices {
  /** The hold it belongs to: the source's last run that ended ok before it (null: none). */
  readonly lastOkRunId: string | null;
  /** When its last email (the first or a reminder) was queued. */
  readonly lastEmailAt: number;
  /** Reminders queued so far. */
  readonly reminders: number;
}

export const EMPTY_NOTIFY_STATE: NotifyState = { lastLimitEmailAt: {}, warnedPools: [], graceNotified: {} };
