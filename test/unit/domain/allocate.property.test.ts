// Property tests of the allocation (SPEC §2): thousands of generated worlds per property, each planned by
// the allocator as a sync run drives it (settled keepers counted, new accounts in queue order, in slices).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyChanges } from '../../../src/domain/allocate.ts';
import { allocateInSlices } from './allocation-helpers.ts';

const allocate = (input: AllocationInput): AllocationPlan => allocateInSlices(input, { slice: 2, settled: true });
import type { AccountChange, AllocationInput, AllocationPlan, SeatAccount } from '../../../src/domain/types.ts';
import { anyInputArb, laterRunArb, rawInputArb } from './allocation-arbitraries.ts';

const RUNS = { numRuns: 2000 };

/** Pools the account needs, sorted; null when it is not eligible for seats. */
function needsOf(input: AllocationInput, a: SeatAccount): string[] | null {
  if (!a.present || !a.enabled || a.suspended || a.profile === null) return null;
  const pools = input.profilePools.get(a.profile);
  return pools === undefined ? null : [...new Set(pools)].sort();
}

function seatsOf(input: AllocationInput, pool: string): number {
  return input.pools.find((p) => p.name === pool)?.seats ?? 0;
}

const isRegularHolder = (a: SeatAccount, pool: string): boolean =>
  a.state === 'active' && a.graceUntil === null && a.held.includes(pool);

function poolsNamed(input: AllocationInput): string[] {
  const names = new Set(input.pools.map((p) => p.name));
  for (const pools of input.profilePools.values()) for (const p of pools) names.add(p);
  return [...names];
}

function run(input: AllocationInput): { plan: AllocationPlan; after: SeatAccount[] } {
  const plan = allocate(input);
  return { plan, after: applyChanges(input.accounts, plan.changes) };
}

