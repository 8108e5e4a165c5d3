// Helpers shared by the allocation tests: run a plan and look at the result per account id.
import { DEFAULT_NOW } from '../../support/builders.ts';
import { applyChanges, isSettledKeeper } from '../../../src/domain/allocate.ts';
import { beginAllocation, type AllocationStep } from '../../../src/domain/allocator.ts';
import { buildPoolTable, buildProfileNeeds } from '../../../src/domain/pool-table.ts';
import { queueKeyOf } from '../../../src/domain/queue-order.ts';
import type { AccountChange, AllocationInput, AllocationPlan, PoolUsage, SeatAccount } from '../../../src/domain/types.ts';

export const NOW = DEFAULT_NOW;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export interface PlanResult {
  readonly plan: AllocationPlan;
  /** Accounts after applying the plan, by id. */
  readonly after: ReadonlyMap<number, SeatAccount>;
  change(id: number): AccountChange | undefined;
  account(id: number): SeatAccount;
  pool(name: string): PoolUsage;
}

/** Plans with the allocator as a sync run drives it (see `allocateInSlices`). */
export function plan(input: AllocationInput): PlanResult {
  const result = allocateInSlices(input, { slice: 2, settled: true });
  const after = new Map(applyChanges(input.accounts, result.changes).map((a) => [a.id, a]));
  return {
    plan: result,
    after,
    change: (id) => result.changes.find((c) => c.id === id),
    account: (id) => {
      const account = after.get(id);
      if (account === undefined) throw new Error(`no account ${id}`);
      return account;
    },
    pool: (name) => {
      const pool = result.pools.find((p) => p.name === name);
      if (pool === undefined) throw new Error(`no pool ${name}`);
      return pool;
    },
  };
}

/** The seat-related fields of an account, for compact expectations. */
export function seatsOf(account: SeatAccount): Pick<
  SeatAccount,
  'state' | 'held' | 'waitingFor' | 'waitingSince' | 'activatedAt' | 'graceUntil'
> {
  const { state, held, waitingFor, waitingSince, activatedAt, graceUntil } = account;
  return { state, held, waitingFor, waitingSince, activatedAt, graceUntil };
}

/**
 * The allocator as a sync run drives it: stored accounts (settled keepers left out and counted, when
 * `settled`), then the new ones in queue-key order, in slices of `slice`; the steps merged into one plan.
 * A declined allocation (a settled pool must shrink) is run again without leaving anyone out, as a run does.
 */
export function allocateInSlices(input: AllocationInput, options: { slice?: number; settled?: boolean } = {}): AllocationPlan & { streamed: number } {
  const slice = Math.max(1, options.slice ?? 3);
  const needs = buildProfileNeeds(buildPoolTable(input.pools, input.profilePools), input.profilePools);
  const keyOf = (a: SeatAccount): string => queueKeyOf(a, a.profile === null ? undefined : needs.get(a.profile));
  // Each new account with its key, built once as a run's read stages it, in key order as the staging table hands them over.
  const fresh = input.accounts
    .filter((a) => a.state === null)
    .map((account) => ({ account, queueKey: keyOf(account) }))
    .sort((a, b) => (a.queueKey < b.queueKey ? -1 : a.queueKey > b.queueKey ? 1 : 0));
  const attempt = (leaveOutSettled: boolean): (AllocationPlan & { streamed: number }) | null => {
    const settled = new Map<string, number>();
    const stored: SeatAccount[] = [];
    for (const account of input.accounts) {
      if (account.state === null) continue;
      if (leaveOutSettled && account.profile !== null && isSettledKeeper(account, input.profilePools)) {
        settled.set(account.profile, (settled.get(account.profile) ?? 0) + 1);
      } else stored.push(account);
    }
    const allocation = beginAllocation(input, { settled });
    for (let start = 0; start < stored.length; start += slice) allocation.admit(stored.slice(start, start + slice));
    const steps: AllocationStep[] = [];
    for (let start = 0; start < fresh.length; start += slice) steps.push(allocation.admitQueued(fresh.slice(start, start + slice)));
    const streamed = steps.reduce((n, step) => n + step.changes.length, 0);
    const end = allocation.finish();
    if (end.kind === 'declined') return null;
    steps.push(end.step);
    return {
      changes: steps.flatMap((s) => s.changes),
      newlyBlocked: steps.flatMap((s) => s.newlyBlocked),
      graceStarted: steps.flatMap((s) => s.graceStarted),
      pools: end.pools,
      streamed,
    };
  };
  const result = attempt(options.settled === true) ?? attempt(false);
  if (result === null) throw new Error('an allocation without settled keepers declined');
  return result;
}
