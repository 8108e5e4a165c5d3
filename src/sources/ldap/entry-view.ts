// Case-insensitive, typed access to a raw ldapts entry: servers return attribute names in their own
// case (`objectGUID`, `objectguid`), and ldapts gives one value unwrapped and several as an array.
import type { Entry } from 'ldapts';
import { lowerName } from '../../domain/names.ts';
import { utf8Text } from '../directory-values.ts';

/** An attribute's values as a decoder gives them: one value alone, or a list (several, or none). */
export type EntryValues = Buffer | Buffer[] | string[] | string;

const NONE: readonly string[] = Object.freeze([]);

/**
 * Where the attributes of a search's entries are kept: one slot per name (lowercased), numbered in the
 * order the search first returned them. Every entry of a user search names the same few attributes, so
 * each entry holds an array of values by slot instead of a Map of its own, and a name asked of every
 * entry (a config's spelling, any case) is lowercased and found once.
 */
export class EntryLayout {
  /** Slot by lowercased name. */
  readonly #slots = new Map<string, number>();
  /** Slot by a spelling asked for (`slotOf`), once it has one. */
  readonly #asked = new Map<string, number>();
  readonly #names: string[] = [];

  /** The slot of a lowercased name, added when the search returns it for the first time. */
  slotFor(key: string): number {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = this.#names.push(key) - 1;
      this.#slots.set(key, slot);
    }
    return slot;
  }

  /** The slot of a name in any case; undefined when no entry of the search returned it (so far). */
  slotOf(name: string): number | undefined {
    const known = this.#asked.get(name);
    if (known !== undefined) return known;
    const slot = this.#slots.get(lowerName(name));
    // Spellings asked are the callers' (a handful); past a thousand they are looked up each time.
    if (slot !== undefined && this.#asked.size < 1000) this.#asked.set(name, slot);
    return slot;
  }

  nameOf(slot: number): string {
    return this.#names[slot] ?? '';
  }
}

/** An entry decoded by search-response.ts: its values by the slots of its search's layout (absent: undefined). */
export class DecodedEntry {
  readonly dn: string;
  readonly layout: EntryLayout;
  readonly values: (EntryValues | undefined)[];
  constructor(dn: string, layout: EntryLayout, values: (EntryValues | undefined)[]) {
    this.dn = dn;
    this.layout = layout;
    this.values = values;
  }
}

export class EntryView {
  readonly dn: string;
  // Properties rather than #private fields: a view is made for every entry read, and defining a
  // #private field costs it a keyed definition (about 100 instructions each) where a property costs a store.
  private readonly layout: EntryLayout;
  private readonly values: (EntryValues | undefined)[];
  /** Attributes (as asked for) read as text whose bytes were not UTF-8 and were repaired. */
  private repairedNames: string[] | null = null;

  constructor(entry: Entry | DecodedEntry) {
    this.dn = entry.dn;
    if (entry instanceof DecodedEntry) {
      this.layout = entry.layout;
      this.values = entry.values;
      return;
    }
    this.layout = new EntryLayout();
    this.values = [];
    for (const [name, value] of Object.entries(entry)) {
      if (name === 'dn') continue;
      const slot = this.layout.slotFor(name.toLowerCase());
      const existing = this.values[slot];
      // ldapts adds an empty array for requested attributes the server did not return; keep real values.
      if (existing === undefined || isEmpty(existing)) this.values[slot] = value;
    }
  }

  #get(name: string): EntryValues | undefined {
    const slot = this.layout.slotOf(name);
    return slot === undefined ? undefined : this.values[slot];
  }

  /** Attribute names present, lowercased, in the order the search first returned them. */
  *names(): IterableIterator<string> {
    for (let slot = 0; slot < this.values.length; slot++) if (this.values[slot] !== undefined) yield this.layout.nameOf(slot);
  }

  has(name: string): boolean {
    const value = this.#get(name);
    return value !== undefined && !isEmpty(value);
  }

  /**
   * Values as strings. Both decoders hand over values that are not UTF-8 as bytes; they are repaired
   * here (U+FFFD for each invalid sequence) and the attribute is noted in `repaired()`. Values that
   * are text already come back as the entry holds them (no copy: read them, don't change them).
   */
  strings(name: string): readonly string[] {
    const values = this.raw(name);
    let out: string[] | null = null;
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as Buffer | string;
      if (typeof value === 'string') {
        out?.push(value);
        continue;
      }
      out ??= values.slice(0, i) as string[];
      out.push(utf8Text(value, () => this.#noteRepaired(name)));
    }
    return out ?? (values as string[]);
  }

  /** Attributes whose text was repaired by `strings`/`first`, as they were asked for; empty: none. */
  repaired(): readonly string[] {
    return this.repairedNames ?? NONE;
  }

  #noteRepaired(name: string): void {
    this.repairedNames ??= [];
    if (!this.repairedNames.includes(name)) this.repairedNames.push(name);
  }

  /** The first value as a string (every value is decoded when one is bytes, so a repair is noted as `strings` notes it). */
  first(name: string): string | null {
    const value = this.#get(name);
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
    if (value === undefined) return null;
    return this.strings(name)[0] ?? null;
  }

  /** Values as bytes; string values are UTF-8 encoded. */
  buffers(name: string): Buffer[] {
    return this.raw(name).map((value) => (Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8')));
  }

  /** How many values the attribute has (0: none, or not returned). */
  count(name: string): number {
    const value = this.#get(name);
    if (value === undefined) return 0;
    return Array.isArray(value) ? value.length : 1;
  }

  raw(name: string): (Buffer | string)[] {
    const value = this.#get(name);
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value];
  }
}

function isEmpty(value: EntryValues): boolean {
  return Array.isArray(value) && value.length === 0;
}

/**
 * ldapts matches `explicitBufferAttributes` against the name as the server spells it, case-sensitively;
 * these are the spellings to ask for so that a binary value is never decoded as text.
 */
export function binaryNames(attribute: string): string[] {
  return [...new Set([attribute, attribute.toLowerCase(), attribute.toUpperCase()])];
}
