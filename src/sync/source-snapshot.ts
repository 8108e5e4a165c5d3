// What the store holds of a source's present accounts, consulted while the source is read, so that each
// user read is classified at once: unchanged (same data hash: nothing written), changed or new (staged
// in full). A resync of an unchanged directory then writes nothing at all, and the database does no work
// per user while the read runs (it shares the machine with the directory server).
//
// Two ways to look, chosen by the size of the read:
// - the first LOOKUP_LIMIT users are looked up page by page (one indexed query per page): an
//   incremental read of a few changes never loads a million accounts;
// - past that, the source's present accounts are loaded once, compactly: per account one Map entry
//   (external id → slot), the account id, 60 bits of the data hash and a "seen" byte, about 90 bytes an
//   account. 60 bits of a SHA-1 stand for the whole: a change goes unnoticed with probability 2^-60.
// The load runs in the background on a connection of its own, while the source goes on reading: from
// the start of a read that will return every user (`whole`), and from the first ids a listing of the
// scope returns (it will list every present account). Ids marked meanwhile are marked once it is
// loaded (marks only ever rise, so their order does not matter); a page to classify waits for it.
//
// It is read before the run's transaction. A concurrent run of the same source may change accounts in
// between; that only makes this run stage a user it could have skipped (the apply compares staged rows
// with `accounts` again), leave a user another run just updated as that run left it, or not sweep an
// account that run just created: all harmless, and runs of one source are serialized by the worker.
import type { Store } from '../store/repositories.ts';
import { hashText, IdFingerprints } from './id-fingerprints.ts';

export type Classification = 'unchanged' | 'changed' | 'new' | 'duplicate';

/** Users looked up page by page before the whole snapshot is loaded. */
const LOOKUP_LIMIT = 5_000;

export class SourceSnapshot {
  readonly #conn: Store;
  /** Where the whole snapshot is loaded: a store whose transactions take a connection of their own. */
  readonly #loader: Store;
  readonly #source: string;
  /** Account ids seen while looking up (before the snapshot is loaded). */
  readonly #seenIds = new Set<number>();
  /** Account ids listed by id only, kept as they are (before the snapshot is loaded). */
  readonly #keptIds = new Set<number>();
  /** Account ids of entries present but unreadable, frozen (before the snapshot is loaded). */
  readonly #frozenIds = new Set<number>();
  /** External ids marked while the snapshot loads, with their marks: applied once it is loaded. */
  #deferred: { readonly externalIds: readonly string[]; readonly mark: typeof KEPT | typeof FROZEN }[] = [];
  /** The ids classified `new`, to tell whether one came twice (only present accounts are in the snapshot). */
  readonly #newIds = new IdFingerprints();
  #looked = 0;
  #loaded: LoadedSnapshot | null = null;
  #loading: Promise<LoadedSnapshot> | null = null;

  /**
   * `conn`: the run's connection, for the lookups. `loader`: where the whole snapshot is loaded (the
   * database's store, so that the load overlaps the read; default `conn`). `whole`: the read will return
   * every user of the source, so the load begins at once.
   */
  constructor(conn: Store, source: string, options: { readonly loader?: Store; readonly whole?: boolean } = {}) {
    this.#conn = conn;
    this.#loader = options.loader ?? conn;
    this.#source = source;
    if (options.whole === true) this.#beginLoad();
  }

