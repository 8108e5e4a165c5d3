// Remembers the ids a file has used so far, so a second entry with the same id is skipped instead of
// silently overwriting the first. This is the one part of a file read that grows with the file, so it
// is kept compact: each id is remembered as 96 bits of its SHA-1 plus the line that used it, in an
// open-addressing table of typed arrays (16 bytes a slot, at most half full: 32 MiB for 1,000,000 ids,
// where a Map of the id strings takes about 90 MiB). Two different ids share 96 bits with probability
// about n²/2⁹⁷ (1e-17 for a million ids), far below any other failure of a sync.
import { hash } from 'node:crypto';

const WORDS_PER_SLOT = 4; // digest words 0..2, then the line (0: empty slot)
const INITIAL_SLOTS = 1024;

export class DuplicateIds {
  #slots = new Uint32Array(INITIAL_SLOTS * WORDS_PER_SLOT);
  #capacity = INITIAL_SLOTS; // a power of two
  #count = 0;

  /** Records `id` as used at `line` (1-based); returns the line that used it first when it was already used. */
  claim(id: string, line: number): number | null {
    const digest = digestOf(id);
    const at = this.#find(this.#slots, this.#capacity, digest);
    const first = this.#slots[at + 3] ?? 0;
    if (first !== 0) return first;
    this.#slots.set([digest[0], digest[1], digest[2], Math.max(1, line)], at);
    this.#count += 1;
    if (this.#count * 2 > this.#capacity) this.#grow();
    return null;
  }

  /** Index of the slot holding `digest`, or of the empty slot where it belongs (linear probing). */
  #find(slots: Uint32Array, capacity: number, digest: Digest): number {
    const mask = capacity - 1;
    for (let slot = digest[0] & mask; ; slot = (slot + 1) & mask) {
      const at = slot * WORDS_PER_SLOT;
      if (slots[at + 3] === 0) return at;
      if (slots[at] === digest[0] && slots[at + 1] === digest[1] && slots[at + 2] === digest[2]) return at;
    }
  }

  #grow(): void {
    const old = this.#slots;
    const capacity = this.#capacity * 2;
    const slots = new Uint32Array(capacity * WORDS_PER_SLOT);
    for (let at = 0; at < old.length; at += WORDS_PER_SLOT) {
      if (old[at + 3] === 0) continue;
      const digest: Digest = [old[at] ?? 0, old[at + 1] ?? 0, old[at + 2] ?? 0];
      slots.set(old.subarray(at, at + WORDS_PER_SLOT), this.#find(slots, capacity, digest));
    }
    this.#slots = slots;
    this.#capacity = capacity;
  }
}

type Digest = readonly [number, number, number];

function digestOf(id: string): Digest {
  const hex = hash('sha1', id, 'hex');
  return [Number.parseInt(hex.slice(0, 8), 16), Number.parseInt(hex.slice(8, 16), 16), Number.parseInt(hex.slice(16, 24), 16)];
}
