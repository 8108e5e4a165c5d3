// The seat side of a run's apply transaction: read the delta, allocate (in bounded steps, see
// chunked-allocation.ts), and write each step as it comes — state changes of existing accounts, new
// accounts inserted with their state, and one audit row per change. Runs under the seat lock.
import type { SeatsyncConfig } from '../config/types.ts';
import { allocateAroundSettled } from '../domain/allocate.ts';
import { neededPoolNames } from '../domain/pool-table.ts';
import type { AccountChange, AllocationPlan, SeatAccount } from '../domain/types.ts';
import { bulkLoadPays, withoutSecondaryIndexes } from '../store/bulk-load.ts';
import type { Queryable } from '../store/db.ts';
import { forEachChangedRow, type DeltaRow, type DeltaSummary } from '../store/delta-store.ts';
import { insertNewAccounts, markMissing, newAccountIds, updateChangedAccounts, type NewAccountState } from '../store/merge-store.ts';
import { auditChanges, loadSeatAccounts, loadSeatAccountsAroundSettled, loadSeatAccountsById, type StoredSeatAccount, updateSeatStates } from '../store/seat-store.ts';
import type { StagingTables } from '../store/staging-store.ts';
import { allocateInSteps, type AllocationOutcome, type AllocationStep, DEFAULT_CHUNK } from './chunked-allocation.ts';
import { applyDirectoryDelta, StagedNewcomers } from './directory-delta.ts';
import { poolsOf, profilePoolsOf } from './reconcile.ts';

/** State changes of a run by the state reached (counted when the state itself changed). */
export interface SeatCounts {
  readonly activated: number;
  readonly blocked: number;
  readonly disabled: number;
  readonly removed: number;
}

export interface AllocatedDelta {
  /**
   * The pools after the run and, when `forNotifications`, the newly blocked and grace-started accounts
   * (stored ids) with their changes. Other changes are written, not kept.
   */
  readonly plan: AllocationPlan;
  readonly counts: SeatCounts;
  /**
   * Accounts that existed before this run and are now removed or disabled (new users out of scope or
   * disabled from the start are not among them): what the mass-change hold (SPEC rule 10) weighs.
   */
  readonly dropped: { readonly removed: number; readonly disabled: number };
  /** The first state changes (`listChanges` of them) and how many there are in all. */
  readonly listed: ListedChanges;
  /**
   * How the allocation ran: over all accounts at once, around the settled keepers (counted, not
   * loaded), or with the new accounts in slices.
   */
  readonly allocation: 'one call' | 'around settled' | 'sliced';
}

export interface ListedChanges {
  readonly changes: readonly AccountChange[];
  readonly total: number;
}

export interface AllocateDeltaOptions {
  readonly config: SeatsyncConfig;
  readonly source: string;
  readonly tables: StagingTables;
  readonly summary: DeltaSummary;
  readonly runId: string;
  readonly now: number;
  /** Most new accounts per allocation step (default: chunked-allocation's). */
  readonly chunkSize?: number;
  /** Keep what the notifications need (a first sync may block a hundred thousand accounts). */
  readonly forNotifications: boolean;
  /** Keep the first this many state changes for the report (a dry run shows what it would do). */
  readonly listChanges?: number;
}

/**
 * Most accounts a run may change for the allocation to leave the settled keepers out (their ids are
 * a query parameter; beyond this, loading everything costs about the same).
 */
const MAX_CHANGED_AROUND_SETTLED = 10_000;

