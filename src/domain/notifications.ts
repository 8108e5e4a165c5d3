// Which emails a run causes (SPEC §3), as one pure function of the run's outcome and the persisted
// notification state. The sync calls `planNotifications` inside its transaction, enqueues the events in
// the outbox and saves the returned state in the same transaction; a deliverer sends them later.
//
// Rules, per recipient (`notify.to`, or a pool's own `notify` address for that pool's part):
// - limit-exceeded: the run blocked ≥ 1 account for lack of seats, or started grace for one (grace
//   is "over the limit, seven days to buy more": the responsible person must hear it on day one).
//   One event per recipient per run; it lists the recipient's pools and the accounts concerned.
// - reminder: nobody new for this recipient, accounts still wait in its full pools, and `remindEveryMs`
//   has passed since its last limit/reminder email (or it never got one). Off when `remindEveryMs` is null.
// - early-warning: a pool's used/seats reached `warnAt` while armed; disarmed until it falls below.
//   Pools with 0 seats never warn. A pool reported by the same run's limit email is disarmed silently.
// - sync-held: to `notify.to` (SPEC rule 10), once per hold (the source and its last ok run); then, while
//   the source's runs stay held, a reminder at most every `remindEveryMs` since the hold's last email (off
//   when null), numbered within its hold.
// - grace-expiring: accounts whose grace ends within `graceWarnMs` (default 24 h), once per account
//   and grace end.
// Every event has a deterministic `dedupeKey` (`<kind>:<occasion id>:<recipient>`: the run's id, or the
// admin action's), so the outbox keeps one row even if the same run is applied twice.
import {
  BLOCK_REASONS,
  type AccountLine,
  type BlockReason,
  type EarlyWarningEvent,
  type EventBase,
  type HoldNotices,
  type GraceExpiringEvent,
  type LimitExceededEvent,
  type NotificationEvent,
  type NotifyState,
  type ReminderEvent,
  type SyncHeldEvent,
  type Occasion,
  occasionId,
  runIdOf,
  type TestEvent,
} from './notification-events.ts';
import type { HoldReason } from './hold.ts';
import { isoOrNull } from './iso-time.ts';
import type { AccountChange, AllocationPlan, PoolUsage } from './types.ts';

export * from './notification-events.ts';

export interface NotifyRules {
  /** `notify.to`. */
  readonly notifyTo: string;
  /** Pool name → its own recipient (`pools.NAME.notify`); pools not listed use `notifyTo`. */
  readonly poolRecipients: Readonly<Record<string, string>>;
  /** null: reminders off. */
  readonly remindEveryMs: number | null;
  /** Fraction 0..1; null: no early warning. */
  readonly warnAt: number | null;
  /** How long before its end a grace is announced; default `DEFAULT_GRACE_WARN_MS`. */
  readonly graceWarnMs?: number;
}

export const DEFAULT_GRACE_WARN_MS = 24 * 60 * 60 * 1000;
/** Accounts kept in one event's payload (the outbox row stays small; totals are kept apart). */
export const MAX_ACCOUNTS_IN_EVENT = 200;

/** Held sync (SPEC rule 10): what the run would have done. */
export interface HeldInput {
  readonly wouldDisable: number;
  readonly wouldRemove: number;
  readonly total: number;
  readonly threshold?: number;
  /** Why it was held (`holdReason`). */
  readonly reason: HoldReason;
  /** The source's last run that ended ok before this one (null: none): a hold is news once per such run. */
  readonly lastOkRunId: string | null;
  /** When the first held run after `lastOkRunId` started (epoch ms), as the runs tell it. */
  readonly heldSince: number;
  /** The source's held runs after `lastOkRunId`, this one counted, as the runs tell it. */
  readonly heldRuns: number;
  /** The emails of the source's hold so far, as the last held run left them (absent or null: none known). */
  readonly notices?: HoldNotices | null;
}

/** An account in grace; `graceUntil` in epoch ms. */
export interface GraceInput extends Omit<AccountLine, 'graceUntil'> {
  readonly graceUntil: number;
}

