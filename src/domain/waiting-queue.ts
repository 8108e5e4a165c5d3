// Where each blocked account stands in the waiting queue, and why it waits (SPEC rules 2 and 3): its
// place in the queue order the allocation uses (queue-order.ts), and for every pool it waits for, how
// full that pool is and how many accounts wait for it ahead of it. Pure; one pass over the queue.
import { compareQueue, type QueuePlace } from './queue-order.ts';
import { formatCount } from './counted.ts';

export interface WaitingAccount extends QueuePlace {
  /** Pools the account waits for (all of them, rule 2). */
  readonly waitingFor: readonly string[];
}

/** A pool's seats and holders as stored. */
export interface PoolFill {
  readonly name: string;
  readonly seats: number;
  readonly used: number;
}

export interface AwaitedPool {
  readonly name: string;
  readonly seats: number;
  readonly used: number;
  readonly full: boolean;
  /** Accounts earlier in the queue that wait for this pool too. */
  readonly ahead: number;
}

export interface QueueStanding {
  /** 1-based place in the whole queue. */
  readonly position: number;
  readonly total: number;
  readonly pools: readonly AwaitedPool[];
  /** One sentence, e.g. "primary is full (20 of 20 seats in use), 3 ahead waiting for it; 4th of 12 in the queue". */
  readonly summary: string;
}

/** The queue in order, each account with its standing. */
export function rankWaiting<T extends WaitingAccount>(waiting: readonly T[], pools: readonly PoolFill[]): { entry: T; standing: QueueStanding }[] {
  const aheadPerPool = new Map<string, number>();
  const ordered = [...waiting].sort(compareQueue);
  return ordered.map((entry, index) => {
    const standing = standingOf({ ahead: index, total: ordered.length, waitingFor: entry.waitingFor, aheadPerPool }, pools);
    for (const name of entry.waitingFor) aheadPerPool.set(name, (aheadPerPool.get(name) ?? 0) + 1);
    return { entry, standing };
  });
}

/** Where one waiting account stands, counted in the queue order (`compareQueue`). */
export interface QueueCounts {
  /** Accounts before it in the queue. */
  readonly ahead: number;
  /** Accounts in the queue, it included. */
  readonly total: number;
  readonly waitingFor: readonly string[];
  /** Per pool name: accounts before it in the queue that wait for that pool (missing: none). */
  readonly aheadPerPool: ReadonlyMap<string, number>;
}

/** The standing of one account from the counts of the accounts ahead of it: what `rankWaiting` gives it. */
export function standingOf(counts: QueueCounts, pools: readonly PoolFill[]): QueueStanding {
  const awaited = counts.waitingFor.map((name): AwaitedPool => {
    const fill = pools.find((p) => p.name === name) ?? { name, seats: 0, used: 0 };
    return { name, seats: fill.seats, used: fill.used, full: fill.used >= fill.seats, ahead: counts.aheadPerPool.get(name) ?? 0 };
  });
  const position = counts.ahead + 1;
  return { position, total: counts.total, pools: awaited, summary: summarize(awaited, position, counts.total) };
}

function summarize(pools: readonly AwaitedPool[], position: number, total: number): string {
  const place = `${ordinal(position)} of ${formatCount(total)} in the queue`;
  const full = pools.filter((p) => p.full);
  if (pools.length === 0) return `waits for no pool (its profile needs none); ${place}`;
  if (full.length === 0) {
    // Stored state lags behind a config change (more seats) until the next allocation.
    return `every pool it waits for has a free seat (${pools.map((p) => p.name).join(', ')}): the next sync gives it its seats; ${place}`;
  }
  const parts = full.map((p) => `${p.name} is full (${formatCount(p.used)} of ${formatCount(p.seats)} seats in use), ${formatCount(p.ahead)} ahead waiting for it`);
  const free = pools.filter((p) => !p.full);
  if (free.length > 0) parts.push(`${free.map((p) => p.name).join(', ')} has free seats, but seats are given all or nothing`);
  return `${parts.join('; ')}; ${place}`;
}

export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${formatCount(n)}th`;
  return `${formatCount(n)}${({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'}`;
}