describe('allocation properties', () => {
  it('never oversubscribes: a pool above its seats holds only protected regular holders (plus grace)', () => {
    fc.assert(
      fc.property(anyInputArb(), (input) => {
        const { plan, after } = run(input);
        for (const pool of poolsNamed(input)) {
          const regular = after.filter((a) => isRegularHolder(a, pool));
          const holders = after.filter((a) => a.held.includes(pool));
          if (regular.length > seatsOf(input, pool)) expect(regular.every((a) => a.protected)).toBe(true);
          const usage = plan.pools.find((p) => p.name === pool);
          expect(usage).toEqual({
            name: pool,
            seats: seatsOf(input, pool),
            used: holders.length,
            available: Math.max(0, seatsOf(input, pool) - holders.length),
            waiting: after.filter((a) => a.state === 'blocked' && a.waitingFor.includes(pool)).length,
            overage: Math.max(0, holders.length - seatsOf(input, pool)),
          });
        }
      }),
      RUNS,
    );
  });

  it('all or nothing: an account holds every pool it needs or none, and waits only for full pools', () => {
    fc.assert(
      fc.property(anyInputArb(), (input) => {
        const { after } = run(input);
        const full = (pool: string) => after.filter((b) => isRegularHolder(b, pool)).length >= seatsOf(input, pool);
        const problems: string[] = [];
        for (const a of after) {
          const needs = needsOf(input, a);
          const held = a.held.join();
          if (needs === null) {
            if (!['removed', 'disabled', 'suspended'].includes(a.state ?? '') || held !== '') problems.push(`${a.id}: not idle`);
          } else if (a.state === 'active') {
            if (held !== needs.join() || a.waitingFor.length > 0) problems.push(`${a.id}: holds ${held}, needs ${needs.join()}`);
          } else if (a.state !== 'blocked' || held !== '' || a.waitingFor.length === 0) {
            problems.push(`${a.id}: ${a.state} holding ${held}, waiting for ${a.waitingFor.join()}`);
          } else if (!a.waitingFor.every((pool) => needs.includes(pool) && full(pool))) {
            problems.push(`${a.id}: waits for ${a.waitingFor.join()}, not all needed and full`);
          }
        }
        expect(problems).toEqual([]);
      }),
      RUNS,
    );
  });

  it('leaves no free seat to an account that fits: every waiting or grace account lacks a seat somewhere', () => {
    fc.assert(
      fc.property(anyInputArb(), (input) => {
        const { after } = run(input);
        const free = (pool: string) => seatsOf(input, pool) - after.filter((a) => isRegularHolder(a, pool)).length;
        for (const a of after) {
          const waiting = a.state === 'blocked' || (a.state === 'active' && a.graceUntil !== null);
          const needs = needsOf(input, a);
          if (waiting && needs !== null) expect(needs.some((pool) => free(pool) <= 0)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('protected accounts are never blocked by the automatic rules and never need grace', () => {
    fc.assert(
      fc.property(anyInputArb(), (input) => {
        const { after } = run(input);
        for (const a of after.filter((b) => b.protected && needsOf(input, b) !== null)) {
          expect(a.state).toBe('active');
          expect(a.graceUntil).toBeNull();
        }
      }),
      RUNS,
    );
  });

  it('is idempotent: applying the plan and planning again at the same time changes nothing', () => {
    fc.assert(
      fc.property(anyInputArb(), (input) => {
        const { after } = run(input);
        const again = allocate({ ...input, accounts: after });
        expect(again.changes).toEqual([]);
        expect(again.newlyBlocked).toEqual([]);
        expect(again.graceStarted).toEqual([]);
      }),
      RUNS,
    );
  });

  it('lists exactly the accounts whose seat state differs, with consistent newlyBlocked and graceStarted', () => {
    fc.assert(
      fc.property(anyInputArb(), (input) => {
        const { plan } = run(input);
        for (const change of plan.changes) expect(change.to).not.toEqual(change.from);
        const ids = plan.changes.map((c) => c.id);
        expect(new Set(ids).size).toBe(ids.length);
        const blocked = plan.changes.filter((c) => c.to.state === 'blocked' && c.from?.state !== 'blocked');
        expect(plan.newlyBlocked).toEqual(blocked.map((c) => c.id));
        expect(plan.graceStarted).toEqual(plan.changes.filter((c) => c.reason === 'grace').map((c) => c.id));
      }),
      RUNS,
    );
  });

  it('does not depend on the order of the accounts', () => {
    fc.assert(
      fc.property(
        anyInputArb().chain((input) => fc.tuple(fc.constant(input), fc.shuffledSubarray([...input.accounts], { minLength: input.accounts.length }))),
        ([input, shuffled]) => {
          const byId = (changes: readonly AccountChange[]) => [...changes].sort((x, y) => x.id - y.id);
          const a = allocate(input);
          const b = allocate({ ...input, accounts: shuffled });
          expect(byId(b.changes)).toEqual(byId(a.changes));
          expect(b.pools).toEqual(a.pools);
        },
      ),
      RUNS,
    );
  });

  it('no churn: an active account whose directory side is unchanged keeps its seats unless its pool shrank', () => {
    fc.assert(
      fc.property(laterRunArb(), (input) => {
        const { plan, after } = run(input);
        const demand = (pool: string) =>
          input.accounts.filter((a) => {
            const needs = needsOf(input, a);
            return needs?.includes(pool) === true && (isRegularHolder(a, pool) || a.protected);
          }).length;
        input.accounts.forEach((before, i) => {
          const needs = needsOf(input, before);
          if (before.state !== 'active' || before.graceUntil !== null || needs === null) return;
          if (!needs.every((p) => before.held.includes(p))) return; // needs more: rule 8
          const change = plan.changes.find((c) => c.id === before.id);
          if (change?.to.state === 'blocked') {
            expect(['pool-shrunk', 'protected', 'admin']).toContain(change.reason);
            // Blocked for a protected account: that account took a seat while the pool was full.
            if (change.reason === 'protected') {
              const taker = plan.changes.find((c) => c.id === change.takenBy?.id);
              expect(taker).toMatchObject({ reason: 'protected', to: { state: 'active' } });
            } else expect(change.takenBy).toBeUndefined();
            expect(needs.some((pool) => demand(pool) > seatsOf(input, pool))).toBe(true);
          } else {
            expect(after[i]?.state).toBe('active');
            expect(after[i]?.held).toEqual(needs);
            expect(after[i]?.activatedAt).toBe(before.activatedAt);
          }
        });
      }),
      RUNS,
    );
  });

  it('a resync with no change at the same time writes nothing', () => {
    fc.assert(
      fc.property(rawInputArb(), (input) => {
        const settled = run(input).after;
        expect(allocate({ ...input, accounts: settled }).changes).toEqual([]);
      }),
      RUNS,
    );
  });

  it('shrinking pools block the newest non-protected holders first, and no more than needed', () => {
    fc.assert(
      fc.property(laterRunArb({ singlePool: true }), (input) => {
        const { plan, after } = run(input);
        for (const pool of poolsNamed(input)) {
          const keepers = input.accounts.filter((a) => {
            const needs = needsOf(input, a);
            return needs !== null && needs[0] === pool && isRegularHolder(a, pool) && !a.protected;
          });
          const shed = plan.changes.filter((c) => c.to.state === 'blocked' && ['pool-shrunk', 'protected', 'admin'].includes(c.reason));
          const shrunk = new Set(shed.map((c) => c.id));
          // One holder shed per seat a protected account took in the full pool, at most.
          const takers = plan.changes.filter((c) => c.reason === 'protected' && c.to.state === 'active').length;
          expect(shed.filter((c) => c.reason === 'protected').length).toBeLessThanOrEqual(takers);
          const blocked = keepers.filter((a) => shrunk.has(a.id));
          const kept = keepers.filter((a) => !shrunk.has(a.id));
          for (const b of blocked) for (const k of kept) expect(newer(b, k), `${b.id} newer than ${k.id}`).toBe(true);
          if (blocked.length > 0) {
            const regular = after.filter((a) => isRegularHolder(a, pool));
            const protectedCount = regular.filter((a) => a.protected).length;
            expect(regular.length).toBe(Math.max(seatsOf(input, pool), protectedCount));
          }
        }
      }),
      RUNS,
    );
  });

  it('a holder loses its seat for an admin\'s unprotect (reason admin) only when an admin unprotected it, and such a holder is never put down to a smaller pool', () => {
    fc.assert(
      fc.property(laterRunArb(), (input) => {
        const { plan } = run(input);
        const before = new Map(input.accounts.map((a) => [a.id, a]));
        for (const change of plan.changes) {
          const account = before.get(change.id);
          if (change.reason === 'admin' && change.to.state === 'blocked') {
            expect(account?.unprotectedByAdmin, `account ${change.id}`).toBe(true);
            expect(account?.protected).toBe(false);
            expect(change.from?.state).toBe('active');
          }
          if (account?.unprotectedByAdmin === true) expect(change.reason).not.toBe('pool-shrunk');
        }
      }),
      RUNS,
    );
  });

  it('a change into blocked names its cause: what made the account ask, the rule that took its seat, or `seats`', () => {
    const byFrom: Record<string, readonly string[]> = {
      new: ['seats'],
      blocked: ['seats'],
      suspended: ['seats'], // an admin's unblock: that action has its own audit row
      disabled: ['directory-enabled'],
      removed: ['returned'],
      grace: ['grace-expired'],
      keeper: ['pool-shrunk', 'protected', 'admin'],
      reserver: ['profile-changed', 'pool-shrunk', 'protected', 'admin'],
    };
    fc.assert(
      fc.property(anyInputArb(), (input) => {
        const { plan } = run(input);
        const before = new Map(input.accounts.map((a) => [a.id, a]));
        for (const change of plan.changes) {
          const account = before.get(change.id);
          if (change.to.state !== 'blocked' || account === undefined) continue;
          const needs = needsOf(input, account) ?? [];
          const from =
            account.state === null ? 'new'
            : account.state !== 'active' ? account.state
            : account.graceUntil !== null ? 'grace'
            : needs.every((pool) => account.held.includes(pool)) ? 'keeper'
            : 'reserver';
          expect(byFrom[from], `account ${change.id} from ${from}`).toContain(change.reason);
        }
      }),
      RUNS,
    );
  });

  // Accounts keeping seats while they wait for a new profile's pools (rule 8) hold them until their turn,
  // which can legitimately let a later account go first; the generator leaves active profiles alone here.
  it('first come, first served: no blocked account could have had the seats of a later one activated instead', () => {
    fc.assert(
      fc.property(laterRunArb({ keepActiveProfiles: true }), (input) => {
        const { plan, after } = run(input);
        const free = (pool: string) => seatsOf(input, pool) - after.filter((a) => isRegularHolder(a, pool)).length;
        const queueKey = (a: SeatAccount, waitingSince: number) => [waitingSince, a.directoryCreatedAt, a.username, a.id] as const;
        const activated = plan.changes.filter(
          (c) => c.to.state === 'active' && c.to.graceUntil === null && c.to.held.length > 0 && c.reason !== 'protected' && !keptSeats(c),
        );
        const waiters = after.filter((a) => a.state === 'blocked' || (a.state === 'active' && a.graceUntil !== null));
        for (const c of activated) {
          const a = input.accounts.find((x) => x.id === c.id);
          if (a === undefined || a.protected) continue; // protected accounts skip the queue
          const aKey = queueKey(a, waitedSince(c, input.now));
          for (const b of waiters) {
            const bNeeds = needsOf(input, b) ?? [];
            if (compareKeys(queueKey(b, b.waitingSince ?? input.now), aKey) >= 0) continue;
            const couldTake = bNeeds.every((p) => free(p) > 0 || c.to.held.includes(p));
            expect(couldTake, `${b.id} (waiting) could have had the seats of ${a.id}`).toBe(false);
          }
        }
      }),
      RUNS,
    );
  });
});

/** Shrink order: a is more recently activated than b (ties: username, then id, descending). */
function newer(a: SeatAccount, b: SeatAccount): boolean {
  const ta = a.activatedAt ?? Number.NEGATIVE_INFINITY;
  const tb = b.activatedAt ?? Number.NEGATIVE_INFINITY;
  if (ta !== tb) return ta > tb;
  if (a.username !== b.username) return a.username > b.username;
  return a.id > b.id;
}

/** An active account that was active with the same seats before (e.g. a grace holder made regular). */
function keptSeats(c: AccountChange): boolean {
  return c.from?.state === 'active' && c.from.graceUntil === null && c.from.held.join() === c.to.held.join();
}

/** When an activated account joined the queue: its waitingSince if it was waiting, else this run. */
function waitedSince(c: AccountChange, now: number): number {
  if (c.from?.state === 'blocked') return c.from.waitingSince ?? now;
  if (c.from?.state === 'active' && c.from.graceUntil !== null) return c.from.waitingSince ?? c.from.activatedAt ?? now;
  return now;
}

type QueueKey = readonly [number, number | null, string, number];

function compareKeys(x: QueueKey, y: QueueKey): number {
  if (x[0] !== y[0]) return x[0] - y[0];
  if (x[1] !== y[1]) {
    if (x[1] === null) return 1;
    if (y[1] === null) return -1;
    return x[1] - y[1];
  }
  if (x[2] !== y[2]) return x[2] < y[2] ? -1 : 1;
  return x[3] - y[3];
}