export interface NotificationInput {
  /** Epoch ms. */
  readonly now: number;
  /** What caused the events: the events' `runId`, `occasion` and dedupe keys (`occasionId`) all come from it. */
  readonly occasion: Occasion;
  readonly source: string | null;
  /** `newlyBlocked`, `graceStarted` and the changes (for the pools each account waits for). */
  readonly plan: Pick<AllocationPlan, 'newlyBlocked' | 'graceStarted' | 'changes'>;
  /** Display data of the newly blocked and grace-started accounts (others are ignored). */
  readonly accounts: readonly AccountLine[];
  /** Usage after the run (usually `plan.pools`). */
  readonly poolsAfter: readonly PoolUsage[];
  readonly held?: HeldInput;
  /** Accounts in grace (all, or only those ending soon: the rule filters by `graceWarnMs`). */
  readonly graceExpiringSoon?: readonly GraceInput[];
  readonly state: NotifyState;
  readonly config: NotifyRules;
}

export interface NotificationPlan {
  readonly events: NotificationEvent[];
  /** Save in the same transaction as the events. */
  readonly state: NotifyState;
  /** With `held`: the emails of the source's hold after this run; save them with the events. */
  readonly holdNotices?: HoldNotices;
}

/** Builds the rules from the parsed config's shapes (`notify`, `pools`). */
export function notifyRulesOf(options: {
  readonly notify: { readonly to: string; readonly remindEveryMs: number | null; readonly warnAt: number | null };
  readonly pools: readonly { readonly name: string; readonly notify: string | null }[];
}): NotifyRules {
  const poolRecipients: Record<string, string> = {};
  for (const pool of options.pools) if (pool.notify) poolRecipients[pool.name] = pool.notify;
  return {
    notifyTo: options.notify.to,
    poolRecipients,
    remindEveryMs: options.notify.remindEveryMs,
    warnAt: options.notify.warnAt,
  };
}

/** Recipients compare case-insensitively; the first spelling seen is the one mailed. */
export function recipientKey(address: string): string {
  return address.trim().toLowerCase();
}

interface Recipient {
  readonly address: string;
  readonly key: string;
  readonly pools: PoolUsage[];
}

/** Groups the pools by recipient, `notify.to` first, in pool order. */
function recipientsOf(pools: readonly PoolUsage[], rules: NotifyRules): Map<string, Recipient> {
  const byKey = new Map<string, Recipient>();
  const add = (address: string): Recipient => {
    const key = recipientKey(address);
    let r = byKey.get(key);
    if (!r) {
      r = { address: address.trim(), key, pools: [] };
      byKey.set(key, r);
    }
    return r;
  };
  add(rules.notifyTo);
  for (const pool of pools) add(rules.poolRecipients[pool.name] ?? rules.notifyTo).pools.push(pool);
  return byKey;
}

function poolRecipientKey(pool: string, rules: NotifyRules): string {
  return recipientKey(rules.poolRecipients[pool] ?? rules.notifyTo);
}

export function planNotifications(input: NotificationInput): NotificationPlan {
  const recipients = recipientsOf(input.poolsAfter, input.config);
  const { occasion } = input;
  const base = { at: new Date(input.now).toISOString(), runId: runIdOf(occasion), source: input.source, occasion };
  const limit = limitEvents(input, recipients, base);
  const reminders = reminderEvents(input, recipients, base, new Set(limit.map((e) => recipientKey(e.recipient))));
  const warning = earlyWarnings(input, recipients, base, new Set(limit.flatMap((e) => e.shortPools)));
  const grace = graceEvents(input, recipients, base);
  const held = input.held ? heldEvents(input, input.held, base) : null;

  const lastLimitEmailAt: Record<string, number> = {};
  for (const [key, at] of Object.entries(input.state.lastLimitEmailAt)) {
    if (recipients.has(key)) lastLimitEmailAt[key] = at; // forget recipients no longer configured
  }
  for (const e of [...limit, ...reminders]) lastLimitEmailAt[recipientKey(e.recipient)] = input.now;

  return {
    events: [...(held?.events ?? []), ...limit, ...reminders, ...warning.events, ...grace.events],
    state: { lastLimitEmailAt, warnedPools: warning.warnedPools, graceNotified: grace.notified },
    ...(held ? { holdNotices: held.notices } : {}),
  };
}

