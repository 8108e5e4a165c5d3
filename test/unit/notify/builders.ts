// Small builders for the notification rule and template tests.
import {
  EMPTY_NOTIFY_STATE,
  type AccountLine,
  type NotificationInput,
  type NotifyRules,
} from '../../../src/domain/notifications.ts';
import type { AccountChange, PoolUsage, SeatState } from '../../../src/domain/types.ts';

export const T0 = Date.parse('2025-03-04T09:00:00Z');
export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;

export function aPool(name: string, seats: number, used: number, waiting = 0): PoolUsage {
  return { name, seats, used, available: Math.max(0, seats - used), waiting, overage: Math.max(0, used - seats) };
}

export function anAccount(id: number, pools: readonly string[] = ['primary'], extra: Partial<AccountLine> = {}): AccountLine {
  return { id, displayName: `User ${id}`, username: `user${id}`, email: `user${id}@corp.example.test`, pools, ...extra };
}

const blockedState = (pools: readonly string[], now: number): SeatState => ({
  state: 'blocked',
  held: [],
  waitingFor: pools,
  waitingSince: now,
  activatedAt: null,
  graceUntil: null,
});

/** A change that blocks account `id` waiting for `pools`. */
export function blockedChange(id: number, pools: readonly string[] = ['primary'], now = T0): AccountChange {
  return { id, username: `user${id}`, from: null, to: blockedState(pools, now), reason: 'seats' };
}

export function graceChange(id: number, pools: readonly string[], graceUntil: number): AccountChange {
  return {
    id,
    username: `user${id}`,
    from: null,
    to: { state: 'active', held: pools, waitingFor: [], waitingSince: null, activatedAt: T0, graceUntil },
    reason: 'grace',
  };
}

export const RULES: NotifyRules = {
  notifyTo: 'licenses@corp.example.test',
  poolRecipients: {},
  remindEveryMs: DAY,
  warnAt: null,
};

/** The occasion of run `runId`. */
export const ofRun = (runId: string): Pick<NotificationInput, 'occasion'> => ({ occasion: { kind: 'run', runId } });

/** A run (42) that changes nothing, with the given pool usage. Override what the test is about. */
export function anInput(overrides: Partial<NotificationInput> = {}): NotificationInput {
  return {
    now: T0,
    ...ofRun('42'),
    source: 'corp-ad',
    plan: { newlyBlocked: [], graceStarted: [], changes: [] },
    accounts: [],
    poolsAfter: [aPool('primary', 100, 80)],
    state: EMPTY_NOTIFY_STATE,
    config: RULES,
    ...overrides,
  };
}

/** A run that blocks `ids` waiting for `pools`. */
export function blockingRun(ids: readonly number[], pools: readonly string[] = ['primary']): Pick<NotificationInput, 'plan' | 'accounts'> {
  return {
    plan: { newlyBlocked: ids, graceStarted: [], changes: ids.map((id) => blockedChange(id, pools)) },
    accounts: ids.map((id) => anAccount(id, pools)),
  };
}
