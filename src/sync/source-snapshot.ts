// What the store holds of a source's present accounts, consulted while the source is read, so that each
// user read is classified at once: unchanged (same data hash: nothing written), changed or new (staged
// in full). A resync of an unchanged directory then writes nothing at all, and the database does no work
// per user while the read runs (it shares the machine with the directory server).
//
// Accounts are held compactly (about 90 bytes each: a Map entry from external id to slot, the account id,
// 60 bits of the SHA-1 data hash, so a change goes unnoticed with probability 2^-60, and a mark). The
// first LOOKUP_LIMIT users are looked up page by page (one indexed query per page: an incremental read of
// a few changes never loads a million accounts); past that, and from the start of a read that returns
// every user (`whole`) or lists the scope's ids, every present account is loaded once, in the background
// on a connection of its own while the source goes on reading. Ids marked meanwhile are marked once it is
// loaded (marks only ever rise, so their order does not matter); a page to classify waits for it.
//
// It is read before the run's transaction. A concurrent run of the same source may change accounts in
// between; that only makes this run stage a user it could have skipped (the apply compares staged rows
// with `accounts` again), leave a user another run just updated as that run left it, or not sweep an
// account that run just created: all harmless, and runs of one source are serialized by the worker.
import type { Store } from '../store/repositories.ts';

type Classification = 'unchanged' | 'changed' | 'new' | 'duplicate';

/** Users looked up page by page before every present account is loaded. */
const LOOKUP_LIMIT = 5_000;

/** Marks of an account, by precedence: a later mark replaces a smaller one. */
const UNSEEN = 0;
/** Listed by id only: not swept, not yet classified. */
const KEPT = 1;
/** Present but unreadable: not swept, not yet classified, frozen unless read later. */
const FROZEN = 2;
const SEEN = 3;
type KeepMark = typeof KEPT | typeof FROZEN;

export class SourceSnapshot {
  readonly #conn: Store;
  readonly #loader: Store;
  readonly #source: string;
  /** The accounts looked up so far, or, once `#complete`, every present one. */
  readonly #accounts = new Accounts();
  #complete = false;
  #loading: Promise<void> | null = null;
  /** External ids marked while the load runs: marked once it is done. */
  #deferred: { readonly externalIds: readonly string[]; readonly mark: KeepMark }[] = [];
  /** The ids classified `new`, to tell whether one came twice (only present accounts are held). */
  readonly #newIds = new IdFingerprints();
  #looked = 0;

  /**
   * `conn`: the run's connection, for the lookups. `loader`: where every present account is loaded (the
   * database's store, so that the load overlaps the read; default `conn`). `whole`: the read will return
   * every user of the source, so the load begins at once.
   */
  constructor(conn: Store, source: string, options: { readonly loader?: Store; readonly whole?: boolean } = {}) {
    this.#conn = conn;
    this.#loader = options.loader ?? conn;
    this.#source = source;
    if (options.whole === true) this.#beginLoad();
  }

  /** Classifies the users of a page, in order, and marks them seen. `new`: no present account (a returning one is recognised by the apply). */
  async classify(users: readonly { readonly externalId: string; readonly dataHash: string }[]): Promise<Classification[]> {
    await this.#holding(users.map((u) => u.externalId));
    return users.map((u) => {
      const status = this.#accounts.classify(u.externalId, u.dataHash);
      if (status === 'new') this.#newIds.add(u.externalId);
      return status;
    });
  }

  /**
   * False when no id classified `new` came twice in this read, so the staging table holds no repeated
   * new id (a repeated present account is classified `duplicate` and never staged twice).
   */
  get newIdsMayRepeat(): boolean {
    return this.#newIds.mayRepeat;
  }

