// Step 4 of the allocation (rules 2, 3, 4 and 8): free seats go to the requesters in queue order, all or
// nothing. A requester that does not fit keeps its place; later ones that fit are activated.
//
// A reserver (active account whose new profile needs pools it lacks) keeps its still-needed seats until
// its turn; if it cannot get the rest then, it releases them all, and the released seats are offered at
// once to the requesters queued BEFORE it that were waiting on them (the ones after it get their turn
// as the scan goes on), so the order of rule 3 holds.
//
// To find "the earliest requester that now fits" without rescanning the queue, every waiting requester
// is filed under one pool that was full when it was checked (its witness, as in watched-literal
// schemes): it cannot fit before that pool frees a seat. Seats only free up when a reserver releases,
// so each release looks only at the requesters filed under the released pools, earliest first.
import {
  addGrace,
  addRegular,
  type AllocationState,
  compareQueue,
  regularOf,
  type Requester,
  seatsOf,
} from './allocation-state.ts';
import { IntHeap } from './int-heap.ts';
import type { PoolTable } from './pool-table.ts';

export function fillSeats(s: AllocationState): void {
  const { table } = s;
  const queue = s.requesters.sort(compareQueue);
  const filed: (IntHeap | undefined)[] = [];
  const fileUnder = (position: number, requester: Requester, pool: number): void => {
    requester.blockedBy = pool;
    (filed[pool] ??= new IntHeap()).push(position);
  };

  for (let position = 0; position < queue.length; position++) {
    const requester = queue[position];
    if (requester === undefined) continue;
    const full = firstFullPool(table, requester);
    if (full < 0) {
      grant(table, requester);
      continue;
    }
    const released = requester.reserved;
    if (released.length > 0) {
      addRegular(table, released, -1);
      requester.reserved = [];
    }
    fileUnder(position, requester, full);
    if (released.length > 0) offerReleased({ table, queue, filed, released, fileUnder });
  }
}

interface OfferContext {
  readonly table: PoolTable;
  readonly queue: readonly Requester[];
  readonly filed: readonly (IntHeap | undefined)[];
  readonly released: readonly number[];
  readonly fileUnder: (position: number, requester: Requester, pool: number) => void;
}

/** Gives seats freed by a reserver to the earliest requesters filed under those pools, while they fit. */
function offerReleased(c: OfferContext): void {
  for (;;) {
    let best = -1;
    let bestHeap: IntHeap | undefined;
    for (const pool of c.released) {
      const heap = c.filed[pool];
      if (heap === undefined || regularOf(c.table, pool) >= seatsOf(c.table, pool)) continue;
      const head = firstValid(heap, c.queue, pool);
      if (head >= 0 && (best < 0 || head < best)) {
        best = head;
        bestHeap = heap;
      }
    }
    const requester = c.queue[best];
    if (bestHeap === undefined || requester === undefined) return;
    bestHeap.pop();
    const full = firstFullPool(c.table, requester);
    if (full < 0) grant(c.table, requester);
    else c.fileUnder(best, requester, full); // under a full pool: not picked again in this offer
  }
}

/** Drops entries of requesters since granted or filed elsewhere; returns the head position or -1. */
function firstValid(heap: IntHeap, queue: readonly Requester[], pool: number): number {
  while (heap.size > 0) {
    const requester = queue[heap.peek()];
    if (requester !== undefined && !requester.granted && requester.blockedBy === pool) return heap.peek();
    heap.pop();
  }
  return -1;
}

/** The first needed pool without a free regular seat (reserved pools excluded); -1 when all fit. */
export function firstFullPool(table: PoolTable, requester: Requester): number {
  for (const pool of requester.needs.pools) {
    if (requester.reserved.includes(pool)) continue;
    if (regularOf(table, pool) >= seatsOf(table, pool)) return pool;
  }
  return -1;
}

/** Takes a regular seat in every needed pool not already reserved; a grace holder gives up its overage. */
export function grant(table: PoolTable, requester: Requester): void {
  for (const pool of requester.needs.pools) {
    if (!requester.reserved.includes(pool)) table.regular[pool] = regularOf(table, pool) + 1;
  }
  if (requester.kind === 'grace' && !requester.account.protected) addGrace(table, requester.needs.pools, -1);
  requester.granted = true;
  requester.blockedBy = -1;
}
