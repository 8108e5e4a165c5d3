// What a change of seatsync's accounts becomes for each target: pure builders of outbox rows. A SCIM
// target gets one row per changed account with the account as it is now (the last row wins: rows of one
// account are delivered in order); a webhook target gets one event per state change, plus `pool.full`
// when a run blocks accounts because a pool has no free seat, and `sync.held` / `sync.failed`.
import type { TargetConfig } from '../config/types.ts';
import type { AccountState, AllocationPlan } from '../domain/types.ts';
import type { AccountView } from '../store/repositories.ts';

/**
 * An account as a target sees it (read in the transaction that changed it): the fields of the account view
 * it sends (`externalId` is the SCIM `externalId`), and the pools it holds a seat in, named `held` as in
 * the outbox rows already written.
 */
export type AccountSnapshot = Pick<AccountView, 'id' | 'source' | 'externalId' | 'username' | 'email' | 'displayName' | 'state'> & {
  readonly held: readonly string[];
};

export interface StateTransition {
  /** Unique per change (the audit row, or the admin action and account): part of the event id. */
  readonly key: string;
  readonly accountId: number;
  readonly from: AccountState | null;
  readonly to: AccountState;
  readonly reason: string;
  /** Reason `protected` on a block: the username of the protected account that took the seat. */
  readonly takenBy?: string;
  /** Epoch ms. */
  readonly at: number;
}

export type TargetRowKind = 'scim-user' | 'webhook';

export interface TargetRow {
  readonly kind: TargetRowKind;
  readonly target: string;
  readonly payload: ScimUserPayload | WebhookEvent;
  /** Unique: a run applied twice queues each row once. The webhook's `webhook-id`. */
  readonly dedupeKey: string;
  /** Rows with one key are delivered one after the other, in the order they were written. */
  readonly orderingKey: string;
}

/** What a SCIM row asks for: this account, as it is now, in the application. */
export interface ScimUserPayload {
  /** seatsync's account id; null for a user the application has that seatsync does not know (reconcile). */
  readonly accountId: number | null;
  readonly externalId: string;
  readonly userName: string;
  readonly displayName: string | null;
  readonly email: string | null;
  readonly state: AccountState;
  readonly held: readonly string[];
}

/** The JSON body of a webhook delivery (docs/production.md documents it). */
export interface WebhookEvent {
  readonly type: string;
  /** When the event happened (ISO 8601); `webhook-timestamp` is when it was sent. */
  readonly timestamp: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export const ACCOUNT_EVENT: Readonly<Record<AccountState, string>> = {
  active: 'account.activated',
  blocked: 'account.blocked',
  suspended: 'account.suspended',
  disabled: 'account.disabled',
  removed: 'account.removed',
};

/** The documented event types. */
export const WEBHOOK_EVENT_TYPES = [...Object.values(ACCOUNT_EVENT), 'pool.full', 'sync.held', 'sync.failed'] as const;

const names = (targets: readonly TargetConfig[], kind: TargetConfig['kind']): string[] => targets.filter((t) => t.kind === kind).map((t) => t.name);

export function scimPayloadOf(account: AccountSnapshot): ScimUserPayload {
  return {
    accountId: account.id, externalId: account.externalId, userName: account.username, displayName: account.displayName,
    email: account.email, state: account.state, held: account.held,
  };
}

/** One row per account and SCIM target. `batch` names what wrote them (`run-12`, `admin-…`, `reconcile-…`). */
export function scimRows(targets: readonly TargetConfig[], accounts: readonly AccountSnapshot[], options: { readonly batch: string }): TargetRow[] {
  return scimPayloadRows(names(targets, 'scim'), accounts.map(scimPayloadOf), options);
}

export function scimPayloadRows(targetNames: readonly string[], payloads: readonly ScimUserPayload[], options: { readonly batch: string }): TargetRow[] {
  return targetNames.flatMap((target) =>
    payloads.map((payload) => ({
      kind: 'scim-user' as const,
      target,
      payload,
      dedupeKey: `scim:${target}:${options.batch}:${payload.externalId}`,
      orderingKey: `user:${payload.externalId}`,
    })),
  );
}

export function accountView(account: AccountSnapshot): Record<string, unknown> {
  return {
    id: account.id, source: account.source, externalId: account.externalId, username: account.username, email: account.email,
    displayName: account.displayName, state: account.state, pools: account.held,
  };
}

/** One webhook event per state change and webhook target; a block for a protected account names it (`takenBy`). */
export function accountEventRows(
  targets: readonly TargetConfig[],
  transitions: readonly StateTransition[],
  accounts: ReadonlyMap<number, AccountSnapshot>,
  options: { readonly runId: string | null },
): TargetRow[] {
  const events = transitions.flatMap((t) => {
    const account = accounts.get(t.accountId);
    if (account === undefined) return [];
    const event: WebhookEvent = {
      type: ACCOUNT_EVENT[t.to],
      timestamp: new Date(t.at).toISOString(),
      data: {
        account: accountView(account), from: t.from, to: t.to, reason: t.reason, ...(t.takenBy === undefined ? {} : { takenBy: t.takenBy }), runId: options.runId,
      },
    };
    return [{ event, id: t.key, orderingKey: `account:${t.accountId}` }];
  });
  return webhookRows(targets, events);
}

/** `pool.full` for each pool the plan blocked accounts on for lack of seats (with its usage after the run). */
/** `key`: the run's or admin action's id, which names the events; `runId`: the run's, null for an admin action. */
export function poolFullEvents(plan: AllocationPlan, options: { readonly key: string; readonly runId: string | null; readonly now: number }): { event: WebhookEvent; id: string; orderingKey: string }[] {
  const blocked = new Set(plan.newlyBlocked);
  const waitedFor = new Set(plan.changes.filter((c) => blocked.has(c.id)).flatMap((c) => c.to.waitingFor));
  return plan.pools
    .filter((p) => waitedFor.has(p.name) && p.available === 0)
    .map((p) => ({
      event: {
        type: 'pool.full',
        timestamp: new Date(options.now).toISOString(),
        data: { pool: p.name, seats: p.seats, used: p.used, waiting: p.waiting, newlyBlocked: plan.changes.filter((c) => blocked.has(c.id) && c.to.waitingFor.includes(p.name)).length, runId: options.runId },
      },
      id: `pool-full-${options.key}-${p.name}`,
      orderingKey: `pool:${p.name}`,
    }));
}

export function syncEvent(
  type: 'sync.held' | 'sync.failed',
  data: { readonly runId: string; readonly source: string; readonly now: number; readonly details: Readonly<Record<string, unknown>> },
): { event: WebhookEvent; id: string; orderingKey: string } {
  return {
    event: { type, timestamp: new Date(data.now).toISOString(), data: { source: data.source, runId: data.runId, ...data.details } },
    id: `${type}-${data.runId}`,
    orderingKey: `source:${data.source}`,
  };
}

export function webhookRows(
  targets: readonly TargetConfig[],
  events: readonly { readonly event: WebhookEvent; readonly id: string; readonly orderingKey: string }[],
): TargetRow[] {
  return names(targets, 'webhook').flatMap((target) =>
    events.map(({ event, id, orderingKey }) => ({ kind: 'webhook' as const, target, payload: event, dedupeKey: `msg_${target}_${id}`, orderingKey })),
  );
}