/**
 * The reminder rule every reminder follows (the limit's, a held source's, a failing source's): due once
 * `remindEveryMs` has passed since the last email (or none was recorded); never when reminders are off.
 */
export function reminderDue(lastEmailAt: number | null | undefined, now: number, remindEveryMs: number | null): boolean {
  if (remindEveryMs === null) return false;
  return lastEmailAt === null || lastEmailAt === undefined || now - lastEmailAt >= remindEveryMs;
}

type Base = Pick<EventBase, 'at' | 'runId' | 'source' | 'occasion'>;

function dedupeKey(kind: string, occasion: Occasion, recipient: string): string {
  return `${kind}:${occasionId(occasion)}:${recipientKey(recipient)}`;
}

/** Pools an account is short of: those it waits for (or holds under grace) that have no free seat. */
function shortPoolsOf(wanted: readonly string[], pools: readonly PoolUsage[]): string[] {
  const full = wanted.filter((name) => pools.find((p) => p.name === name)?.available === 0);
  return full.length > 0 ? full : [...wanted];
}

function limitEvents(input: NotificationInput, recipients: Map<string, Recipient>, base: Base): LimitExceededEvent[] {
  const infoById = new Map(input.accounts.map((a) => [a.id, a]));
  const changeById = new Map(input.plan.changes.map((c) => [c.id, c]));
  const parts = new Map<string, { blocked: AccountLine[]; grace: AccountLine[]; short: Set<string> }>();
  const place = (id: number, list: 'blocked' | 'grace'): void => {
    const info = infoById.get(id);
    const change = changeById.get(id);
    const to = change?.to;
    const pools = shortPoolsOf(to ? [...to.waitingFor, ...to.held] : (info?.pools ?? []), input.poolsAfter);
    const line: AccountLine = {
      id,
      displayName: info?.displayName ?? null,
      username: info?.username ?? change?.username ?? `#${id}`,
      email: info?.email ?? null,
      pools,
      ...(list === 'grace' ? { graceUntil: isoOrNull(to?.graceUntil ?? null) } : blockFacts(change)),
    };
    const keys = new Set(pools.length > 0 ? pools.map((p) => poolRecipientKey(p, input.config)) : [recipientKey(input.config.notifyTo)]);
    for (const key of keys) {
      let part = parts.get(key);
      if (!part) parts.set(key, (part = { blocked: [], grace: [], short: new Set() }));
      part[list].push(line);
      for (const p of pools) if (poolRecipientKey(p, input.config) === key) part.short.add(p);
    }
  };
  for (const id of input.plan.newlyBlocked) place(id, 'blocked');
  for (const id of input.plan.graceStarted) place(id, 'grace');

  const events: LimitExceededEvent[] = [];
  for (const [key, part] of parts) {
    const r = recipients.get(key);
    if (!r) continue;
    const byReason = groupByReason(part.blocked);
    events.push({
      ...base,
      kind: 'limit-exceeded',
      recipient: r.address,
      dedupeKey: dedupeKey('limit', input.occasion, r.address),
      pools: r.pools,
      shortPools: r.pools.filter((p) => part.short.has(p.name)).map((p) => p.name),
      blocked: BLOCK_REASONS.flatMap((reason) => byReason[reason].slice(0, MAX_ACCOUNTS_IN_EVENT)),
      blockedTotal: part.blocked.length,
      blockedByReason: Object.fromEntries(BLOCK_REASONS.filter((reason) => byReason[reason].length > 0).map((reason) => [reason, byReason[reason].length])),
      grace: part.grace.slice(0, MAX_ACCOUNTS_IN_EVENT),
      graceTotal: part.grace.length,
    });
  }
  return events;
}

/**
 * Why a newly blocked account waits, and since when: a holder that lost its seat (a smaller pool, a
 * protected account, an admin's unprotect, the end of its grace) with the time it held it since; any other
 * audit reason (what made it ask) found no free seat: `seats`.
 */
