// The new ids of a read, remembered as 63-bit fingerprints in an open-addressing table (8 bytes a slot,
// off the V8 heap): enough to tell that no new id came twice, so that the stage can skip the search for
// repeated ids in the staging table (a GROUP BY over every staged row). A repeat always shows (the same
// id gives the same fingerprint); two different ids sharing one only costs that search.

/** Fingerprints of the ids added; `mayRepeat` once an id's fingerprint was already there. */
export class IdFingerprints {
  #high = new Int32Array(1024);
  #low = new Int32Array(1024);
  #size = 0;
  #mayRepeat = false;

  /** True when some id may have been added twice (certainly, if one was). */
  get mayRepeat(): boolean {
    return this.#mayRepeat;
  }

  add(id: string): void {
    hashText(id, PRINT);
    // `low` made odd: 0 marks an empty slot.
    if (!this.#insert(PRINT[0] ?? 0, (PRINT[1] ?? 0) | 1)) this.#mayRepeat = true;
    else if (++this.#size * 2 > this.#high.length) this.#grow();
  }

  /** False when the fingerprint was already there. `low` is never 0: 0 marks an empty slot. */
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

  #grow(): void {
    const high = this.#high;
    const low = this.#low;
    this.#high = new Int32Array(high.length * 2);
    this.#low = new Int32Array(low.length * 2);
    for (let slot = 0; slot < high.length; slot++) {
      const l = low[slot] ?? 0;
      if (l !== 0) this.#insert(high[slot] ?? 0, l);
    }
  }
}

/** Where `add` has `hashText` leave its two integers (reused: it runs for every new user read). */
const PRINT = new Int32Array(2);

/**
 * Two independent 32-bit hashes of a text's UTF-16 code units (FNV-1a and a multiply-xorshift), into
 * `out[0]` and `out[1]`: 64 bits that tell texts apart in memory (never stored).
 */
export function hashText(text: string, out: Int32Array): void {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
    b ^= b >>> 15;
  }
  out[0] = a ^ (a >>> 16);
  out[1] = b;
}
