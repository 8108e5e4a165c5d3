// What one source's accounts hold after a run, per profile and per pool: what `seatsync check` shows
// from a dry run, read in the run's transaction before it rolls back (so the numbers are the
// allocator's decisions, not a second calculation).
import type { SeatsyncConfig } from '../config/types.ts';
import type { SourceSeatRow } from '../store/repositories.ts';

export interface ProfileTally {
  /** null: accounts matching no profile that are not removed (disabled or suspended ones). */
  readonly profile: string | null;
  readonly accounts: number;
  /** Holding their seats (or needing none). */
  readonly active: number;
  /** Waiting for a seat. */
  readonly blocked: number;
  /** Disabled in the directory or suspended by an admin. */
  readonly other: number;
}

export interface PoolTally {
  readonly pool: string;
  /** Accounts of the source holding a seat of the pool. */
  readonly held: number;
  /** Accounts of the source blocked waiting for the pool. */
  readonly blocked: number;
}

export interface SeatTally {
  /** Accounts of the source that are not removed. */
  readonly accounts: number;
  /** Every configured profile, in config order, then accounts without one (if any). */
  readonly profiles: readonly ProfileTally[];
  /** Every configured pool, in config order. */
  readonly pools: readonly PoolTally[];
}

export function tallyOf(config: Pick<SeatsyncConfig, 'profiles' | 'pools'>, rows: readonly SourceSeatRow[]): SeatTally {
  const profiles = new Map<string | null, { accounts: number; active: number; blocked: number; other: number }>(
    config.profiles.map((p) => [p.name, { accounts: 0, active: 0, blocked: 0, other: 0 }]),
  );
  const pools = new Map(config.pools.map((p) => [p.name, { held: 0, blocked: 0 }]));
  let accounts = 0;
  for (const row of rows) {
    accounts += row.n;
    const profile = profiles.get(row.profile) ?? { accounts: 0, active: 0, blocked: 0, other: 0 };
    profiles.set(row.profile, profile);
    profile.accounts += row.n;
    if (row.state === 'active') profile.active += row.n;
    else if (row.state === 'blocked') profile.blocked += row.n;
    else profile.other += row.n;
    for (const pool of row.held) {
      const entry = pools.get(pool);
      if (entry) entry.held += row.n;
    }
    for (const pool of row.waitingFor) {
      const entry = pools.get(pool);
      if (entry) entry.blocked += row.n;
    }
  }
  return {
    accounts,
    profiles: [...profiles].map(([profile, counts]) => ({ profile, ...counts })),
    pools: [...pools].map(([pool, counts]) => ({ pool, ...counts })),
  };
}