function blockFacts(change: AccountChange | undefined): Pick<AccountLine, 'blockReason' | 'heldSince' | 'waitingSince' | 'takenBy'> {
  const reason = change?.reason;
  const blockReason: BlockReason = BLOCK_REASONS.find((r) => r === reason) ?? 'seats';
  return {
    blockReason,
    waitingSince: isoOrNull(change?.to.waitingSince ?? null),
    ...(blockReason === 'seats' ? {} : { heldSince: isoOrNull(change?.from?.activatedAt ?? null) }),
    ...(change?.takenBy ? { takenBy: change.takenBy.username } : {}),
  };
}

function groupByReason(lines: readonly AccountLine[]): Record<BlockReason, AccountLine[]> {
  const groups: Record<BlockReason, AccountLine[]> = { protected: [], admin: [], 'pool-shrunk': [], 'grace-expired': [], seats: [] };
  for (const line of lines) groups[line.blockReason ?? 'seats'].push(line);
  return groups;
}

function reminderEvents(
  input: NotificationInput,
  recipients: Map<string, Recipient>,
  base: Base,
  alreadyMailed: ReadonlySet<string>,
): ReminderEvent[] {
  const every = input.config.remindEveryMs;
  if (every === null) return [];
  const events: ReminderEvent[] = [];
  for (const r of recipients.values()) {
    if (alreadyMailed.has(r.key)) continue;
    // A pool with free seats and waiting accounts: they wait for another, full pool of their profile.
    const waiting = r.pools.filter((p) => p.waiting > 0 && p.available === 0);
    if (waiting.length === 0) continue;
    const last = input.state.lastLimitEmailAt[r.key];
    if (!reminderDue(last, input.now, every)) continue;
    events.push({
      ...base,
      kind: 'reminder',
      recipient: r.address,
      dedupeKey: dedupeKey('reminder', input.occasion, r.address),
      pools: r.pools,
      shortPools: waiting.map((p) => p.name),
      lastEmailAt: last === undefined ? null : new Date(last).toISOString(),
    });
  }
  return events;
}

function earlyWarnings(
  input: NotificationInput,
  recipients: Map<string, Recipient>,
  base: Base,
  reportedByLimit: ReadonlySet<string>,
): { events: EarlyWarningEvent[]; warnedPools: string[] } {
  const warnAt = input.config.warnAt;
  if (warnAt === null) return { events: [], warnedPools: [] };
  const known = new Set(input.poolsAfter.map((p) => p.name));
  // Pools missing from this run's usage (renamed, removed) lose their flag.
  const warned = new Set(input.state.warnedPools.filter((name) => known.has(name)));
  const crossed = new Map<string, PoolUsage[]>();
  for (const pool of input.poolsAfter) {
    const above = pool.seats > 0 && pool.used / pool.seats >= warnAt;
    if (!above) {
      warned.delete(pool.name); // re-armed
      continue;
    }
    if (warned.has(pool.name)) continue;
    warned.add(pool.name);
    if (reportedByLimit.has(pool.name)) continue;
    const key = poolRecipientKey(pool.name, input.config);
    crossed.set(key, [...(crossed.get(key) ?? []), pool]);
  }
  const events: EarlyWarningEvent[] = [];
  for (const [key, pools] of crossed) {
    const r = recipients.get(key);
    if (!r) continue;
    events.push({ ...base, kind: 'early-warning', recipient: r.address, dedupeKey: dedupeKey('warn', input.occasion, r.address), warnAt, pools });
  }
  return { events, warnedPools: [...warned].sort() };
}

