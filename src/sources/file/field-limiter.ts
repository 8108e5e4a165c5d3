// Cuts over-long CSV fields before csv-parse sees them, so that one field over the limit makes one bad
// row instead of failing the whole file. csv-parse's own `max_record_size` stops the parse for good; here
// each field keeps at most `maxFieldBytes + 1` bytes of content (leading blanks, which the parser trims,
// not counted), so the row mapper sees that it was longer than the limit and names its column. Line
// breaks inside a cut quoted field are kept, so later line numbers stay right; an unclosed quote then
// still ends the file in a quoted field, which the parser reports.
//
// The state machine follows RFC 4180 as csv-parse reads it with `relax_quotes`: a quote opens a quoted
// field only at the start of a field (after blanks), `""` inside one is a quote, and any other quote
// closes it.
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const TWO_QUOTES = Buffer.from('""');
const ONE_QUOTE = Buffer.of(QUOTE);

export class FieldLimiter extends Transform {
  readonly #maxBytes: number;
  #fieldStart = true;
  #quoted = false;
  /** A chunk ended on a quote inside a quoted field: `""` or a closing quote, the next chunk says. */
  #pendingQuote = false;
  /** Content bytes of the current field so far. */
  #count = 0;

  constructor(options: { maxFieldBytes: number }) {
    super();
    this.#maxBytes = options.maxFieldBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const parts: Buffer[] = [];
    let start = 0;
    let i = 0;
    if (this.#pendingQuote) {
      this.#pendingQuote = false;
      if (chunk[0] === QUOTE) {
        if (this.#content()) parts.push(TWO_QUOTES);
        start = i = 1;
      } else {
        parts.push(ONE_QUOTE);
        this.#quoted = false;
      }
    }
    /** Leaves out chunk[from, to) from the output. */
    const drop = (from: number, to: number): void => {
      if (from > start) parts.push(chunk.subarray(start, from));
      start = to;
    };
    for (; i < chunk.length; i++) {
      const byte = chunk[i];
      if (this.#quoted) {
        if (byte === QUOTE) {
          if (i + 1 === chunk.length) {
            this.#pendingQuote = true;
            drop(i, chunk.length);
          } else if (chunk[i + 1] === QUOTE) {
            if (!this.#content()) drop(i, i + 2);
            i += 1;
          } else this.#quoted = false;
        } else if (byte !== LF && !this.#content()) drop(i, i + 1);
      } else if (byte === COMMA || byte === LF) {
        this.#fieldStart = true;
        this.#count = 0;
      } else if (this.#fieldStart && byte === QUOTE) {
        this.#fieldStart = false;
        this.#quoted = true;
      } else if (!(this.#fieldStart && (byte === SPACE || byte === TAB))) {
        this.#fieldStart = false;
        if (!this.#content()) drop(i, i + 1);
      }
    }
    if (start < chunk.length) parts.push(start === 0 ? chunk : chunk.subarray(start));
    callback(null, parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.#pendingQuote ? ONE_QUOTE : undefined);
  }

  /** Counts one content byte; false when the field is past its limit and the byte is dropped. */
  #content(): boolean {
    this.#count += 1;
    return this.#count <= this.#maxBytes + 1;
  }
}
