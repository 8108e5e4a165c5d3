// The one seat allocator (semantics in allocate.ts): begin with the settled state, admit accounts in
// slices, finish. Every run uses it: a sync of any size, a config change, an admin action.
//
// - `beginAllocation(settings, { settled })`: `settled` counts, per profile, the settled keepers the
//   caller left out (see `isSettledKeeper`): their seats are taken, their accounts never loaded.
// - `admit(accounts)`: stored accounts (with this run's directory facts) in any order; decided at the end.
// - `admitQueued(newcomers)`: the run's new accounts (state null), each with its queue key (`queueKeyOf`,
//   built once, as the user was staged), in the order of that key, after every stored account. When the stored accounts leave no requester that waits
//   from now and no pool over its seats ("the core is settled"), every new requester queues behind all of
//   them, and the full allocation serves it greedily in key order against the seats left: it is decided
//   here and returned at once, so a first sync of a million users never holds them all. Only the blocked
//   ones are kept (their `waitingFor` names the pools full at the end). Otherwise they are kept and
//   decided at the end, as in one call.
// - `finish()`: what is left to decide, and the pools; or `declined` when a pool the settled keepers hold
//   must shrink (rule 5 may block some of them): begin again without leaving them out.
//
// Either way the result is exactly the plan of one allocation over every account
// (test/unit/domain/allocator.property.test.ts).
import { addRegular, type AllocationState, regularOf, type Requester, seatsOf } from './allocation-state.ts';
import { classifyAccounts } from './classify.ts';
import { fillSeats, firstFullPool, grant } from './fill.ts';
import { activateProtected, blocked, buildPlan, countWaiting, decideRequesters, poolUsage } from './finalize.ts';
import { buildPoolTable, buildProfileNeeds, type PoolTable, type ProfileNeeds } from './pool-table.ts';
import { newcomerClass, type QueuedAccount } from './queue-order.ts';
import { shrinkPools } from './shrink.ts';
import type { AccountChange, AllocationInput, AllocationPlan, PoolUsage, SeatAccount } from './types.ts';

export const DAY_MS = 86_400_000;

export type AllocationSettings = Omit<AllocationInput, 'accounts'>;

/** Decisions to write: accounts whose seat state changes, the newly blocked, the grace started. */
export type AllocationStep = Omit<AllocationPlan, 'pools'>;

export type AllocationEnd =
  | { readonly kind: 'planned'; readonly step: AllocationStep; readonly pools: readonly PoolUsage[] }
  | { readonly kind: 'declined' };

/** A caller broke the admission contract (a programming error, never bad data). */
export class AllocationOrderError extends Error {
  readonly code = 'allocation-order';
  constructor(message: string) {
    super(`internal error: ${message}`);
    this.name = 'AllocationOrderError';
  }
}

/** A new requester left waiting: what its blocked state is decided from at the end. */
interface WaitingNewcomer extends Pick<Requester, 'kind' | 'needs' | 'waitingSince' | 'cause'> {
  readonly id: number;
  readonly username: string;
}

/** The character code of `0`: a queue key's first character is its class's digit. */
const CLASS_DIGIT = 48;

const NO_STEP: AllocationStep = Object.freeze({ changes: [], newlyBlocked: [], graceStarted: [] });

export function beginAllocation(settings: AllocationSettings, options: { settled?: ReadonlyMap<string, number> } = {}): SeatAllocation {
  return new SeatAllocation(settings, options.settled ?? new Map());
}

