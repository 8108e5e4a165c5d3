// The framer splits the byte stream into LDAP messages however the network cuts it: a message cut
// anywhere (in its header, inside a long-form length, inside a multi-byte UTF-8 character), one that
// spans many chunks, several in one chunk. The chunks are given exactly, so every cut is exercised.
import fc from 'fast-check';
import { BerWriter } from 'ldapts';
import { describe, expect, it } from 'vitest';

import { MAX_MESSAGE_BYTES, MessageFramer } from '../../../../src/sources/ldap/message-framer.ts';
import { BerError, TAG } from '../../../../src/sources/ldap/search-response.ts';

/** A message (SEQUENCE of message ID and an OCTET STRING of `text`) as a server writes it. */
function message(messageId: number, text: string): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeInt(messageId);
  writer.writeString(text);
  writer.endSequence();
  return writer.buffer;
}

/** What the framer hands on for each message: its ID and text, read from the cursor it gives. */
function framed(chunks: readonly Buffer[], framer = new MessageFramer()): [number, string][] {
  const read: [number, string][] = [];
  for (const chunk of chunks) {
    framer.push(chunk, (cursor, end) => {
      const idEnd = cursor.open(TAG.integer, end);
      const id = cursor.buf.readUIntBE(cursor.pos, idEnd - cursor.pos);
      cursor.pos = idEnd;
      read.push([id, cursor.text(end)]);
      expect(cursor.pos).toBe(end);
    });
  }
  return read;
}

/** `bytes` cut at `cuts` (offsets, any order). */
function cut(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.filter((at) => at > 0 && at < bytes.length))].sort((a, b) => a - b);
  return [...points, bytes.length].map((at, i) => bytes.subarray(i === 0 ? 0 : points[i - 1], at));
}

describe('MessageFramer', () => {
  const texts = ['a', 'm'.repeat(300), `${'ö𝒜'.repeat(40)}end`, ''];
  const messages = texts.map((text, i) => message(i + 2, text));
  const stream = Buffer.concat(messages);
  const expected = texts.map((text, i): [number, string] => [i + 2, text]);

  it('hands on several messages of one chunk, in order', () => {
    expect(framed([stream])).toEqual(expected);
  });

  it('hands on every message whole wherever the stream is cut once', () => {
    for (let at = 1; at < stream.length; at++) expect(framed(cut(stream, [at])), `cut at ${at}`).toEqual(expected);
  });

  it('hands on every message whole when the stream arrives a byte at a time', () => {
    expect(framed(cut(stream, [...stream.keys()]))).toEqual(expected);
  });

  it('hands on every message whole wherever the stream is cut many times', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 12 }), (cuts) => {
        expect(framed(cut(stream, cuts))).toEqual(expected);
      }),
    );
  });

  it('completes a message with a long-form length cut inside its header, a UTF-8 character cut in two, and many chunks', () => {
    // 0x83: three length bytes (over 65,535 bytes of content); ö is two bytes, 𝒜 four.
    const big = `${'ö𝒜'.repeat(12_000)}end`;
    const bytes = Buffer.concat([message(7, 'x'), message(8, big), message(9, 'y')]);
    const start = message(7, 'x').length;
    expect(bytes[start + 1]).toBe(0x83);
    const inCharacter = bytes.indexOf(Buffer.from('𝒜'), start + 10) + 2;
    const cuts = [start + 1, start + 2, start + 3, start + 4, inCharacter];
    for (let at = start + 5; at < bytes.length; at += 9_999) cuts.push(at);
    const chunks = cut(bytes, cuts);
    expect(chunks.length).toBeGreaterThan(10);
    expect(framed(chunks)).toEqual([
      [7, 'x'],
      [8, big],
      [9, 'y'],
    ]);
  });

  it('keeps the start of a cut message until its end arrives, and hands on nothing before', () => {
    const framer = new MessageFramer();
    const first = message(2, 'first');
    const bytes = Buffer.concat([first, message(3, 'second')]);
    expect(framed([bytes.subarray(0, first.length + 3)], framer)).toEqual([[2, 'first']]);
    expect(framed([bytes.subarray(first.length + 3, bytes.length - 1)], framer)).toEqual([]);
    expect(framed([bytes.subarray(bytes.length - 1)], framer)).toEqual([[3, 'second']]);
  });

  it('fails a message whose length has an unsupported form at once, rather than waiting for more', () => {
    // 0x85: five length bytes (BER allows them; no LDAP message needs them).
    expect(() => framed([Buffer.from([TAG.sequence, 0x85])])).toThrow(new BerError('unsupported length of 5 bytes'));
  });

  it('fails a stream that is not a sequence of messages', () => {
    expect(() => framed([Buffer.from([0x04, 0x01, 0x41])])).toThrow(/expected tag 0x30, got 0x4/);
  });

  it('fails a message longer than the limit at its header, naming its length, before its content arrives', () => {
    const over = MAX_MESSAGE_BYTES + 1;
    const header = Buffer.from([TAG.sequence, 0x84, 0, 0, 0, 0]);
    header.writeUInt32BE(over, 2);
    expect(() => framed([header])).toThrow(`message of ${over} bytes, over the limit of ${MAX_MESSAGE_BYTES}`);
    // Cut inside its length: the bytes read so far already make it too long.
    expect(() => framed([Buffer.from([TAG.sequence, 0x84, 0x10])])).toThrow(`message of at least ${0x10_00_00_00} bytes, over the limit of ${MAX_MESSAGE_BYTES}`);
    // Cut after a message that fits: that one is handed on first.
    const read: number[] = [];
    expect(() => new MessageFramer().push(Buffer.concat([message(2, 'fits'), header]), (_cursor, end) => read.push(end))).toThrow(/over the limit/);
    expect(read).toHaveLength(1);
  });

  it('accepts a message of exactly the limit', () => {
    const header = Buffer.from([TAG.sequence, 0x84, 0, 0, 0, 0]);
    header.writeUInt32BE(MAX_MESSAGE_BYTES, 2);
    const framer = new MessageFramer();
    let handed = 0;
    framer.push(header, () => handed++);
    framer.push(Buffer.alloc(MAX_MESSAGE_BYTES - 1), () => handed++);
    expect(handed).toBe(0);
    framer.push(Buffer.alloc(1), () => handed++);
    expect(handed).toBe(1);
  });
});
