// The allocation of a run, in steps whose size is bounded, with exactly the result of one `allocate`
// over every account (the pure function stays the only place where seats are decided).
//
// Why: a first sync of a million users hands the allocation a million new accounts at once; the input
// objects, the allocation's working state and the plan take well over a gigabyte. Here new accounts
// come from their source (the run's staging table) a slice at a time and only one slice is in memory.
//
// How, and why it is exact. New accounts (state null, present, not suspended, holding nothing) fall in
// three groups:
// - independent: out of scope, disabled, or needing no pool. Their decision depends on nothing else
//   (rule 7 and "needs no pool → active"); `allocate` decides them in slices of any order.
// - protected: they take seats at once, before pools shrink (rule 2): decided with the stored accounts
//   (the "core" call). There are few of them.
// - requesters (eligible, not protected, needing pools): all ask for seats from now, so they queue after
//   every requester that waited before this run. If every requester of the core call waits from before
//   now, and no pool can shrink (checked by `coreIsSettled`), the full allocation serves the core's
//   queue first, exactly as the core call alone does, and then the new requesters greedily in queue
//   order (fresh requesters hold nothing, so nothing is released while they are served). Slices of that
//   queue, each allocated against the seats the earlier ones left, grant exactly what the full call
//   grants.
// The one cross effect left is `waitingFor` (rule: the needed pools that are full at the END). A first
// pass finds which pools end up full; the second pass gives each slice, for a pool that only later
// slices fill, exactly the seats that slice takes, so the pool is full at the slice's end as it is at
// the run's end, and the grants do not change (asserted).
// Everything goes through one call instead when: the new accounts are few; the core is not settled; a
// blocked account of the core waits for a pool only new accounts fill; or the requesters do not arrive
// in queue order (the database sorts them; see `inQueueOrder`).
import { allocate } from '../domain/allocate.ts';
import type { AllocationInput, AllocationPlan, Pool, PoolUsage, SeatAccount } from '../domain/types.ts';

/** Where the new accounts of a run come from. Each account has state null and a negative id. */
export interface NewcomerSource {
  /** Numbers of new requesters and of independent new accounts (see above). */
  readonly requesterCount: number;
  readonly independentCount: number;
  /** Protected new accounts that need pools. */
  protectedAccounts(): Promise<SeatAccount[]>;
  /** New requesters in queue order (waiting from now: creation, unknown last; username; id), in slices. */
  requesters(sliceSize: number): AsyncIterable<SeatAccount[]>;
  independent(sliceSize: number): AsyncIterable<SeatAccount[]>;
  /** Every new account, in read order (for one call). */
  all(): Promise<SeatAccount[]>;
}

export interface ChunkedAllocationInput extends Omit<AllocationInput, 'accounts'> {
  /** Stored accounts, with this read's changes folded in. */
  readonly accounts: readonly SeatAccount[];
  readonly newcomers: NewcomerSource;
  /** Most new accounts per written step (default 20,000). */
  readonly chunkSize?: number;
}

/** One `allocate` call: its accounts and plan. A step's `plan.pools` is not the run's (see the outcome). */
export interface AllocationStep {
  readonly accounts: readonly SeatAccount[];
  readonly plan: AllocationPlan;
}

export interface AllocationOutcome {
  /** Pool usage after every step, as one `allocate` over all accounts reports it. */
  readonly pools: readonly PoolUsage[];
  /** False when everything went through one call. */
  readonly chunked: boolean;
}

// 20,000 new accounts per step: a few MB of working state per `allocate` call, and writes big enough
// that per-statement costs do not matter.
export const DEFAULT_CHUNK = 20_000;
/** The first pass only counts grants: calls of a tenth of a slice, so their working state dies young. */
const FIRST_PASS_PARTS = 10;