export class SeatAllocation {
  readonly #settings: AllocationSettings;
  readonly #settled: ReadonlyMap<string, number>;
  readonly #table: PoolTable;
  readonly #profiles: ReadonlyMap<string, ProfileNeeds>;
  /** Stored accounts, protected new ones, and new ones kept for the end. */
  #core: SeatAccount[] = [];
  /** The core is the caller's array (one `admit` of every account: no copy of a million references). */
  #coreBorrowed = false;
  /** Set once new requesters are decided as they come: the core's state, allocated. */
  #streaming: AllocationState | null = null;
  /** True once a new account that is not protected was admitted. */
  #queueStarted = false;
  #lastKey = '';
  /**
   * New requesters decided as they came that found no seat: blocked, their `waitingFor` set at the end.
   * Only what that needs is kept (not the requester and its account): a first sync of a million users
   * may block a hundred thousand.
   */
  readonly #waitingNew: WaitingNewcomer[] = [];
  #finished = false;

  constructor(settings: AllocationSettings, settled: ReadonlyMap<string, number>) {
    this.#settings = settings;
    this.#settled = settled;
    this.#table = buildPoolTable(settings.pools, settings.profilePools);
    this.#profiles = buildProfileNeeds(this.#table, settings.profilePools);
  }

  /** Stored accounts, in any order; before any new account. */
  admit(accounts: readonly SeatAccount[]): void {
    this.#open();
    if (this.#queueStarted) throw new AllocationOrderError('stored accounts must be admitted before the new ones');
    if (this.#core.length === 0) {
      this.#core = accounts as SeatAccount[];
      this.#coreBorrowed = true;
      return;
    }
    for (const account of accounts) this.#keep(account);
  }

  /** Adds an account to the core, copying a borrowed array first (the caller's array is never changed). */
  #keep(account: SeatAccount): void {
    if (this.#coreBorrowed) {
      this.#core = this.#core.slice();
      this.#coreBorrowed = false;
    }
    this.#core.push(account);
  }

