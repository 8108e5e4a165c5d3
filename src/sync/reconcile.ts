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

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? [...v] : v))).digest('hex');
}

/**
 * What decides seats besides the accounts: a hash of every allocation setting but the time (pools' seats,
 * profiles' pools, `policy.graceDays`; derived from `allocationSettingsOf`, so a setting added to them is
 * in it too), then, after a `+`, one of the accounts the allocation had to leave as they were (`frozenIds`:
 * their entries were unreadable). With the same fingerprint, unchanged accounts and no ended grace period,
 * the allocation would change nothing (it is idempotent), so a run may skip it; a frozen account readable
 * again changes the fingerprint, so the run after it allocates (a waiting one may take a free seat). How
 * users are mapped is not in it: a run that maps a user otherwise finds that user changed.
 */
export function allocationFingerprint(config: SeatsyncConfig, frozenIds: readonly number[] = []): string {
  const { now: _now, ...settings } = allocationSettingsOf(config, 0);
  return frozenIds.length === 0 ? hashOf(settings) : `${hashOf(settings)}${FROZEN_PART}${hashOf([...frozenIds].sort((a, b) => a - b))}`;
}

/** What separates an allocation fingerprint's settings from the accounts it left as they were. */
const FROZEN_PART = '+';

/** The settings part of an allocation fingerprint (`allocationFingerprint`), without the accounts it left as they were. */
function settingsPartOf(fingerprint: string): string {
  return fingerprint.split(FROZEN_PART)[0] ?? fingerprint;
}

/**
 * The seat settings of a config: what decides who holds a seat besides the directory (SPEC §2).
 * `allocation`: the fingerprint of its allocation settings (`allocationFingerprint`); `mapping`: that of
 * its mapping rules (profiles' order and `when`, `policy.protect`; `mappingFingerprint`). What decides no
 * seat (sources' connections, a pool's `notify`, `policy.maxRemovals`, `policy.purgeRemovedAfter`) is in
 * neither.
 */
export interface SeatSettings {
  readonly allocation: string;
  readonly mapping: string;
}

/**
 * The seat settings the stored seats were decided under. `allocation`: those the last allocation ran
 * under (with `+` and the hash of the accounts it had to leave as they were, if any); `sourceMappings`:
 * the mapping rules under which each source's users were last mapped, one per source that applied a run
 * (null: kept before those were recorded). A source's are saved with its cursor by its runs only, so a run
 * of one source, or an admin action, which maps no user, leaves the other sources' as they were.
 */
export interface StoredSeatSettings {
  readonly allocation: string;
  readonly sourceMappings: readonly (string | null)[];
}

/** The seat settings of `config`, as the seats would be decided under it. */
export function seatSettingsOf(config: SeatsyncConfig): SeatSettings {
  return { allocation: allocationFingerprint(config), mapping: mappingFingerprint(mappingRulesOf(config)) };
}

/**
 * The seat settings the stored seats were decided under, for `config`'s sources (a source no longer
 * configured decides no seat); null before any allocation.
 */
export async function storedSeatSettings(repos: Repositories, config: SeatsyncConfig): Promise<StoredSeatSettings | null> {
  const last = await repos.seats.lastAllocation();
  if (last === null) return null;
  return { allocation: last.fingerprint, sourceMappings: await repos.cursors.mappings(config.sources.map((s) => s.name)) };
}

/**
 * Whether `config`'s seat settings differ from those seats were decided under (`since`: the stored ones,
 * or those of a config, `seatSettingsOf`): the allocation settings differ (whatever accounts the allocation
 * had to leave as they were), or the mapping rules some source's users were mapped under differ from the
 * config's. The one test of "this config change needs a sync of every source", for the config watch and
 * for a worker's start, both against the stored settings (worker.ts `seatsDecidedOtherwise`).
 */
export function seatSettingsChanged(since: SeatSettings | StoredSeatSettings, config: SeatsyncConfig): boolean {
  const now = seatSettingsOf(config);
  if (settingsPartOf(since.allocation) !== now.allocation) return true;
  return 'mapping' in since ? since.mapping !== now.mapping : since.sourceMappings.some((mapping) => mapping !== now.mapping);
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

/**
 * The accounts whose entries their source's last run found unreadable, frozen (their seat state kept
 * exactly), but the one an admin acts on: the action is the admin's decision, whatever the entry says.
 */
function withUnreadableFrozen(accounts: readonly SeatAccount[], unreadableIds: readonly number[], occasion: Occasion): { accounts: readonly SeatAccount[]; frozenIds: number[] } {
  const acted = occasion.kind === 'admin-action' ? occasion.account.id : null;
  const frozenIds = unreadableIds.filter((id) => id !== acted);
  if (frozenIds.length === 0) return { accounts, frozenIds };
  const frozen = new Set(frozenIds);
  return { accounts: accounts.map((account) => (frozen.has(account.id) ? { ...account, frozen: true } : account)), frozenIds };
}

/**
 * Re-allocates every stored account after an admin action (a config change is applied by a sync of every
 * source, which reads the directory) and writes the result. No user is mapped again: a change of `when` or
 * `policy.protect` not yet read stays in the sources' recorded mappings (`storedSeatSettings`). Accounts
 * whose entries were unreadable in their source's last run stay as they are (`withUnreadableFrozen`).
 */
export async function reconcileSeats(tx: Repositories, options: ReconcileOptions): Promise<AllocationPlan> {
  const { accounts, frozenIds } = withUnreadableFrozen(await tx.seats.load(), await tx.seats.unreadableIds(), options.occasion);
  const plan = allocate({ ...allocationSettingsOf(options.config, options.now), accounts: withAdminUnprotect(accounts, options.occasion) });
  await tx.seats.write(plan.changes, auditActorOf(options.occasion));
  await tx.seats.saveAllocation({ fingerprint: allocationFingerprint(options.config, frozenIds), pools: plan.pools });
  return plan;
}
