// Step 3 of the allocation (rule 5): pools with more regular holders than seats block their most
// recently activated, non-protected holders first. Frozen holders count but are no keepers (classify.ts),
// so they are never candidates. Runs after protected requesters took their seats.
//
// Holders are visited newest first across all pools; one is blocked when any pool it holds is still
// over its seats, and then releases all its seats. This keeps "newest first" exact per pool: every
// newer holder of an over pool was visited (and blocked) before an older one is. An account blocked
// here may release a seat in another pool that is not over; it then asks for seats again in the fill
// like any other requester (waiting from now), so the freed seat goes first come, first served.
//
// Which rule blocked a holder (one rule, here): a pool over its seats because protected accounts took
// seats in it while it was full (`seatsTaken`) sheds its newest holders for them first, one each, reason
// `protected` naming that account. Beyond those, a holder an admin has just unprotected
// (`unprotectedByAdmin`) lost its seat to that action, reason `admin`: protected holders alone filled
// the pool past its seats, so its seat was overage that only its protection kept (a settled pool with
// such overage has no other regular holder to shed). The rest were cut by a smaller pool (`pool-shrunk`).
// A holder of several over pools is counted against the first one owing a protected seat.
//
// Holders come off a heap rather than a sorted list: a pool cut by 10% of a million seats blocks a
// hundred thousand holders, and the visit stops as soon as no pool is over.
import {
  type AllocationState,
  compareNewestFirst,
  regularOf,
  type Requester,
  seatsOf,
} from './allocation-state.ts';
import { IntHeap } from './int-heap.ts';

export function shrinkPools(s: AllocationState): void {
  const { table } = s;
  const over = (pool: number): boolean => regularOf(table, pool) > seatsOf(table, pool);
  let overPools = table.names.filter((_, pool) => over(pool)).length;
  if (overPools === 0) return;

  const reservers = new Map<number, Requester>();
  for (const requester of s.requesters) {
    if (requester.reserved.some(over)) reservers.set(requester.index, requester);
  }
  const poolsOf = (index: number): readonly number[] =>
    reservers.get(index)?.reserved ?? s.profiles.get(s.accounts[index]?.profile ?? '')?.pools ?? [];
  const candidates = collectKeepers(s, over, reservers);
  // activatedAt decides nearly every comparison: read it from a flat array, the account only on ties.
  const activatedAt = new Float64Array(s.accounts.length);
  for (const index of candidates) activatedAt[index] = s.accounts[index]?.activatedAt ?? Number.NEGATIVE_INFINITY;
  const heap = new IntHeap((a, b) => {
    const ta = activatedAt[a] ?? 0;
    const tb = activatedAt[b] ?? 0;
    return ta === tb ? newestFirst(s, a, b) : ta > tb ? -1 : 1;
  }, candidates);

  const paid = table.names.map(() => 0);
  while (overPools > 0 && heap.size > 0) {
    const index = heap.pop();
    const pools = poolsOf(index);
    if (!pools.some(over)) continue;
    const owed = pools.find((pool) => over(pool) && (paid[pool] ?? 0) < (s.seatsTaken[pool]?.length ?? 0));
    const takenBy = owed === undefined ? null : (s.seatsTaken[owed]?.[paid[owed] ?? 0] ?? null);
    if (owed !== undefined) paid[owed] = (paid[owed] ?? 0) + 1;
    for (const pool of pools) {
      const wasOver = over(pool);
      table.regular[pool] = regularOf(table, pool) - 1;
      if (wasOver && !over(pool)) overPools--;
    }
    const unprotected = takenBy === null && s.accounts[index]?.unprotectedByAdmin === true;
    block(s, index, reservers.get(index), { takenBy, unprotected });
  }
}

function newestFirst(s: AllocationState, a: number, b: number): number {
  const x = s.accounts[a];
  const y = s.accounts[b];
  return x === undefined || y === undefined ? 0 : compareNewestFirst(x, y);
}

/** Indices of non-protected keepers holding a seat in an over pool, and of the reservers given. */
function collectKeepers(
  s: AllocationState,
  over: (pool: number) => boolean,
  reservers: ReadonlyMap<number, Requester>,
): number[] {
  const indices = [...reservers.keys()];
  for (let index = 0; index < s.accounts.length; index++) {
    if (s.keepers[index] !== 1) continue;
    const account = s.accounts[index];
    if (account === undefined || account.protected) continue;
    const pools = s.profiles.get(account.profile ?? '')?.pools;
    if (pools?.some(over) === true) indices.push(index);
  }
  return indices;
}

/** A blocked holder asks again in the fill, waiting from now; a requester decision replaces any early one. */
function block(s: AllocationState, index: number, reserver: Requester | undefined, why: { takenBy: Requester | null; unprotected: boolean }): void {
  if (reserver !== undefined) {
    reserver.kind = 'shrunk';
    reserver.reserved = [];
    reserver.takenBy = why.takenBy;
    reserver.unprotected = why.unprotected;
    return;
  }
  s.keepers[index] = 0;
  const account = s.accounts[index];
  const needs = s.profiles.get(account?.profile ?? '');
  if (account === undefined || needs === undefined) return; // keepers always have both
  // Every field written out, in classify.ts's order: all requesters share one shape, which the fill, the
  // decisions and the plan read for each (a spread of the reasons here gave a shrunk pool's a second one).
  s.requesters.push({
    index,
    account,
    needs,
    kind: 'shrunk',
    reserved: [],
    waitingSince: s.now,
    cause: 'seats',
    granted: false,
    decision: null,
    overfull: false,
    blockedBy: -1,
    takenBy: why.takenBy,
    unprotected: why.unprotected,
  });
}
