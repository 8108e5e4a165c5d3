// A first sync of a source whose read waits on the network (Entra: one round trip per page) writes its
// new accounts while the pages arrive instead of after the last one, so that PostgreSQL's work on a
// hundred thousand rows overlaps the read rather than following it.
//
// Each page's new users are inserted, in the run's one transaction, with a provisional seat state: the
// one `allocate` gives them when every pool has room (computed by `allocate` itself, over the page),
// and one audit row each. The seats cannot be decided before the read ends, as rule 3 queues new users
// by creation time across the whole directory; after the read, the allocation over every account runs
// as for any run, sees these accounts as new users (the delta and seat queries leave them out of the
// stored accounts: `StagingTables.provisionalRun`), and the apply rewrites only the accounts whose state
// differs from the provisional one, with their audit rows (apply-delta.ts). With 85,000 seats for 90,000
// staff that is the 5,000 blocked ones.
//
// Taken only when it pays and is safe (see `provisionalWritesApply` in sync-source.ts): a source that
// says its read waits on the network, a real run (a dry run writes nothing), and no account of the
// source stored yet, checked under a lock that runs of the source take in turn for the whole run. A
// read that fails rolls the inserted accounts back with the rest of the transaction.
import type { SeatsyncConfig } from '../config/types.ts';
import { allocate } from '../domain/allocate.ts';
import type { ChangeReason, SeatState } from '../domain/types.ts';
import type { Queryable } from '../store/db.ts';
import { dropProvisionalDeleted, insertProvisionalAccounts, type NewAccountState } from '../store/merge-store.ts';
import type { StagedUser, StagingTables } from '../store/staging-store.ts';
import { newcomerAccount } from './directory-delta.ts';
import { poolsOf, profilePoolsOf } from './reconcile.ts';

/** Seats of every pool while the provisional states are computed: more than any directory has users. */
const ROOM_FOR_EVERYONE = 2_000_000_000;

/** The key two seat states of new accounts are equal by (state, pools, times, and the audit reason). */
export function newStateKey(to: SeatState, reason: ChangeReason): string {
  return JSON.stringify([to.state, to.held, to.waitingFor, to.waitingSince, to.activatedAt, to.graceUntil, reason]);
}

/** What the apply needs of the provisional writes: each new user's provisional state, by read order. */
export interface ProvisionalStates {
  readonly runId: string;
  /** The key (`newStateKey`) of the provisional state of the new user read as `seq`; undefined: none. */
  keyOf(seq: number): string | undefined;
}

export class ProvisionalWriter implements ProvisionalStates {
  readonly runId: string;
  /** The run's `now`: the provisional states and the allocation after the read use the same one. */
  readonly now: number;
  readonly #tx: Queryable;
  readonly #tables: StagingTables;
  readonly #source: string;
  readonly #input: Omit<Parameters<typeof allocate>[0], 'accounts'>;
  readonly #keys: string[] = [];
  readonly #classes = new Map<string, number>();
  readonly #states: NewAccountState[] = [];
  /** Class (index in #states) of each seq, −1 for none. */
  #classOfSeq = new Int32Array(1024).fill(-1);
  /** New users offered, and accounts inserted (fewer when the directory returned an id twice). */
  #offered = 0;
  #inserted = 0;
  #deletions = 0;

  constructor(tx: Queryable, options: { tables: StagingTables; source: string; runId: string; config: SeatsyncConfig; now: number }) {
    this.#tx = tx;
    this.#tables = options.tables;
    this.#source = options.source;
    this.runId = options.runId;
    this.now = options.now;
    this.#input = {
      now: options.now,
      pools: poolsOf(options.config).map((p) => ({ ...p, seats: ROOM_FOR_EVERYONE })),
      profilePools: profilePoolsOf(options.config),
      policy: { graceDays: options.config.policy.graceDays },
    };
  }

  /** Inserts the new users of a page (staged already, with their `seq`) with their provisional state. */
  async write(users: readonly (StagedUser & { readonly seq: number })[]): Promise<void> {
    if (users.length === 0) return;
    const accounts = users.map((u) =>
      newcomerAccount({
        seq: u.seq, id: null, username: u.username, enabled: u.enabled, profile: u.profile, policyProtected: u.policyProtected,
        createdMs: u.directoryCreatedAt === null ? null : Date.parse(u.directoryCreatedAt), wasActiveInDirectory: false,
      }),
    );
    const plan = allocate({ ...this.#input, accounts });
    if (plan.changes.length !== users.length) throw new Error(`internal error: ${plan.changes.length} provisional states for ${users.length} new users`);
    const seqs: number[] = [];
    const classOf: number[] = [];
    for (const { id, to, reason } of plan.changes) {
      const key = newStateKey(to, reason);
      let index = this.#classes.get(key);
      if (index === undefined) {
        index = this.#states.length;
        this.#classes.set(key, index);
        this.#states.push({ ...to, reason });
        this.#keys.push(key);
      }
      seqs.push(-id);
      classOf.push(index);
      this.#remember(-id, index);
    }
    this.#offered += seqs.length;
    this.#inserted += await insertProvisionalAccounts(this.#tx, {
      tables: this.#tables, source: this.#source, runId: this.runId, actor: `run:${this.runId}`, seqs, classOf, states: this.#states,
    });
  }

  /** Counts deletions the read staged (an incremental first read may report some). */
  noteDeletions(count: number): void {
    this.#deletions += count;
  }

  /** True when the read returned some id more than once (one account was inserted for it). */
  get sawRepeats(): boolean {
    return this.#inserted !== this.#offered;
  }

  /**
   * After the read: removes the accounts of users the read also reported deleted (the delta leaves
   * those users out, so the allocation would never decide them).
   */
  async finishRead(): Promise<void> {
    if (this.#deletions > 0) await dropProvisionalDeleted(this.#tx, { tables: this.#tables, source: this.#source, runId: this.runId });
  }

  keyOf(seq: number): string | undefined {
    const index = seq < this.#classOfSeq.length ? (this.#classOfSeq[seq] ?? -1) : -1;
    return index < 0 ? undefined : this.#keys[index];
  }

  #remember(seq: number, index: number): void {
    if (seq >= this.#classOfSeq.length) {
      let size = this.#classOfSeq.length;
      while (size <= seq) size *= 2;
      const grown = new Int32Array(size).fill(-1);
      grown.set(this.#classOfSeq);
      this.#classOfSeq = grown;
    }
    this.#classOfSeq[seq] = index;
  }
}