  /**
   * Marks accounts present in scope but not read as kept: they are not swept, and not classified
   * either, so a readable occurrence of the same id later in the read still counts. `listed`: ids an
   * incremental listing returned alone (readable, unchanged: allocated as usual). `unreadable`: entries
   * present but unreadable: their accounts are frozen (`frozenIds`), their seat state kept exactly.
   * Ids a listing returns begin the load of every present account; while it runs, marks wait for it.
   */
  async keep(externalIds: readonly string[], options: { readonly as: 'listed' | 'unreadable' }): Promise<void> {
    if (externalIds.length === 0) return;
    const mark = options.as === 'listed' ? KEPT : FROZEN;
    if (mark === KEPT) this.#beginLoad();
    if (!this.#complete && this.#loading !== null) this.#deferred.push({ externalIds, mark });
    else {
      await this.#holding(externalIds);
      for (const externalId of externalIds) this.#accounts.keep(externalId, mark);
    }
  }

  /** Ids of accounts whose entries were present but unreadable, and not read readable elsewhere in the read. */
  async frozenIds(): Promise<number[]> {
    await this.#holding([]);
    return this.#accounts.idsMarked(FROZEN);
  }

  /**
   * Once the read is done: a function giving, of the accounts `ids`, those the read returned readable. It
   * keeps the accounts' ids and marks only, not the rest of the snapshot (their external ids, the new ids
   * read), so the apply can hold it without holding those.
   */
  async readableAmong(): Promise<(ids: readonly number[]) => number[]> {
    await this.#holding([]);
    return this.#accounts.markedAmong(SEEN);
  }

  /** Ids of present accounts the read did not return (for a full read: the missing ones). */
  async unseenIds(): Promise<number[]> {
    await this.#holding([]);
    if (this.#complete) return this.#accounts.idsMarked(UNSEEN);
    // Every account held was looked up for a mark, so none of them is unseen.
    return this.#conn.accounts.presentExcept(this.#source, this.#accounts.ids());
  }

  /**
   * Once this resolves, the accounts of these external ids are held, if present: at once when every present
   * account is; else looked up, until the users to look up pass LOOKUP_LIMIT and the load begins (or a load
   * begun in the background is done).
   */
  async #holding(externalIds: readonly string[]): Promise<void> {
    if (!this.#complete && this.#looked + externalIds.length > LOOKUP_LIMIT) this.#beginLoad();
    if (!this.#complete && this.#loading !== null) await this.#loading;
    if (this.#complete || externalIds.length === 0) return;
    this.#looked += externalIds.length;
    await this.#conn.accounts.lookupPresent(this.#source, externalIds, (id, externalId, dataHash) => this.#accounts.addIfAbsent(id, externalId, dataHash));
  }

  /** Begins loading every present account, unless it is loaded or loading; the accounts looked up keep their marks. */
  #beginLoad(): void {
    if (this.#complete || this.#loading !== null) return;
    this.#loading = this.#loader
      .transaction((tx) => {
        // The accounts looked up before are held already (and keep their marks); without any, no id is checked.
        const accounts = this.#accounts;
        const add = this.#looked > 0 ? accounts.addIfAbsent.bind(accounts) : accounts.add.bind(accounts);
        return tx.accounts.forEachPresent(this.#source, add);
      })
      .then(() => {
        for (const { externalIds, mark } of this.#deferred) for (const externalId of externalIds) this.#accounts.keep(externalId, mark);
        this.#deferred = [];
        this.#complete = true;
      });
    // Awaited by the next page to classify, or at the end of the read; a failure surfaces there, not as
    // an unhandled rejection while the source is read.
    this.#loading.catch(() => undefined);
  }
}

/** The account ids (`rows`, three numbers per slot, the id first) whose mark is `mark`, among `within` when given. */
function idsWithMark(rows: Int32Array, marks: Uint8Array, mark: number, within?: ReadonlySet<number>): number[] {
  const ids: number[] = [];
  for (let slot = 0; slot < marks.length; slot++) {
    if (marks[slot] !== mark) continue;
    const id = rows[3 * slot] ?? 0;
    if (within === undefined || within.has(id)) ids.push(id);
  }
  return ids;
}

/** Present accounts by external id: account id, data hash bits and mark, in typed arrays indexed by slot. */
class Accounts {
  readonly #slots = new Map<string, number>();
  /** Per slot: the account id and the two halves of `hashBits`. */
  #rows = new Int32Array(3 * 1024);
  #marks = new Uint8Array(1024);

  /** Adds an account, unmarked, unless it is held already (it then keeps its mark). */
  addIfAbsent(id: number, externalId: string, dataHash: string): void {
    if (!this.#slots.has(externalId)) this.add(id, externalId, dataHash);
  }

  /** Adds an account that is not held yet, unmarked. */
  add(id: number, externalId: string, dataHash: string): void {
    const slot = this.#slots.size;
    if (slot === this.#marks.length) {
      const rows = new Int32Array(this.#rows.length * 2);
      rows.set(this.#rows);
      this.#rows = rows;
      const marks = new Uint8Array(this.#marks.length * 2);
      marks.set(this.#marks);
      this.#marks = marks;
    }
    this.#slots.set(externalId, slot);
    hashBits(dataHash);
    this.#rows[3 * slot] = id;
    this.#rows[3 * slot + 1] = BITS[0] ?? 0;
    this.#rows[3 * slot + 2] = BITS[1] ?? 0;
  }

  classify(externalId: string, dataHash: string): Classification {
    const slot = this.#slots.get(externalId);
    if (slot === undefined) return 'new';
    if (this.#marks[slot] === SEEN) return 'duplicate';
    hashBits(dataHash);
    if (BITS[0] === NOT_BASE64URL) throw new Error(`internal error: the data hash of the user read with id ${externalId} is not base64url`);
    this.#marks[slot] = SEEN;
    return this.#rows[3 * slot + 1] === BITS[0] && this.#rows[3 * slot + 2] === BITS[1] ? 'unchanged' : 'changed';
  }

  keep(externalId: string, mark: KeepMark): void {
    const slot = this.#slots.get(externalId);
    if (slot !== undefined && (this.#marks[slot] ?? SEEN) < mark) this.#marks[slot] = mark;
  }

  /** The ids of the accounts with this mark. */
  idsMarked(mark: number): number[] {
    return idsWithMark(this.#rows, this.#marks.subarray(0, this.#slots.size), mark);
  }

  /** A function giving, of the account ids it is asked, those with this mark now; it holds the ids and marks, not the external ids. */
  markedAmong(mark: number): (ids: readonly number[]) => number[] {
    const rows = this.#rows;
    const marks = this.#marks.subarray(0, this.#slots.size);
    return (ids) => (ids.length === 0 ? [] : idsWithMark(rows, marks, mark, new Set(ids)));
  }

  ids(): number[] {
    return Array.from({ length: this.#slots.size }, (_, slot) => this.#rows[3 * slot] ?? 0);
  }
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SIXTETS = new Int8Array(128).fill(-1);
for (const [i, ch] of [...BASE64URL].entries()) SIXTETS[ch.charCodeAt(0)] = i;

/** Where `hashBits` and `hashText` leave their two integers (reused: they run for every account loaded, every user read and every new id). */
const BITS = new Int32Array(2);

/** The high half `hashBits` gives a hash that is not base64url: below every decoded one (0 to 2^30 − 1). */
const NOT_BASE64URL = -1;

/**
 * 60 bits of a data hash as two integers, into BITS: its first ten base64url characters (SHA-1 bits, so
 * as good as any 60 of them). Every version has stored `mapUser`'s base64url SHA-1; a stored hash that is
 * not (edited by hand) gets NOT_BASE64URL, which no user read has (`classify` refuses one), so its user
 * is changed, staged and its hash rewritten: a wrong stored hash never makes a user unchanged.
 */
function hashBits(dataHash: string): void {
  let high = 0;
  let low = 0;
  for (let i = 0; i < 10; i++) {
    const code = dataHash.charCodeAt(i);
    const sixtet = code < 128 ? (SIXTETS[code] ?? -1) : -1;
    if (sixtet < 0) {
      BITS[0] = NOT_BASE64URL;
      BITS[1] = 0;
      return;
    }
    if (i < 5) high = high * 64 + sixtet;
    else low = low * 64 + sixtet;
  }
  BITS[0] = high;
  BITS[1] = low;
}

/**
 * Two independent 32-bit hashes of a text's UTF-16 code units (FNV-1a and a multiply-xorshift), into
 * BITS: 64 bits that tell texts apart in memory (never stored).
 */
function hashText(text: string): void {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
    b ^= b >>> 15;
  }
  BITS[0] = a ^ (a >>> 16);
  BITS[1] = b;
}

/**
 * The new ids of a read, remembered as 63-bit fingerprints in an open-addressing table (8 bytes a slot,
 * off the V8 heap): enough to tell that no new id came twice, so that the stage can skip the search for
 * repeated ids in the staging table (a GROUP BY over every staged row). A repeat always shows (the same
 * id gives the same fingerprint); two different ids sharing one only costs that search.
 */
export class IdFingerprints {
  #high = new Int32Array(1024);
  /** Never 0 in a used slot (made odd): 0 marks an empty one. */
  #low = new Int32Array(1024);
  #size = 0;
  #mayRepeat = false;

  /** True when some id may have been added twice (certainly, if one was). */
  get mayRepeat(): boolean {
    return this.#mayRepeat;
  }

  add(id: string): void {
    hashText(id);
    if (!this.#insert(BITS[0] ?? 0, (BITS[1] ?? 0) | 1)) this.#mayRepeat = true;
    else if (++this.#size * 2 > this.#high.length) {
      const high = this.#high;
      const low = this.#low;
      this.#high = new Int32Array(high.length * 2);
      this.#low = new Int32Array(low.length * 2);
      for (let slot = 0; slot < high.length; slot++) if (low[slot] !== 0) this.#insert(high[slot] ?? 0, low[slot] ?? 0);
    }
  }

  /** False when the fingerprint was already there. */
  #insert(high: number, low: number): boolean {
    const mask = this.#high.length - 1;
    for (let slot = high & mask; ; slot = (slot + 1) & mask) {
      const held = this.#low[slot] ?? 0;
      if (held === 0) {
        this.#high[slot] = high;
        this.#low[slot] = low;
        return true;
      }
      if (held === low && this.#high[slot] === high) return false;
    }
  }
}