  /**
   * New accounts with their queue keys, in key order. Returns the decisions taken at once (write them;
   * they are final). The order is checked on the keys given; the class a key starts with, which decides
   * how its account is admitted, is checked against the account (a key built under other profiles).
   */
  admitQueued(newcomers: readonly QueuedAccount[]): AllocationStep {
    this.#open();
    const slice: SeatAccount[] = [];
    for (const { account, queueKey: key } of newcomers) {
      if (account.state !== null) throw new AllocationOrderError(`account ${account.id} is not new`);
      if (key <= this.#lastKey) throw new AllocationOrderError('new accounts must come in queue-key order');
      this.#lastKey = key;
      const queueClass = newcomerClass(account, account.profile === null ? undefined : this.#profiles.get(account.profile));
      if (key.charCodeAt(0) !== CLASS_DIGIT + queueClass) throw new AllocationOrderError(`the queue key of account ${account.id} is not of its class ${queueClass}`);
      if (queueClass === 0) {
        // Protected requesters take their seats before pools shrink: decided with the stored accounts.
        if (this.#queueStarted) throw new AllocationOrderError('protected new accounts come first');
        this.#keep(account);
        continue;
      }
      if (!this.#queueStarted) {
        this.#queueStarted = true;
        this.#streaming = this.#sealCore();
      }
      if (this.#streaming === null) this.#keep(account);
      else slice.push(account);
    }
    return this.#streaming === null || slice.length === 0 ? NO_STEP : this.#decideNew(this.#streaming, slice);
  }

  finish(): AllocationEnd {
    this.#open();
    this.#finished = true;
    const core = this.#streaming;
    if (core === null) return this.#allocateCore();
    const outcomes = decideRequesters(core);
    const plan = buildPlan(core, outcomes);
    if (this.#waitingNew.length === 0) return { kind: 'planned', step: plan, pools: plan.pools };
    const changes: AccountChange[] = [...plan.changes];
    const newlyBlocked = [...plan.newlyBlocked];
    const waiting = this.#table.names.map(() => 0);
    for (const newcomer of this.#waitingNew) {
      const { to, reason } = blocked(core, newcomer);
      countWaiting(this.#table, to.waitingFor, waiting);
      changes.push({ id: newcomer.id, username: newcomer.username, from: null, to, reason });
      newlyBlocked.push(newcomer.id);
    }
    const extra = poolUsage(this.#table, waiting);
    const pools = plan.pools.map((pool, p) => ({ ...pool, waiting: pool.waiting + (extra[p]?.waiting ?? 0) }));
    return { kind: 'planned', step: { changes, newlyBlocked, graceStarted: plan.graceStarted }, pools };
  }

  #open(): void {
    if (this.#finished) throw new AllocationOrderError('the allocation is finished');
  }

  #state(accounts: readonly SeatAccount[]): AllocationState {
    return {
      now: this.#settings.now,
      graceMs: Math.max(0, this.#settings.policy.graceDays) * DAY_MS,
      table: this.#table,
      profiles: this.#profiles,
      accounts,
      early: { indices: [], decisions: [] },
      requesters: [],
      protectedRequesters: [],
      seatsTaken: this.#table.names.map(() => []),
      keepers: new Uint8Array(accounts.length),
    };
  }

  /** Counts the settled keepers' seats in the table; null when a settled profile needs no pool or is unknown. */
  #takeSettledSeats(): number[] | null {
    const perPool = this.#table.names.map(() => 0);
    for (const [profile, count] of this.#settled) {
      const needs = this.#profiles.get(profile);
      if (needs === undefined || needs.pools.length === 0) return null;
      addRegular(this.#table, needs.pools, count);
      for (const pool of needs.pools) perPool[pool] = (perPool[pool] ?? 0) + count;
    }
    return perPool;
  }

  #resetTable(): void {
    this.#table.regular.fill(0);
    this.#table.grace.fill(0);
  }

  /** Every account at once (no new requester was decided as it came). */
  #allocateCore(): AllocationEnd {
    this.#resetTable();
    const settledPools = this.#takeSettledSeats();
    if (settledPools === null) return { kind: 'declined' };
    const s = this.#state(this.#core);
    classifyAccounts(s);
    activateProtected(s);
    if (settledPools.some((count, pool) => count > 0 && regularOf(s.table, pool) > seatsOf(s.table, pool))) return { kind: 'declined' };
    shrinkPools(s);
    fillSeats(s);
    const plan = buildPlan(s, decideRequesters(s));
    return { kind: 'planned', step: plan, pools: plan.pools };
  }

  /**
   * Allocates the core when every new requester will queue behind all of its requesters and nothing
   * shrinks; returns its state, or null (then everything is decided at the end).
   */
  #sealCore(): AllocationState | null {
    if (this.#takeSettledSeats() === null) return null;
    const s = this.#state(this.#core);
    classifyAccounts(s);
    activateProtected(s);
    const settled =
      s.requesters.every((r) => r.waitingSince < s.now) && this.#table.names.every((_, pool) => regularOf(s.table, pool) <= seatsOf(s.table, pool));
    if (!settled) {
      this.#resetTable();
      return null;
    }
    fillSeats(s);
    return s;
  }

  /** A slice of new accounts behind a settled core: served in key order against the seats left. */
  #decideNew(core: AllocationState, accounts: readonly SeatAccount[]): AllocationStep {
    const s = { ...this.#state(accounts), table: core.table };
    classifyAccounts(s);
    if (s.protectedRequesters.length > 0) throw new AllocationOrderError('protected new accounts come first');
    for (const requester of s.requesters) if (firstFullPool(s.table, requester) < 0) grant(s.table, requester);
    const outcomes = decideRequesters(s);
    for (const requester of s.requesters) {
      if (requester.decision?.to.state !== 'blocked') continue;
      requester.decision = null;
      const { account, kind, needs, waitingSince, cause } = requester;
      this.#waitingNew.push({ id: account.id, username: account.username, kind, needs, waitingSince, cause });
    }
    const { changes, graceStarted } = buildPlan(s, outcomes);
    return { changes, newlyBlocked: [], graceStarted };
  }
}