export async function* allocateInSteps(input: ChunkedAllocationInput): AsyncGenerator<AllocationStep, AllocationOutcome, void> {
  const chunkSize = Math.max(1, input.chunkSize ?? DEFAULT_CHUNK);
  const { newcomers } = input;
  if (newcomers.requesterCount + newcomers.independentCount <= chunkSize) return yield* allInOneCall(input);
  const core = [...input.accounts, ...(await newcomers.protectedAccounts())];
  if (!coreIsSettled(core, input)) return yield* allInOneCall(input);
  const corePlan = allocate({ ...input, accounts: core });
  const table = poolTableOf(corePlan, input);
  const held = regularHolders(core, corePlan, table);
  const firstPass = await grantsBySlice({ input, table, held, chunkSize });
  if (firstPass === null) return yield* allInOneCall(input);
  const coreFull = table.seats.map((seats, p) => (held[p] ?? 0) >= seats);
  const endFull = firstPass.at(-1)?.fullAfter ?? coreFull;
  if (coreWaitsForNewlyFull(core, corePlan, input, { table, coreFull, endFull })) return yield* allInOneCall(input);

  yield { accounts: core, plan: corePlan };
  const usages: PoolUsage[][] = [[...corePlan.pools]];
  const left = table.seats.map((seats, p) => seats - (held[p] ?? 0));
  let k = 0;
  for await (const accounts of newcomers.requesters(chunkSize)) {
    const pass = firstPass[k++];
    if (pass === undefined || pass.size !== accounts.length) throw new Error('internal error: the new requesters changed between the passes');
    // A pool full at the run's end but not after this slice: exactly the seats this slice takes.
    const capacity = left.map((free, p) => (endFull[p] === true && pass.fullAfter[p] !== true ? (pass.grants[p] ?? 0) : free));
    const plan = allocate({ ...input, pools: poolsWith(table, capacity), accounts });
    const grants = regularGrants(plan, table);
    if (grants.some((g, p) => g !== pass.grants[p])) throw new Error('internal error: the allocation of a slice of new accounts diverged');
    for (const [p, g] of grants.entries()) left[p] = (left[p] ?? 0) - g;
    usages.push([...plan.pools]);
    yield { accounts, plan };
  }
  if (k !== firstPass.length) throw new Error('internal error: the new requesters changed between the passes');
  for await (const accounts of newcomers.independent(chunkSize)) {
    for (const account of accounts) if (groupOf(account, input) !== 'independent') throw new Error('internal error: a new account in the wrong group');
    yield { accounts, plan: allocate({ ...input, accounts }) };
  }
  return { pools: combinedUsage(table, usages), chunked: true };
}

async function* allInOneCall(input: ChunkedAllocationInput): AsyncGenerator<AllocationStep, AllocationOutcome, void> {
  const accounts = [...input.accounts, ...(await input.newcomers.all())];
  const plan = allocate({ ...input, accounts });
  yield { accounts, plan };
  return { pools: plan.pools, chunked: false };
}

/** Needed pools per profile, as the allocation resolves them (unique); undefined: out of scope. */
function needsOf(input: Pick<AllocationInput, 'profilePools'>, profile: string | null): readonly string[] | undefined {
  if (profile === null) return undefined;
  const pools = input.profilePools.get(profile);
  return pools === undefined ? undefined : [...new Set(pools)];
}

export type NewcomerGroup = 'independent' | 'protected' | 'requester';

/** The group of a new account (see the head of this file). */
export function groupOf(account: SeatAccount, input: Pick<AllocationInput, 'profilePools'>): NewcomerGroup {
  if (account.state !== null || account.id >= 0) throw new Error('internal error: a new account must have no state and a negative id');
  const needs = needsOf(input, account.profile);
  const eligible = needs !== undefined && account.present && account.enabled && !account.suspended;
  if (!eligible || needs.length === 0) return 'independent';
  return account.protected ? 'protected' : 'requester';
}

/**
 * True when no requester of these accounts asks from now on and no pool is over its seats once the
 * protected accounts hold theirs (so nothing shrinks). Mirrors the allocation's classification (see
 * src/domain/classify.ts): it must only ever answer false where in doubt.
 */
export function coreIsSettled(accounts: readonly SeatAccount[], input: Pick<AllocationInput, 'now' | 'pools' | 'profilePools'>): boolean {
  const seats = new Map(input.pools.map((p) => [p.name, Math.max(0, p.seats)]));
  const holders = new Map<string, number>();
  const hold = (needs: readonly string[]): void => {
    for (const name of needs) holders.set(name, (holders.get(name) ?? 0) + 1);
  };
  for (const a of accounts) {
    const needs = needsOf(input, a.profile);
    if (needs === undefined || !a.present || !a.enabled || a.suspended || needs.length === 0) continue;
    if (a.protected) hold(needs);
    else if (a.state === 'active' && a.graceUntil === null && needs.every((name) => a.held.includes(name))) hold(needs);
    else if (a.state === 'active' && a.graceUntil !== null) {
      if ((a.waitingSince ?? a.activatedAt ?? input.now) >= input.now) return false;
    } else if (a.state === 'blocked') {
      if ((a.waitingSince ?? input.now) >= input.now) return false;
    } else return false;
  }
  for (const [name, count] of holders) if (count > (seats.get(name) ?? 0)) return false;
  return true;
}

/** Queue order of new requesters (all waiting from now): creation (unknown last), username, id. */
export function compareNewRequesters(a: SeatAccount, b: SeatAccount): number {
  const ca = a.directoryCreatedAt;
  const cb = b.directoryCreatedAt;
  if (ca !== cb) {
    if (ca === null) return 1;
    if (cb === null) return -1;
    return ca - cb;
  }
  if (a.username !== b.username) return a.username < b.username ? -1 : 1;
  return a.id - b.id;
}

interface PoolTable {
  readonly names: readonly string[];
  readonly seats: readonly number[];
  readonly indexOf: ReadonlyMap<string, number>;
}