  /** Classifies the users of a page, in order, and marks them seen. */
  async classify(users: readonly { readonly externalId: string; readonly dataHash: string }[]): Promise<Classification[]> {
    const loaded = await this.#loadedFor(users.length);
    const newIds = this.#newIds;
    if (loaded !== null) {
      return users.map((u) => {
        const status = loaded.classify(u.externalId, u.dataHash);
        if (status === 'new') newIds.add(u.externalId);
        return status;
      });
    }
    this.#looked += users.length;
    const found = await this.#conn.accounts.lookupPresent(this.#source, users.map((u) => u.externalId));
    return users.map((u) => {
      const account = found.get(u.externalId);
      if (account === undefined) {
        newIds.add(u.externalId);
        return 'new';
      }
      if (this.#seenIds.has(account.id)) return 'duplicate';
      this.#seenIds.add(account.id);
      return account.dataHash === u.dataHash ? 'unchanged' : 'changed';
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
   * Ids a listing returns begin the load of the whole snapshot; while it loads, marks wait for it.
   */
  async keep(externalIds: readonly string[], options: { readonly as: 'listed' | 'unreadable' }): Promise<void> {
    if (externalIds.length === 0) return;
    const mark = options.as === 'listed' ? KEPT : FROZEN;
    if (mark === KEPT) this.#beginLoad();
    if (this.#loaded === null && this.#loading !== null) {
      this.#deferred.push({ externalIds, mark });
      return;
    }
    const loaded = await this.#loadedFor(externalIds.length);
    if (loaded !== null) {
      for (const externalId of externalIds) loaded.keep(externalId, mark);
      return;
    }
    this.#looked += externalIds.length;
    const found = await this.#conn.accounts.lookupPresent(this.#source, externalIds);
    for (const account of found.values()) (mark === KEPT ? this.#keptIds : this.#frozenIds).add(account.id);
  }

  /** Ids of accounts whose entries were present but unreadable, and not read readable elsewhere in the read. */
  async frozenIds(): Promise<number[]> {
    const loaded = await this.#loadedFor(0);
    if (loaded !== null) return loaded.frozenIds();
    return [...this.#frozenIds].filter((id) => !this.#seenIds.has(id));
  }

  /**
   * The loaded snapshot, once there is one: at once for a source without present accounts (its first
   * sync: every user is new, nothing to look up), once the users to look up pass LOOKUP_LIMIT, and once
   * a load begun in the background is done.
   */
  async #loadedFor(users: number): Promise<LoadedSnapshot | null> {
    if (this.#loaded === null && this.#loading === null && this.#looked === 0 && users > 0 && !(await this.#conn.accounts.hasPresent(this.#source))) {
      this.#loaded = new LoadedSnapshot();
    }
    if (this.#loaded === null && this.#looked + users > LOOKUP_LIMIT) this.#beginLoad();
    if (this.#loaded === null && this.#loading !== null) await this.#loading;
    return this.#loaded;
  }

  /** Begins loading the whole snapshot, unless it is loaded or loading; what was marked so far is carried over. */
  #beginLoad(): void {
    if (this.#loaded !== null || this.#loading !== null) return;
    const marked = { seen: this.#seenIds, kept: this.#keptIds, frozen: this.#frozenIds };
    this.#loading = LoadedSnapshot.load(this.#loader, this.#source, marked).then((loaded) => {
      for (const { externalIds, mark } of this.#deferred) for (const externalId of externalIds) loaded.keep(externalId, mark);
      this.#deferred = [];
      this.#loaded = loaded;
      return loaded;
    });
    // Awaited by the next page to classify, or at the end of the read; a failure surfaces there, not as
    // an unhandled rejection while the source is read.
    this.#loading.catch(() => undefined);
  }

  /** Ids of present accounts the read did not return (for a full read: the missing ones). */
  async unseenIds(): Promise<number[]> {
    const loaded = await this.#loadedFor(0);
    if (loaded !== null) return loaded.unseenIds();
    return this.#conn.accounts.presentExcept(this.#source, [...this.#seenIds, ...this.#keptIds, ...this.#frozenIds]);
  }
}

/** `#seen` values of a slot, by precedence: a later mark replaces a smaller one. */
const UNSEEN = 0;
/** Listed by id only: not swept, not yet classified. */
const KEPT = 1;
/** Present but unreadable: not swept, not yet classified, frozen unless read later. */
const FROZEN = 2;
const SEEN = 3;

/** The source's present accounts, loaded once. */
class LoadedSnapshot {
  readonly #slots = new Map<string, number>();
  #ids = new Int32Array(1024);
  #hashes = new Int32Array(2048);
  #seen = new Uint8Array(1024);

  static async load(
    conn: Store,
    source: string,
    marked: { readonly seen: ReadonlySet<number>; readonly kept: ReadonlySet<number>; readonly frozen: ReadonlySet<number> },
  ): Promise<LoadedSnapshot> {
    const snapshot = new LoadedSnapshot();
    await conn.transaction((tx) =>
      tx.accounts.forEachPresent(source, (id, externalId, dataHash) =>
        snapshot.#add(id, externalId, dataHash, marked.seen.has(id) ? SEEN : marked.frozen.has(id) ? FROZEN : marked.kept.has(id) ? KEPT : UNSEEN),
      ),
    );
    return snapshot;
  }

  #add(id: number, externalId: string, dataHash: string, seen: number): void {
    const slot = this.#slots.size;
    if (slot === this.#ids.length) this.#grow();
    this.#slots.set(externalId, slot);
    this.#ids[slot] = id;
    hashBits(dataHash);
    this.#hashes[2 * slot] = BITS[0] ?? 0;
    this.#hashes[2 * slot + 1] = BITS[1] ?? 0;
    this.#seen[slot] = seen;
  }

  #grow(): void {
    const ids = new Int32Array(this.#ids.length * 2);
    ids.set(this.#ids);
    const hashes = new Int32Array(this.#hashes.length * 2);
    hashes.set(this.#hashes);
    const seen = new Uint8Array(this.#seen.length * 2);
    seen.set(this.#seen);
    this.#ids = ids;
    this.#hashes = hashes;
    this.#seen = seen;
  }

  /** `new`: no present account (a returning one is staged and recognised by the apply). */
  classify(externalId: string, dataHash: string): Classification {
    const slot = this.#slots.get(externalId);
    if (slot === undefined) return 'new';
    if (this.#seen[slot] === SEEN) return 'duplicate';
    this.#seen[slot] = SEEN;
    hashBits(dataHash);
    return this.#hashes[2 * slot] === BITS[0] && this.#hashes[2 * slot + 1] === BITS[1] ? 'unchanged' : 'changed';
  }

  keep(externalId: string, mark: typeof KEPT | typeof FROZEN): void {
    const slot = this.#slots.get(externalId);
    if (slot !== undefined && (this.#seen[slot] ?? SEEN) < mark) this.#seen[slot] = mark;
  }

  frozenIds(): number[] {
    const out: number[] = [];
    for (let slot = 0; slot < this.#slots.size; slot++) if (this.#seen[slot] === FROZEN) out.push(this.#ids[slot] ?? 0);
    return out;
  }

  unseenIds(): number[] {
    const out: number[] = [];
    for (let slot = 0; slot < this.#slots.size; slot++) if (this.#seen[slot] === UNSEEN) out.push(this.#ids[slot] ?? 0);
    return out;
  }
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SIXTETS = new Int8Array(128).fill(-1);
for (const [i, ch] of [...BASE64URL].entries()) SIXTETS[ch.charCodeAt(0)] = i;

/** Where `hashBits` leaves its two integers (reused: it runs for every account loaded and every user read). */
const BITS = new Int32Array(2);

/**
 * 60 bits of a data hash as two integers, into BITS: its first ten base64url characters (SHA-1 bits, so
 * as good as any 60 of them). A hash that is not base64url (never written by this version) is hashed instead.
 */
function hashBits(dataHash: string): void {
  let high = 0;
  let low = 0;
  for (let i = 0; i < 10; i++) {
    const code = dataHash.charCodeAt(i);
    const sixtet = code < 128 ? (SIXTETS[code] ?? -1) : -1;
    if (sixtet < 0) {
      fallbackBits(dataHash);
      return;
    }
    if (i < 5) high = high * 64 + sixtet;
    else low = low * 64 + sixtet;
  }
  BITS[0] = high;
  BITS[1] = low;
}

function fallbackBits(text: string): void {
  hashText(text, BITS);
  // Negative, outside the range of the base64url path (below 2^30), so the two never meet.
  const high = BITS[0] ?? 0;
  BITS[0] = high < 0 ? high : -1 - high;
}
