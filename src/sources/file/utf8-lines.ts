// A CSV or LDIF export is UTF-8; a value written by an old tool may not be (latin-1 bytes). Such bytes
// are repaired here, before parsing, one line at a time with the sources' one decoder (utf8Text:
// U+FFFD for each invalid sequence), and the numbers of the repaired lines are kept so the mapping can
// name the entry and the column or attribute. A chunk that is valid UTF-8, the usual case, passes on
// as it is after one check (SIMD) and a count of its line breaks.
import { isUtf8 } from 'node:buffer';
import { utf8Text } from '../directory-values.ts';
import type { SourceItem } from '../directory-source.ts';

const LF = 0x0a;
const EMPTY: Buffer = Buffer.alloc(0);
/** A "line" longer than this is passed on without waiting for its end (the parsers refuse it anyway). */
const MAX_HELD_BYTES = 16 * 1024 * 1024;

/** 1-based numbers of the physical lines that held bytes that were not UTF-8. */
export class RepairedLines {
  readonly #lines = new Set<number>();

  add(line: number): void {
    this.#lines.add(line);
  }

  /** Whether any line from `first` to `last` (inclusive) was repaired. */
  anyIn(first: number, last: number): boolean {
    if (this.#lines.size === 0) return false;
    for (let line = first; line <= last; line += 1) if (this.#lines.has(line)) return true;
    return false;
  }
}

/**
 * A stream stage (for `stream.pipeline` or to wrap an async iterable): the same bytes, with the lines
 * that were not UTF-8 repaired and their numbers added to `repaired`. Lines are counted by `\n`.
 */
export function repairUtf8Lines(repaired: RepairedLines): (source: AsyncIterable<Buffer | string>) => AsyncGenerator<Buffer, void, undefined> {
  return async function* (source) {
    let held: Buffer = EMPTY;
    let line = 1; // the number of the first line in `held`
    for await (const input of source) {
      const chunk = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
      const lastLf = chunk.lastIndexOf(LF);
      if (lastLf === -1 && held.length + chunk.length <= MAX_HELD_BYTES) {
        held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
        continue;
      }
      const end = lastLf === -1 ? chunk.length : lastLf + 1;
      const lines = held.length === 0 ? chunk.subarray(0, end) : Buffer.concat([held, chunk.subarray(0, end)]);
      held = chunk.subarray(end);
      const out = repairLines(lines, line, repaired);
      line += out.count;
      yield out.bytes;
    }
    if (held.length > 0) yield repairLines(held, line, repaired).bytes;
  };
}

/** Complete lines (the last may lack its `\n`): as they are when valid, else each invalid one repaired. */
function repairLines(bytes: Buffer, firstLine: number, repaired: RepairedLines): { bytes: Buffer; count: number } {
  let count = 0;
  for (let at = bytes.indexOf(LF); at !== -1; at = bytes.indexOf(LF, at + 1)) count += 1;
  if (isUtf8(bytes)) return { bytes, count };
  const parts: Buffer[] = [];
  let start = 0;
  for (let line = firstLine; start < bytes.length; line += 1) {
    const lf = bytes.indexOf(LF, start);
    const stop = lf === -1 ? bytes.length : lf + 1;
    const piece = bytes.subarray(start, stop);
    parts.push(isUtf8(piece) ? piece : Buffer.from(utf8Text(piece, () => repaired.add(line)), 'utf8'));
    start = stop;
  }
  return { bytes: Buffer.concat(parts), count };
}

/** A user item with the attributes whose text was repaired; other items as they are. */
export function withRepaired(item: SourceItem, attributes: readonly string[]): SourceItem {
  return item.kind === 'user' && attributes.length > 0 ? { ...item, repaired: [...(item.repaired ?? []), ...attributes] } : item;
}
