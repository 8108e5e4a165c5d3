// Pools and profiles indexed for the allocation: pool names become small integers so per-pool counters
// are plain arrays, and each profile's needs are resolved once instead of once per account.
import type { Pool } from './types.ts';

export interface PoolTable {
  /** Pool index → name. Configured pools first (config order), then pools only profiles name. */
  readonly names: readonly string[];
  readonly seats: readonly number[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** Regular (non-grace) holders per pool, protected ones included. Mutated as the plan proceeds. */
  readonly regular: number[];
  /** Grace holders per pool (rule 9): they hold a seat as overage and do not take a regular one. */
  readonly grace: number[];
}

export interface ProfileNeeds {
  /** Needed pool indices, unique, in pool-name order (so `names` is sorted too). */
  readonly pools: readonly number[];
  readonly names: readonly string[];
}

/**
 * Builds the pool table. A pool a profile needs but `pools` lacks has 0 seats: the config says the
 * profile needs it and nobody sells it, so its users wait (and the pool shows up in the report).
 */
export function buildPoolTable(
  pools: readonly Pool[],
  profilePools: ReadonlyMap<string, readonly string[]>,
): PoolTable {
  const names: string[] = [];
  const seats: number[] = [];
  const indexOf = new Map<string, number>();
  const add = (name: string, count: number): void => {
    if (indexOf.has(name)) return;
    indexOf.set(name, names.length);
    names.push(name);
    seats.push(count);
  };
  for (const pool of pools) add(pool.name, Math.max(0, pool.seats));
  const unknown = new Set<string>();
  for (const needed of profilePools.values()) {
    for (const name of needed) if (!indexOf.has(name)) unknown.add(name);
  }
  for (const name of [...unknown].sort()) add(name, 0);
  return {
    names,
    seats,
    indexOf,
    regular: names.map(() => 0),
    grace: names.map(() => 0),
  };
}

/** Profile name → its needs. A profile missing here is out of scope (treated like profile null). */
export function buildProfileNeeds(
  table: PoolTable,
  profilePools: ReadonlyMap<string, readonly string[]>,
): Map<string, ProfileNeeds> {
  const needs = new Map<string, ProfileNeeds>();
  for (const [profile, poolNames] of profilePools) {
    const unique = neededPoolNames(poolNames);
    needs.set(profile, {
      pools: unique.map((name) => table.indexOf.get(name) ?? -1),
      names: unique,
    });
  }
  return needs;
}

/** The pools a profile needs, as accounts hold them: unique, in code-unit order. */
export function neededPoolNames(pools: readonly string[]): string[] {
  return [...new Set(pools)].sort(compareText);
}

/** Code-unit order: deterministic and locale-independent (the same on every replica). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function hasFreeSeat(table: PoolTable, pool: number): boolean {
  return (table.regular[pool] ?? 0) < (table.seats[pool] ?? 0);
}
