// One realistic event of each kind, planned by the real rules, for the delivery tests.
import {
  EMPTY_NOTIFY_STATE,
  planNotifications,
  testEvent,
  type NotificationEvent,
  type NotificationInput,
  type NotifyRules,
} from '../../../src/domain/notifications.ts';
import { planSourceFailure, type SourceFailureInput } from '../../../src/domain/source-failure.ts';
import type { AccountChange, PoolUsage } from '../../../src/domain/types.ts';
import type { Database } from '../../../src/store/db.ts';

export const NOTIFY_TO = 'licenses@corp.example.test';
export const PARTNERS_TO = 'partners@corp.example.test';
export const FROM = 'seatsync@corp.example.test';
const HOUR = 3_600_000;

export const RULES: NotifyRules = { notifyTo: NOTIFY_TO, poolRecipients: { extranet: PARTNERS_TO }, remindEveryMs: 24 * HOUR, warnAt: 0.9 };

export function pool(name: string, seats: number, used: number, waiting = 0): PoolUsage {
  return { name, seats, used, available: Math.max(0, seats - used), waiting, overage: Math.max(0, used - seats) };
}

function blocked(id: number, username: string, pools: string[]): AccountChange {
  return {
    id,
    username,
    from: null,
    to: { state: 'blocked', held: [], waitingFor: pools, waitingSince: 0, activatedAt: null, graceUntil: null },
    reason: 'seats',
  };
}

function base(now: number, runId: string): NotificationInput {
  return {
    now,
    occasion: { kind: 'run', runId },
    source: 'corp-ad',
    plan: { newlyBlocked: [], graceStarted: [], changes: [] },
    accounts: [],
    poolsAfter: [pool('primary', 100, 100, 7), pool('extranet', 20, 12)],
    state: EMPTY_NOTIFY_STATE,
    config: RULES,
  };
}

/** A run that blocks two primary accounts (one with markup in its name) and one extranet account. */
export function limitEvents(now: number, runId = '101'): NotificationEvent[] {
  return planNotifications({
    ...base(now, runId),
    poolsAfter: [pool('primary', 100, 100, 7), pool('extranet', 20, 20, 1)],
    plan: {
      newlyBlocked: [1, 2, 3],
      graceStarted: [],
      changes: [blocked(1, 'ada', ['primary']), blocked(2, 'tom', ['primary']), blocked(3, 'pat', ['extranet'])],
    },
    accounts: [
      { id: 1, displayName: 'Ada Lovelace', username: 'ada', email: 'ada@corp.example.test', pools: ['primary'] },
      { id: 2, displayName: '<script>alert(1)</script> Tom & Jerry', username: 'tom', email: 'tom@corp.example.test', pools: ['primary'] },
      { id: 3, displayName: 'Pat Partner', username: 'pat', email: 'pat@partner.example.test', pools: ['extranet'] },
    ],
  }).events;
}

export function eventOfKind(kind: NotificationEvent['kind'], now: number, runId = '102'): NotificationEvent {
  const input = base(now, runId);
  const events = ((): NotificationEvent[] => {
    switch (kind) {
      case 'limit-exceeded':
        return limitEvents(now, runId);
      case 'reminder':
        return planNotifications({ ...input, config: { ...RULES, warnAt: null } }).events;
      case 'early-warning':
        return planNotifications({ ...input, poolsAfter: [pool('primary', 100, 91), pool('extranet', 20, 12)] }).events;
      case 'sync-held':
        return planNotifications({ ...input, poolsAfter: [], held: { wouldDisable: 4, wouldRemove: 60, total: 300, threshold: 30, reason: 'removals', lastOkRunId: '7', heldSince: now, heldRuns: 1 } }).events;
      case 'grace-expiring':
        return planNotifications({
          ...input,
          poolsAfter: [pool('primary', 100, 101)],
          graceExpiringSoon: [{ id: 9, displayName: 'Gus Grace', username: 'gus', email: 'gus@corp.example.test', pools: ['primary'], graceUntil: now + 5 * HOUR }],
        }).events;
      case 'source-failing':
        return planSourceFailure(outage(now, runId, null)).events;
      case 'source-recovered':
        return planSourceFailure({
          ...outage(now, runId, { since: '90', sinceAt: now - 2 * HOUR, reportedAt: now - HOUR, lastEmailAt: now - HOUR, failures: 6 }),
          health: { consecutiveFailures: 0, failingSince: null, lastError: null, lastSuccessAt: now },
        }).events;
      case 'test':
        return [testEvent({ now, to: NOTIFY_TO, nonce: runId })];
    }
  })();
  const event = events.find((e) => e.kind === kind);
  if (!event) throw new Error(`no ${kind} event planned`);
  return event;
}

/** corp-ad failing for 2 h (6 runs) with an expired password. */
function outage(now: number, runId: string, state: SourceFailureInput['state']): SourceFailureInput {
  return {
    source: 'corp-ad',
    runId,
    now,
    health: {
      consecutiveFailures: 6,
      failingSince: { runId: '90', at: now - 2 * HOUR },
      lastError: { code: 'auth', message: 'bind as CN=svc-seatsync failed: invalid credentials (password expired)' },
      lastSuccessAt: now - 2 * HOUR - 60_000,
    },
    state,
    rules: { notifyTo: NOTIFY_TO, failureAfter: { afterMs: HOUR }, remindEveryMs: 24 * HOUR },
  };
}

/** Empties what the notification tests write, between the tests of one database. */
export async function resetNotifyTables(db: Database): Promise<void> {
  await db.exec('DELETE FROM outbox; DELETE FROM notify_state; DELETE FROM audit; DELETE FROM accounts;');
}