/** The allocation's pool order (configured pools, then pools only profiles name) with their seats. */
function poolTableOf(plan: AllocationPlan, input: Pick<AllocationInput, 'pools'>): PoolTable {
  const configured = new Map(input.pools.map((p) => [p.name, Math.max(0, p.seats)]));
  const names = plan.pools.map((p) => p.name);
  return { names, seats: names.map((name) => configured.get(name) ?? 0), indexOf: new Map(names.map((name, i) => [name, i])) };
}

/** Every pool of the table, in its order, with the given seats (so later calls build the same table). */
function poolsWith(table: PoolTable, seats: readonly number[]): Pool[] {
  return table.names.map((name, p) => ({ name, seats: Math.max(0, seats[p] ?? 0) }));
}

/** Regular seats held per pool once `plan` is applied: active accounts without grace hold theirs. */
function regularHolders(accounts: readonly SeatAccount[], plan: AllocationPlan, table: PoolTable): number[] {
  const after = new Map(plan.changes.map((c) => [c.id, c.to]));
  const held = table.names.map(() => 0);
  for (const account of accounts) {
    const state = after.get(account.id) ?? account;
    if (state.state !== 'active' || state.graceUntil !== null) continue;
    for (const name of state.held) {
      const p = table.indexOf.get(name);
      if (p !== undefined) held[p] = (held[p] ?? 0) + 1;
    }
  }
  return held;
}

/** Regular seats a slice of new requesters took, per pool. */
function regularGrants(plan: AllocationPlan, table: PoolTable): number[] {
  const grants = table.names.map(() => 0);
  for (const change of plan.changes) {
    if (change.to.state !== 'active' || change.to.graceUntil !== null) continue;
    for (const name of change.to.held) {
      const p = table.indexOf.get(name);
      if (p !== undefined) grants[p] = (grants[p] ?? 0) + 1;
    }
  }
  return grants;
}

interface SlicePass {
  readonly size: number;
  readonly grants: number[];
  /** Per pool: full (no free regular seat) once this slice is served. */
  readonly fullAfter: boolean[];
}

/**
 * First pass: what each slice takes when served against the seats the earlier ones left (a greedy
 * served in order may be cut anywhere). Null when the requesters are not in queue order or not all
 * requesters.
 */
async function grantsBySlice(options: { input: ChunkedAllocationInput; table: PoolTable; held: readonly number[]; chunkSize: number }): Promise<SlicePass[] | null> {
  const { input, table } = options;
  const taken = options.held.slice();
  const passes: SlicePass[] = [];
  let previous: SeatAccount | null = null;
  for await (const slice of input.newcomers.requesters(options.chunkSize)) {
    const grants = table.names.map(() => 0);
    for (const account of slice) {
      if (groupOf(account, input) !== 'requester') throw new Error('internal error: a new account in the wrong group');
      if (previous !== null && compareNewRequesters(previous, account) >= 0) return null;
      previous = account;
    }
    const callSize = Math.max(1, Math.ceil(options.chunkSize / FIRST_PASS_PARTS));
    for (let start = 0; start < slice.length; start += callSize) {
      const accounts = slice.slice(start, start + callSize);
      const free = table.seats.map((seats, p) => seats - (taken[p] ?? 0));
      const got = regularGrants(allocate({ ...input, pools: poolsWith(table, free), accounts }), table);
      for (const [p, g] of got.entries()) {
        grants[p] = (grants[p] ?? 0) + g;
        taken[p] = (taken[p] ?? 0) + g;
      }
    }
    passes.push({ size: slice.length, grants, fullAfter: table.seats.map((seats, p) => (taken[p] ?? 0) >= seats) });
  }
  return passes;
}

/** True when a blocked account of the core call needs a pool that only new accounts fill. */
function coreWaitsForNewlyFull(
  core: readonly SeatAccount[],
  plan: AllocationPlan,
  input: ChunkedAllocationInput,
  pools: { table: PoolTable; coreFull: readonly boolean[]; endFull: readonly boolean[] },
): boolean {
  const newlyFull = new Set(pools.table.names.filter((_, p) => pools.endFull[p] === true && pools.coreFull[p] !== true));
  if (newlyFull.size === 0) return false;
  const after = new Map(plan.changes.map((c) => [c.id, c.to]));
  return core.some((account) => {
    const state = after.get(account.id) ?? account;
    return state.state === 'blocked' && (needsOf(input, account.profile) ?? []).some((name) => newlyFull.has(name));
  });
}

/** The run's pool usage: seats as configured, holders and waiting accounts summed over the steps. */
function combinedUsage(table: PoolTable, usages: readonly (readonly PoolUsage[])[]): PoolUsage[] {
  return table.names.map((name, p) => {
    const seats = table.seats[p] ?? 0;
    let used = 0;
    let waiting = 0;
    for (const usage of usages) {
      const pool = usage[p];
      used += pool?.used ?? 0;
      waiting += pool?.waiting ?? 0;
    }
    return { name, seats, used, available: Math.max(0, seats - used), waiting, overage: Math.max(0, used - seats) };
  });
}
