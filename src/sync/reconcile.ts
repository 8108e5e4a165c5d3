// The seat step shared by sync runs and admin actions: allocate (pure) over the accounts, write the plan
// and its audit rows. Always called inside a transaction that holds the seat lock.
import { createHash } from 'node:crypto';
import { allocate } from '../domain/allocate.ts';
import type { AllocationSettings } from '../domain/allocator.ts';
import type { Occasion } from '../domain/notification-events.ts';
import type { AllocationPlan, Pool, PoolUsage, SeatAccount } from '../domain/types.ts';
import type { SeatsyncConfig } from '../config/types.ts';
import type { PoolCounts, Repositories } from '../store/repositories.ts';
import { poolViews } from './status.ts';

export interface ReconcileOptions {
  readonly config: SeatsyncConfig;
  readonly now: number;
  /** What re-allocates: the audit rows' actor and run follow from it. */
  readonly occasion: Occasion;
}

/** The audit trail's actor and run of the changes an occasion makes (SPEC rule 12). */
export function auditActorOf(occasion: Occasion): { actor: string; runId: string | null } {
  return occasion.kind === 'run' ? { actor: `run:${occasion.runId}`, runId: occasion.runId } : { actor: occasion.actor, runId: null };
}

function poolsOf(config: SeatsyncConfig): Pool[] {
  return config.pools.map((p) => ({ name: p.name, seats: p.seats }));
}

export function profilePoolsOf(config: SeatsyncConfig): Map<string, readonly string[]> {
  return new Map(config.profiles.map((p) => [p.name, p.pools]));
}

/** What the allocation takes from the config, at `now`. */
export function allocationSettingsOf(config: SeatsyncConfig, now: number): AllocationSettings {
  return { now, pools: poolsOf(config), profilePools: profilePoolsOf(config), policy: { graceDays: config.policy.graceDays } };
}

/**
 * What decides seats besides the accounts: a hash of every allocation setting but the time (so a setting
 * added to them is in it too), then, after a `+`, one of the accounts the allocation had to leave as they
 * were (`frozenIds`: their entries were unreadable). With the same fingerprint, unchanged accounts and no
 * ended grace period, the allocation would change nothing (it is idempotent), so a run may skip it; a
 * frozen account readable again changes the fingerprint, so the run after it allocates (a waiting one may
 * take a free seat). The settings part alone says whether the config changed (`sameAllocationSettings`).
 */
export function allocationFingerprint(config: SeatsyncConfig, frozenIds: readonly number[] = []): string {
  const { now: _now, ...settings } = allocationSettingsOf(config, 0);
  const hash = (value: unknown): string =>
    createHash('sha256').update(JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? [...v] : v))).digest('hex');
  return frozenIds.length === 0 ? hash(settings) : `${hash(settings)}+${hash([...frozenIds].sort((a, b) => a - b))}`;
}

/** Whether the allocation that left `fingerprint` ran under `config`'s allocation settings, whatever accounts it had to leave as they were. */
export function sameAllocationSettings(fingerprint: string, config: SeatsyncConfig): boolean {
  return fingerprint.split('+')[0] === allocationFingerprint(config);
}

/**
 * The plan of a run that changed nothing: no changes, and the pools as the last allocation left them
 * (`saved`: the pools the last allocation saved; counted from the accounts when it saved none).
 */
export async function unchangedPlan(tx: Repositories, config: SeatsyncConfig, saved: Map<string, PoolCounts> | null): Promise<AllocationPlan> {
  const views = await poolViews(tx, config, saved ?? undefined);
  const pools = views.map((p): PoolUsage => ({ ...p, overage: Math.max(0, p.used - p.seats) }));
  return { changes: [], pools, newlyBlocked: [], graceStarted: [] };
}

/** The account an admin's `unprotect` names, marked so that a seat it then loses is put down to the action. */
function withAdminUnprotect(accounts: readonly SeatAccount[], occasion: Occasion): readonly SeatAccount[] {
  if (occasion.kind !== 'admin-action' || occasion.action !== 'unprotect') return accounts;
  const id = occasion.account.id;
  return accounts.map((account) => (account.id === id ? { ...account, unprotectedByAdmin: true } : account));
}

/** Re-allocates every stored account (after an admin action or a config change) and writes the result. */
export async function reconcileSeats(tx: Repositories, options: ReconcileOptions): Promise<AllocationPlan> {
  const plan = allocate({ ...allocationSettingsOf(options.config, options.now), accounts: withAdminUnprotect(await tx.seats.load(), options.occasion) });
  await tx.seats.write(plan.changes, auditActorOf(options.occasion));
  await tx.seats.saveAllocation({ fingerprint: allocationFingerprint(options.config), pools: plan.pools });
  return plan;
}