export async function allocateDelta(tx: Queryable, options: AllocateDeltaOptions): Promise<AllocatedDelta> {
  const { config, source, tables, runId } = options;
  const changed = new Map<number, DeltaRow>();
  await forEachChangedRow(tx, { tables, source }, (row) => changed.set(row.id ?? 0, row));
  const needing = config.profiles.filter((p) => p.pools.length > 0).map((p) => p.name);
  const newcomers = await StagedNewcomers.count(tx, { tables, source, needing });
  const input = { now: options.now, pools: poolsOf(config), profilePools: profilePoolsOf(config), policy: { graceDays: config.policy.graceDays } };
  const writer = new StepWriter(tx, { tables, source, runId }, { keepForNotifications: options.forNotifications, listLimit: options.listChanges ?? 0 });
  const writeDirectoryChanges = async (): Promise<void> => {
    await updateChangedAccounts(tx, { tables, source, runId });
    await markMissing(tx, { ids: options.summary.missingIds, runId });
  };

  // A run that changes a few accounts (a delta, a resync with some changes) leaves the settled keepers
  // out and counts them: one `allocate` call over the accounts that can change (see allocateAroundSettled).
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const include = [...changed.keys(), ...options.summary.missingIds];
  if (newcomers.total <= chunkSize && include.length <= MAX_CHANGED_AROUND_SETTLED) {
    const settledHeld = new Map(needing.map((name) => [name, neededPoolNames(input.profilePools.get(name) ?? [])]));
    const loaded = await loadSeatAccountsAroundSettled(tx, { settledHeld, include });
    const accounts = [...(await withDirectoryDelta(tx, loaded.accounts, changed, options.summary.missingIds)), ...(await newcomers.all())];
    const plan = allocateAroundSettled({ ...input, accounts }, loaded.settled);
    if (plan !== null) {
      await writeDirectoryChanges();
      await writer.write({ accounts, plan });
      return writer.finish(plan.pools, newcomers.total, 'around settled');
    }
  }

  const accounts = await withDirectoryDelta(tx, await loadSeatAccounts(tx), changed, options.summary.missingIds);
  changed.clear();
  await writeDirectoryChanges();
  const steps = allocateInSteps({ ...input, accounts, newcomers, chunkSize });
  const writeSteps = async (): Promise<AllocationOutcome> => {
    for (;;) {
      const next = await steps.next();
      if (next.done) {
        await newcomers.close();
        return next.value;
      }
      await writer.write(next.value);
    }
  };
  // A first sync: the account table's indexes are built after its inserts (store/bulk-load.ts).
  const bulk = await bulkLoadPays(tx, newcomers.total);
  const outcome = bulk ? await withoutSecondaryIndexes(tx, writeSteps) : await writeSteps();
  return writer.finish(outcome.pools, newcomers.total, outcome.chunked ? 'sliced' : 'one call');
}

/** Stored accounts with this read's changes folded in; changed accounts not among them (removed ones that return) are loaded. */
async function withDirectoryDelta(
  tx: Queryable,
  stored: StoredSeatAccount[],
  changed: ReadonlyMap<number, DeltaRow>,
  missingIds: readonly number[],
): Promise<SeatAccount[]> {
  const known = new Set(stored.map((a) => a.id));
  const returning = [...changed.keys()].filter((id) => !known.has(id));
  // Loops, not push(...list): a list of a million would overflow the call stack.
  for (const account of await loadSeatAccountsById(tx, returning)) stored.push(account);
  return applyDirectoryDelta(stored, changed, missingIds);
}

/** Writes the steps of an allocation and keeps what the notifications and the run report need. */
class StepWriter {
  readonly #tx: Queryable;
  readonly #options: { tables: StagingTables; source: string; runId: string };
  readonly #noticed: AccountChange[] = [];
  readonly #newlyBlocked: number[] = [];
  readonly #graceStarted: number[] = [];
  readonly #keep: boolean;
  readonly #listLimit: number;
  readonly #listed: AccountChange[] = [];
  #changeCount = 0;
  newAccounts = 0;
  counts = { activated: 0, blocked: 0, disabled: 0, removed: 0 };
  dropped = { removed: 0, disabled: 0 };

