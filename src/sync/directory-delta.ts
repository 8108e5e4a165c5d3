// Folds what a read changed into the stored accounts before allocation: changed and returning users get
// their new directory facts, missing ones are marked absent. New users stay in the staging table and
// are read from it a slice at a time (StagedNewcomers), each as a SeatAccount with the temporary id −seq:
// a first sync of a million users never holds them all in memory.
import type { SeatAccount } from '../domain/types.ts';
import type { Queryable } from '../store/db.ts';
import { countNewcomers, newcomerSlices, type DeltaRow, type NewcomerGroup } from '../store/delta-store.ts';
import type { StoredSeatAccount } from '../store/seat-store.ts';
import type { StagingTables } from '../store/staging-store.ts';
import type { NewcomerSource } from './chunked-allocation.ts';

const NONE: readonly string[] = Object.freeze([]);

/** A staged user never seen before, as the allocation sees it. */
export function newcomerAccount(row: DeltaRow): SeatAccount {
  return {
    id: -row.seq,
    username: row.username,
    directoryCreatedAt: row.createdMs,
    present: true,
    enabled: row.enabled,
    profile: row.profile,
    suspended: false,
    protected: row.policyProtected,
    state: null,
    held: NONE,
    waitingFor: NONE,
    waitingSince: null,
    activatedAt: null,
    graceUntil: null,
  };
}

/** Which staged users: the run's table, its source, and the profiles whose pools are not empty. */
interface NewcomerWhere {
  readonly tables: StagingTables;
  readonly source: string;
  readonly needing: readonly string[];
}

/** The new users of a run's staging table, grouped as chunked-allocation.ts needs them. */
export class StagedNewcomers implements NewcomerSource {
  readonly requesterCount: number;
  readonly independentCount: number;
  readonly protectedCount: number;
  readonly #tx: Queryable;
  readonly #where: NewcomerWhere;
  /** Cursors kept open to be read again (the requesters are read twice, sorted once). */
  readonly #kept = new Set<string>();

  private constructor(tx: Queryable, where: NewcomerWhere, counts: { requester: number; independent: number; protected: number }) {
    this.#tx = tx;
    this.#where = where;
    this.requesterCount = counts.requester;
    this.independentCount = counts.independent;
    this.protectedCount = counts.protected;
  }

  static async count(tx: Queryable, where: NewcomerWhere): Promise<StagedNewcomers> {
    return new StagedNewcomers(tx, where, await countNewcomers(tx, where));
  }

  get total(): number {
    return this.requesterCount + this.independentCount + this.protectedCount;
  }

  async protectedAccounts(): Promise<SeatAccount[]> {
    return this.#collect('protected');
  }

  requesters(sliceSize: number): AsyncIterable<SeatAccount[]> {
    return this.#slices('requester', sliceSize, true);
  }

  independent(sliceSize: number): AsyncIterable<SeatAccount[]> {
    return this.#slices('independent', sliceSize);
  }

  all(): Promise<SeatAccount[]> {
    return this.#collect('all');
  }

  /** Closes the cursors kept for reading again (they would otherwise stay open until the transaction ends). */
  async close(): Promise<void> {
    for (const name of this.#kept) await this.#tx.query(`CLOSE ${name}`);
    this.#kept.clear();
  }

  async *#slices(group: NewcomerGroup, sliceRows: number, reread = false): AsyncGenerator<SeatAccount[], void, undefined> {
    const slices = newcomerSlices(this.#tx, { ...this.#where, group, sliceRows, ...(reread ? { rereadable: this.#kept } : {}) });
    for await (const rows of slices) yield rows.map(newcomerAccount);
  }

  async #collect(group: NewcomerGroup): Promise<SeatAccount[]> {
    const out: SeatAccount[] = [];
    for await (const slice of this.#slices(group, 20_000)) for (const account of slice) out.push(account);
    return out;
  }
}

/** The stored accounts with this read's changes and absences applied (changed ones are copies). */
export function applyDirectoryDelta(
  stored: readonly StoredSeatAccount[],
  changed: ReadonlyMap<number, DeltaRow>,
  missingIds: readonly number[],
): SeatAccount[] {
  const missing = new Set(missingIds);
  return stored.map((account) => {
    const row = changed.get(account.id);
    if (row) {
      return {
        ...account,
        username: row.username,
        directoryCreatedAt: row.createdMs,
        present: true,
        enabled: row.enabled,
        profile: row.profile,
        protected: account.adminProtected || row.policyProtected,
      };
    }
    return missing.has(account.id) ? { ...account, present: false } : account;
  });
}
