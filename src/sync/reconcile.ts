// The seat step shared by sync runs and admin actions: allocate (pure) over the accounts, write the plan
// and its audit rows. Always called inside a transaction that holds the seat lock.
import { createHash } from 'node:crypto';
import { allocate } from '../domain/allocate.ts';
import type { AllocationSettings } from '../domain/allocator.ts';
import type { Occasion } from '../domain/notification-events.ts';
import type { AllocationPlan, Pool, PoolUsage, SeatAccount } from '../domain/types.ts';
import type { SeatsyncConfig } from '../config/types.ts';
import type { PoolCounts, Repositories } from '../store/repositories.ts';
import { mappingFingerprint, mappingRulesOf } from './map-user.ts';
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
 * The seat settings: what decides who holds a seat besides the directory (SPEC §2), in two parts. The
 * allocation settings but the time (pools' seats, profiles' pools, `policy.graceDays`), hashed; and the
 * mapping rules that say which users get which profile and which are protected (profiles' order and
 * `when`, `policy.protect`; `mappingFingerprint`): a change of either moves seats with no change in the
 * directory. Both are derived, not listed again, so a setting added to them is in here too; what decides
 * no seat (sources, a pool's `notify`, `policy.maxRemovals`, `policy.purgeRemovedAfter`) is not.
 */
function seatSettingsOf(config: SeatsyncConfig): { allocation: string; mapping: string } {
  const { now: _now, ...allocation } = allocationSettingsOf(config, 0);
  return { allocation: hashOf(allocation), mapping: mappingFingerprint(mappingRulesOf(config)) };
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? [...v] : v))).digest('hex');
}

/**
 * What decides seats besides the accounts: the seat settings (`seatSettingsOf`) as `ALLOCATION.MAPPING`,
 * then, after a `+`, a hash of the accounts the allocation had to leave as they were (`frozenIds`: their
 * entries were unreadable). With the same fingerprint, unchanged accounts and no ended grace period, the
 * allocation would change nothing (it is idempotent), so a run may skip it; a frozen account readable
 * again changes the fingerprint, so the run after it allocates (a waiting one may take a free seat). The
 * settings part alone says whether the seat settings changed (`seatSettingsChanged`). `kept.mapping`: the
 * mapping part to keep instead of the config's (an allocation that mapped no user; `reconcileSeats`).
 */
export function allocationFingerprint(config: SeatsyncConfig, frozenIds: readonly number[] = [], kept: { mapping?: string } = {}): string {
  const settings = seatSettingsOf(config);
  const print = `${settings.allocation}.${kept.mapping ?? settings.mapping}`;
  return frozenIds.length === 0 ? print : `${print}+${hashOf([...frozenIds].sort((a, b) => a - b))}`;
}

/** The mapping part of a stored fingerprint (null: one saved before it had one). */
function mappingPartOf(fingerprint: string): string | null {
  const [, mapping] = (fingerprint.split('+')[0] ?? '').split('.');
  return mapping ?? null;
}

/**
 * Whether `config`'s seat settings differ from those `since` was taken under (an allocation's fingerprint,
 * whatever accounts it had to leave as they were; or `allocationFingerprint(previous)`): the one test of
 * "this config change needs a sync of every source", for the config watch and for a worker's start.
 */
export function seatSettingsChanged(since: string, config: SeatsyncConfig): boolean {
  return since.split('+')[0] !== allocationFingerprint(config);
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

/** Re-allocates every stored account after an admin action (a config change is applied by a sync of every source, which reads the directory) and writes the result. */
export async function reconcileSeats(tx: Repositories, options: ReconcileOptions): Promise<AllocationPlan> {
  const plan = allocate({ ...allocationSettingsOf(options.config, options.now), accounts: withAdminUnprotect(await tx.seats.load(), options.occasion) });
  await tx.seats.write(plan.changes, auditActorOf(options.occasion));
  // The accounts are allocated under the config's pools and grace, but no user is mapped again: the
  // mapping part stays the one the last run left, so a change of `when` or `policy.protect` not yet read
  // is still found (at a worker's start, `seatSettingsChanged`).
  // One saved before fingerprints had that part keeps none: it is not the config's.
  const last = await tx.seats.lastAllocation();
  const kept = last === null ? {} : { mapping: mappingPartOf(last.fingerprint) ?? '' };
  await tx.seats.saveAllocation({ fingerprint: allocationFingerprint(options.config, [], kept), pools: plan.pools });
  return plan;
}
