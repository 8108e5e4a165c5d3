// Windows line endings are rewritten to `\n` before CSV parsing: csv-parse 7 counts a CRLF inside a
// quoted field as two lines, which would put every later line number one off. The rewrite also gives
// multi-line fields the same `\n` whatever the exporting system.
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

const CR = 0x0d;
const LF = 0x0a;

export class CrlfToLf extends Transform {
  /** A chunk ended with `\r`: whether it starts a CRLF depends on the next chunk. */
  #pendingCr = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const parts: Buffer[] = [];
    let start = 0;
    if (this.#pendingCr) {
      this.#pendingCr = false;
      if (chunk[0] !== LF) parts.push(Buffer.of(CR));
    }
    for (let cr = chunk.indexOf(CR); cr !== -1; cr = chunk.indexOf(CR, cr + 1)) {
      if (cr === chunk.length - 1) {
        parts.push(chunk.subarray(start, cr));
        start = chunk.length;
        this.#pendingCr = true;
      } else if (chunk[cr + 1] === LF) {
        parts.push(chunk.subarray(start, cr));
        start = cr + 1;
      }
    }
    parts.push(chunk.subarray(start));
    callback(null, parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.#pendingCr ? Buffer.of(CR) : undefined);
  }
}
