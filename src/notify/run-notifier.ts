// The bridge between a sync run and the notification rules: the `RunNotifier` hooks the sync calls
// (src/sync/sync-source.ts). `afterAllocation` runs inside the run's transaction, under the seat lock:
// it reads the rules' state and the accounts to list, plans the events (pure), queues them in the outbox
// and saves the state — all committed, or rolled back, with the run's changes.
import {
  DEFAULT_GRACE_WARN_MS,
  EMPTY_NOTIFY_STATE,
  notifyRulesOf,
  type Occasion,
  planNotifications,
  type NotificationEvent,
  type NotifyRules,
} from '../domain/notifications.ts';
import type { SeatsyncConfig } from '../config/types.ts';
import { planSourceFailure, type SourceFailureInput } from '../domain/source-failure.ts';
import { repositoriesOf } from '../store/repositories.ts';
import type { AllocationPlan } from '../domain/types.ts';
import type { Database, Queryable } from '../store/db.ts';
import type { HoldReason } from '../domain/hold.ts';
import type { RunNotifier } from '../sync/sync-source.ts';
import type { NotifyAccountsPort, OutboxPort } from './outbox-port.ts';

export interface RunNotifierDeps {
  readonly config: Pick<SeatsyncConfig, 'notify' | 'pools' | 'policy'>;
  readonly outbox: OutboxPort & NotifyAccountsPort;
}

/** Null when `notify` is not configured (no emails, no state kept). */
export function createRunNotifier(deps: RunNotifierDeps): RunNotifier | null {
  const { notify } = deps.config;
  if (!notify) return null;
  const rules = notifyRulesOf({ notify, pools: deps.config.pools });
  const graceOn = deps.config.policy.graceDays > 0;
  return {
    afterAllocation: async (tx, context) => {
      await notifyAfterAllocation(tx.connection, { ...context, rules, graceOn, outbox: deps.outbox });
    },
    onHeld: async (db, context) => {
      await notifyHeld(db, { ...context, rules, outbox: deps.outbox });
    },
    afterRun: async (db, context) => {
      const rules = { notifyTo: notify.to, failureAfter: notify.failureAfter, remindEveryMs: notify.remindEveryMs };
      await notifySourceHealth(db, { ...context, outbox: deps.outbox, rules });
    },
  };
}

interface SourceHealthContext {
  readonly runId: string;
  readonly source: string;
  readonly now: number;
  readonly rules: SourceFailureInput['rules'];
  readonly outbox: OutboxPort;
}

/**
 * After a run: the source's health from its runs (the run's own record is committed already), the
 * outage state, the plan (pure), then the emails and the new state in one transaction. A crash between
 * the run and this leaves the state behind the runs; the next run of the source plans from both again.
 */
export async function notifySourceHealth(db: Database, ctx: SourceHealthContext): Promise<NotificationEvent[]> {
  return db.transaction(async (tx) => {
    const state = await ctx.outbox.loadOutage(tx, ctx.source);
    const health = (await repositoriesOf(tx).runs.health([ctx.source])).get(ctx.source);
    if (!health) return [];
    const plan = planSourceFailure({
      source: ctx.source,
      runId: ctx.runId,
      now: ctx.now,
      state,
      rules: ctx.rules,
      health: {
        consecutiveFailures: health.consecutiveFailures,
        failingSince: health.failingSince ? { runId: health.failingSince.runId, at: health.failingSince.at.getTime() } : null,
        lastError: health.lastError ? { code: health.lastError.code, message: health.lastError.message } : null,
        lastSuccessAt: health.lastSuccess?.finishedAt.getTime() ?? null,
      },
    });
    await ctx.outbox.enqueue(tx, plan.events);
    await ctx.outbox.saveOutage(tx, ctx.source, plan.state);
    return plan.events;
  });
}

interface AfterAllocationContext {
  readonly occasion: Occasion;
  readonly source: string;
  readonly plan: AllocationPlan;
  readonly now: number;
  readonly rules: NotifyRules;
  readonly graceOn: boolean;
  readonly outbox: OutboxPort & NotifyAccountsPort;
}

export async function notifyAfterAllocation(tx: Queryable, ctx: AfterAllocationContext): Promise<NotificationEvent[]> {
  const { outbox, plan } = ctx;
  const state = await outbox.loadState(tx);
  const accounts = await outbox.accountLines(tx, [...plan.newlyBlocked, ...plan.graceStarted]);
  const graceWarnMs = ctx.rules.graceWarnMs ?? DEFAULT_GRACE_WARN_MS;
  const grace = ctx.graceOn ? await outbox.graceAccounts(tx, { endingBy: new Date(ctx.now + graceWarnMs) }) : undefined;
  const result = planNotifications({
    now: ctx.now,
    occasion: ctx.occasion,
    source: ctx.source,
    plan,
    accounts,
    poolsAfter: plan.pools,
    ...(grace ? { graceExpiringSoon: grace } : {}),
    state,
    config: ctx.rules,
  });
  await outbox.enqueue(tx, result.events);
  await outbox.saveState(tx, result.state);
  return result.events;
}

interface HeldContext {
  readonly runId: string;
  readonly source: string;
  readonly counts: { readonly total: number; readonly wouldRemove: number; readonly wouldDisable: number };
  readonly threshold: number;
  /** Why it was held: decided by the hold (domain/hold.ts `holdReason`), not here. */
  readonly reason: HoldReason;
  readonly now: number;
  readonly rules: NotifyRules;
  readonly outbox: OutboxPort;
}

/**
 * A held run changed nothing (its transaction was rolled back), so this queues its email on its own: the
 * first of its hold, or a reminder while the hold lasts. Only the held event is planned: with no pool usage
 * at hand, the other rules are left to the next run. The hold's notices are read under a lock on the source
 * and saved with the email in one transaction; since when the source is held and how many of its runs were
 * are read from its runs in that transaction (the run itself is still `running` then: it is counted).
 */
export async function notifyHeld(db: Database, ctx: HeldContext): Promise<NotificationEvent[]> {
  return db.transaction(async (tx) => {
    const notices = await ctx.outbox.loadHoldNotices(tx, ctx.source);
    const hold = await repositoriesOf(tx).runs.hold(ctx.source, ctx.runId, new Date(ctx.now));
    const result = planNotifications({
      now: ctx.now,
      occasion: { kind: 'run', runId: ctx.runId },
      source: ctx.source,
      plan: { newlyBlocked: [], graceStarted: [], changes: [] },
      accounts: [],
      poolsAfter: [],
      held: {
        wouldDisable: ctx.counts.wouldDisable,
        wouldRemove: ctx.counts.wouldRemove,
        total: ctx.counts.total,
        threshold: ctx.threshold,
        reason: ctx.reason,
        lastOkRunId: hold.lastOkRunId,
        heldSince: hold.heldSince.getTime(),
        heldRuns: hold.heldRuns,
        notices,
      },
      state: EMPTY_NOTIFY_STATE,
      config: { ...ctx.rules, warnAt: null },
    });
    const held = result.events.filter((e) => e.kind === 'sync-held');
    await ctx.outbox.enqueue(tx, held);
    if (result.holdNotices) await ctx.outbox.saveHoldNotices(tx, ctx.source, result.holdNotices);
    return held;
  });
}
