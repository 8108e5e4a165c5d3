// Splits the byte stream of an LDAP connection into its messages (BER SEQUENCEs), however the network
// cuts it: several messages in one chunk, a message cut anywhere (in its header too), one that spans
// many chunks. Pure: the search connection pushes each chunk it receives and handles the complete
// messages; this keeps the start of a message whose end has not arrived yet.
import { BerCursor, BerError, TAG } from './search-response.ts';

/**
 * The longest message accepted, in bytes. A page of entries arrives as one message per entry, so no
 * real message comes near it (an entry with a few large photos is a few MiB); a longer length is a
 * corrupt or hostile stream, and the connection would otherwise collect up to 4 GiB waiting for it.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Receives a complete message: `cursor` at the start of its content (its message ID), over bytes
 * that hold the whole message up to `end`. The bytes are valid only during the call.
 */
export type MessageHandler = (cursor: BerCursor, end: number) => void;

export class MessageFramer {
  /** The start of a message whose end has not arrived: its bytes so far, in pieces as they came. */
  #partial: Buffer[] = [];
  #partialBytes = 0;
  /** The whole length of that message; -1 while its header is cut short. */
  #partialNeeds = -1;

  /**
   * Hands each message that `chunk` completes to `handle`, in order. A message cut by the end of a
   * chunk is completed from the next: only its own bytes are joined (never the rest of the chunk), and
   * the pieces of one that spans many chunks are joined once, when its last one arrives. Throws a
   * BerError for a stream that is not a sequence of messages, or a message longer than MAX_MESSAGE_BYTES.
   */
  push(chunk: Buffer, handle: MessageHandler): void {
    if (this.#partial.length === 0) return this.#messages(chunk, 0, handle);
    if (this.#partialNeeds < 0) {
      // The header itself was cut (a few bytes): joined with this chunk, the stream goes on as one.
      const joined = Buffer.concat([...this.#partial, chunk]);
      this.#keepPartial(null, 0, -1);
      return this.#messages(joined, 0, handle);
    }
    const missing = this.#partialNeeds - this.#partialBytes;
    if (chunk.length < missing) {
      this.#partial.push(chunk);
      this.#partialBytes += chunk.length;
      return;
    }
    this.#partial.push(chunk.subarray(0, missing));
    const message = Buffer.concat(this.#partial, this.#partialNeeds);
    this.#keepPartial(null, 0, -1);
    this.#messages(message, 0, handle);
    this.#messages(chunk, missing, handle);
  }

  /** Handles the complete messages of `buf` from `from`, and keeps the start of the last one if it is cut. */
  #messages(buf: Buffer, from: number, handle: MessageHandler): void {
    const cursor = new BerCursor(buf, from);
    while (cursor.pos < buf.length) {
      const start = cursor.pos;
      // Past the end of `buf`, `open` reads zeros (it is given no limit): a header cut short is known by
      // the cursor having passed the end. The length so read is then at most the real one (its missing
      // low-order bytes read as zeros), so one over the cap is refused before its last byte arrives.
      const end = cursor.open(TAG.sequence, Number.MAX_SAFE_INTEGER);
      const length = end - cursor.pos;
      if (length > MAX_MESSAGE_BYTES) {
        throw new BerError(`message ${cursor.pos > buf.length ? 'of at least' : 'of'} ${length} bytes, over the limit of ${MAX_MESSAGE_BYTES}`);
      }
      if (end > buf.length) return this.#keepPartial(buf, start, cursor.pos > buf.length ? -1 : end - start);
      handle(cursor, end);
      cursor.pos = end;
    }
  }

  /** Keeps bytes `from`– of `buf` as the start of a message of `needs` bytes (-1: not known yet); null: none. */
  #keepPartial(buf: Buffer | null, from: number, needs: number): void {
    this.#partial = buf === null ? [] : [buf.subarray(from)];
    this.#partialBytes = buf === null ? 0 : buf.length - from;
    this.#partialNeeds = needs;
  }
}
