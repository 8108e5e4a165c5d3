// Helpers shared by the allocation tests: run a plan and look at the result per account id.
import { DEFAULT_NOW } from '../../support/builders.ts';
import { allocate, applyChanges } from '../../../src/domain/allocate.ts';
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

export function plan(input: AllocationInput): PlanResult {
  const result = allocate(input);
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