  constructor(
    tx: Queryable,
    options: { tables: StagingTables; source: string; runId: string },
    keep: { keepForNotifications: boolean; listLimit: number },
  ) {
    this.#tx = tx;
    this.#options = options;
    this.#keep = keep.keepForNotifications;
    this.#listLimit = keep.listLimit;
  }

  async write(step: AllocationStep): Promise<void> {
    const { plan } = step;
    const existing = plan.changes.filter((c) => c.id > 0);
    const actor = `run:${this.#options.runId}`;
    await updateSeatStates(this.#tx, existing, this.#options.runId);
    await auditChanges(this.#tx, existing, { actor, runId: this.#options.runId });
    await this.#insertNew(plan.changes.filter((c) => c.id < 0), actor);
    for (const change of plan.changes) this.#count(change);
    this.#changeCount += plan.changes.length;
    for (const change of plan.changes) {
      if (this.#listed.length >= this.#listLimit) break;
      this.#listed.push(change);
    }
    if (!this.#keep) return;
    const notice = new Set([...plan.newlyBlocked, ...plan.graceStarted]);
    for (const change of plan.changes) if (notice.has(change.id)) this.#noticed.push(change);
    for (const id of plan.newlyBlocked) this.#newlyBlocked.push(id);
    for (const id of plan.graceStarted) this.#graceStarted.push(id);
  }

  /** New accounts in one statement per step, their states deduplicated (a first sync has a handful). */
  async #insertNew(changes: readonly AccountChange[], actor: string): Promise<void> {
    const classes = new Map<string, number>();
    const states: NewAccountState[] = [];
    const seqs: number[] = [];
    const classOf: number[] = [];
    for (const { id, to, reason } of changes) {
      const key = JSON.stringify([to.state, to.held, to.waitingFor, to.waitingSince, to.activatedAt, to.graceUntil, reason]);
      let index = classes.get(key);
      if (index === undefined) {
        index = states.length;
        classes.set(key, index);
        states.push({ ...to, reason });
      }
      seqs.push(-id);
      classOf.push(index);
    }
    this.newAccounts += await insertNewAccounts(this.#tx, { ...this.#options, actor, seqs, classOf, states });
  }

  #count(change: AccountChange): void {
    if ((change.from?.state ?? null) === change.to.state) return;
    if (change.from !== null && change.to.state === 'removed') this.dropped.removed += 1;
    if (change.from !== null && change.to.state === 'disabled') this.dropped.disabled += 1;
    if (change.to.state === 'active') this.counts.activated += 1;
    else if (change.to.state === 'blocked') this.counts.blocked += 1;
    else if (change.to.state === 'disabled') this.counts.disabled += 1;
    else if (change.to.state === 'removed') this.counts.removed += 1;
  }

  /** The run's outcome once every step is written. */
  async finish(pools: AllocationPlan['pools'], newcomers: number, allocation: AllocatedDelta['allocation']): Promise<AllocatedDelta> {
    if (this.newAccounts !== newcomers) throw new Error('internal error: the allocation left a new account without a state');
    const listed = { changes: this.#listed, total: this.#changeCount };
    return { plan: await this.plan(pools), counts: this.counts, dropped: this.dropped, listed, allocation };
  }

  /** The plan the notifications read, with the stored ids of the new accounts it names. */
  async plan(pools: AllocationPlan['pools']): Promise<AllocationPlan> {
    const seqs = [...this.#newlyBlocked, ...this.#graceStarted].filter((id) => id < 0).map((id) => -id);
    const ids = await newAccountIds(this.#tx, { ...this.#options, seqs });
    const idOf = (id: number): number => (id < 0 ? (ids.get(-id) ?? id) : id);
    return {
      changes: this.#noticed.map((c) => (c.id < 0 ? { ...c, id: idOf(c.id) } : c)),
      pools,
      newlyBlocked: this.#newlyBlocked.map(idOf),
      graceStarted: this.#graceStarted.map(idOf),
    };
  }
}