function graceEvents(
  input: NotificationInput,
  recipients: Map<string, Recipient>,
  base: Base,
): { events: GraceExpiringEvent[]; notified: Record<string, number> } {
  if (!input.graceExpiringSoon) return { events: [], notified: { ...input.state.graceNotified } };
  const windowMs = input.config.graceWarnMs ?? DEFAULT_GRACE_WARN_MS;
  const notified: Record<string, number> = {};
  const byRecipient = new Map<string, AccountLine[]>();
  for (const account of input.graceExpiringSoon) {
    const id = String(account.id);
    if (input.state.graceNotified[id] === account.graceUntil) {
      notified[id] = account.graceUntil; // announced already; keep the mark while the grace lasts
      continue;
    }
    const left = account.graceUntil - input.now;
    if (left <= 0 || left > windowMs) continue;
    notified[id] = account.graceUntil;
    const line: AccountLine = { ...account, graceUntil: new Date(account.graceUntil).toISOString() };
    const keys = new Set(account.pools.length > 0 ? account.pools.map((p) => poolRecipientKey(p, input.config)) : [recipientKey(input.config.notifyTo)]);
    for (const key of keys) byRecipient.set(key, [...(byRecipient.get(key) ?? []), line]);
  }
  const events: GraceExpiringEvent[] = [];
  for (const [key, accounts] of byRecipient) {
    const r = recipients.get(key);
    if (!r) continue;
    events.push({
      ...base,
      kind: 'grace-expiring',
      recipient: r.address,
      dedupeKey: dedupeKey('grace', input.occasion, r.address),
      pools: r.pools,
      accounts: accounts.slice(0, MAX_ACCOUNTS_IN_EVENT),
      accountsTotal: accounts.length,
    });
  }
  return { events, notified };
}

/**
 * The emails of a held run: the first of its hold, or a reminder, or none. One email per hold: the source
 * held again (every scheduled run until an admin acts) is not news, even when the directory moved a little
 * in between and the counts changed with it; a hold after a run went through is (the same incomplete
 * export a week later). So a hold is named by the source's last run that ended ok, and its first email's
 * key is `held:SOURCE:LASTOK` (`never`: no run ended ok). While its runs stay held, deleted users keep
 * their seats: a reminder goes out once `remindEveryMs` has passed since the hold's last email, keyed
 * `held:SOURCE:LASTOK:reminder:N` with N its number in the hold, so the same reminder planned twice (a
 * job run twice, two runs at once) is one outbox row. A reminder says since when the source is held and
 * how many held runs that makes as the runs tell it, so a hold that began before its notices were kept
 * (an upgrade) is counted from its start.
 */
function heldEvents(input: NotificationInput, held: HeldInput, base: Base): { events: SyncHeldEvent[]; notices: HoldNotices } {
  const source = input.source ?? 'unknown';
  const hold = `held:${source}:${held.lastOkRunId ?? 'never'}`;
  const event = (dedupeKey: string, reminder?: SyncHeldEvent['reminder']): SyncHeldEvent => ({
    ...base,
    kind: 'sync-held',
    source,
    recipient: input.config.notifyTo.trim(),
    dedupeKey,
    wouldDisable: held.wouldDisable,
    wouldRemove: held.wouldRemove,
    total: held.total,
    threshold: held.threshold ?? null,
    reason: held.reason,
    ...(reminder ? { reminder } : {}),
  });
  // Notices of another hold (one that ended since) are news no longer: this is a new hold.
  const known = held.notices?.lastOkRunId === held.lastOkRunId ? held.notices : null;
  if (!known) return { events: [event(hold)], notices: { lastOkRunId: held.lastOkRunId, lastEmailAt: input.now, reminders: 0 } };
  if (!reminderDue(known.lastEmailAt, input.now, input.config.remindEveryMs)) return { events: [], notices: known };
  const ordinal = known.reminders + 1;
  return {
    events: [event(`${hold}:reminder:${ordinal}`, { ordinal, heldSince: new Date(held.heldSince).toISOString(), heldRuns: held.heldRuns })],
    notices: { ...known, lastEmailAt: input.now, reminders: ordinal },
  };
}

/** The message of `seatsync notify test`; `nonce` makes each request its own outbox row. */
export function testEvent(options: { readonly now: number; readonly to: string; readonly nonce: string }): TestEvent {
  return {
    kind: 'test',
    recipient: options.to.trim(),
    dedupeKey: `test:${new Date(options.now).toISOString()}:${options.nonce}`,
    at: new Date(options.now).toISOString(),
    runId: null,
    source: null,
  };
}
