// The search connection splits the byte stream into LDAP messages however the network cuts it: a
// message cut anywhere (in its header, in a long-form length, inside a multi-byte UTF-8 character),
// one that spans many chunks, several in one chunk. A loopback server answers a bind and a search with
// scripted bytes, written in pieces with a pause between them so that each arrives as a chunk of its own.
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import fc from 'fast-check';
import { BerWriter } from 'ldapts';
import { afterEach, describe, expect, it } from 'vitest';

import { SearchConnection } from '../../../../src/sources/ldap/search-connection.ts';
import { TAG } from '../../../../src/sources/ldap/search-response.ts';

interface ScriptedEntry {
  readonly dn: string;
  readonly attributes: readonly (readonly [string, readonly string[]])[];
}

function message(messageId: number, write: (writer: BerWriter) => void): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeInt(messageId);
  write(writer);
  writer.endSequence();
  return writer.buffer;
}

function entryMessage(messageId: number, entry: ScriptedEntry): Buffer {
  return message(messageId, (writer) => {
    writer.startSequence(TAG.searchEntry);
    writer.writeString(entry.dn);
    writer.startSequence();
    for (const [type, values] of entry.attributes) {
      writer.startSequence();
      writer.writeString(type);
      writer.startSequence(TAG.set);
      for (const value of values) writer.writeString(value);
      writer.endSequence();
      writer.endSequence();
    }
    writer.endSequence();
    writer.endSequence();
  });
}

/** A final response (no paged results control: the last page). */
function doneMessage(messageId: number, tag: number): Buffer {
  return message(messageId, (writer) => {
    writer.startSequence(tag);
    writer.writeEnumeration(0);
    writer.writeString('');
    writer.writeString('');
    writer.endSequence();
  });
}

/** The message id and operation tag of each complete request in `bytes` (short-form lengths: requests are small). */
function requestsIn(bytes: Buffer): { messageId: number; op: number }[] {
  const requests: { messageId: number; op: number }[] = [];
  for (let pos = 0; pos + 1 < bytes.length; ) {
    let length = bytes[pos + 1] ?? 0;
    let header = 2;
    if (length & 0x80) {
      const count = length & 0x7f;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (bytes[pos + 2 + i] ?? 0);
      header += count;
    }
    const idLength = bytes[pos + header + 1] ?? 0;
    let messageId = 0;
    for (let i = 0; i < idLength; i++) messageId = messageId * 256 + (bytes[pos + header + 2 + i] ?? 0);
    requests.push({ messageId, op: bytes[pos + header + 2 + idLength] ?? 0 });
    pos += header + length;
  }
  return requests;
}

let server: Server | null = null;

afterEach(async () => {
  const open = server;
  server = null;
  await new Promise<void>((resolve) => (open ? open.close(() => resolve()) : resolve()));
});

/** A server that answers the bind, then the search with these entries, cut at `cuts` (byte offsets of the whole response). */
async function scriptedServer(entries: readonly ScriptedEntry[], cuts: readonly number[], answer = searchAnswer(entries)): Promise<string> {
  server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      for (const { messageId, op } of requestsIn(data)) {
        if (op === 0x60) socket.write(doneMessage(messageId, TAG.bindResponse));
        if (op === 0x63) void writeInPieces(socket, answer(messageId), cuts);
      }
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `ldap://127.0.0.1:${address.port}`;
}

/** The entries and the final response of a search. */
function searchAnswer(entries: readonly ScriptedEntry[]): (messageId: number) => Buffer {
  return (messageId) => Buffer.concat([...entries.map((entry) => entryMessage(messageId, entry)), doneMessage(messageId, TAG.searchDone)]);
}

async function writeInPieces(socket: Socket, bytes: Buffer, cuts: readonly number[]): Promise<void> {
  const points = [...new Set(cuts.filter((cut) => cut > 0 && cut < bytes.length))].sort((a, b) => a - b);
  let from = 0;
  for (const cut of [...points, bytes.length]) {
    socket.write(bytes.subarray(from, cut));
    from = cut;
    await sleep(2);
  }
}

async function readThrough(url: string): Promise<ScriptedEntry[]> {
  const connection = await SearchConnection.open({
    url, tls: {}, startTls: false, bindDN: 'cn=reader', bindPassword: 'secret', connectTimeoutMs: 5_000, operationTimeoutMs: 10_000,
  });
  try {
    const read: ScriptedEntry[] = [];
    const search = {
      baseDn: 'ou=people', scope: 'sub', filter: '(objectClass=*)', attributes: ['cn'], explicitBufferAttributes: [], timeLimitSeconds: 0, pageSize: 1000,
    } as const;
    for await (const page of connection.pages(search, { each: (view) => ({ dn: view.dn, attributes: [...view.names()].sort().map((name) => [name, view.strings(name)] as const) }) })) {
      read.push(...page);
    }
    return read;
  } finally {
    connection.close();
  }
}

/** An entry as `readThrough` gives it: names in order (a search keeps them in the order it first saw them). */
const sortedAttributes = (entry: ScriptedEntry): ScriptedEntry => ({ dn: entry.dn, attributes: [...entry.attributes].sort(([a], [b]) => (a < b ? -1 : 1)) });

const text = fc.string({ unit: 'grapheme', maxLength: 20 });
const anEntry = fc.record({
  dn: text,
  attributes: fc.uniqueArray(fc.tuple(fc.constantFrom('cn', 'mail', 'description', 'x-ö'), fc.array(text, { minLength: 1, maxLength: 3 })), {
    maxLength: 4,
    selector: ([type]) => type,
  }),
});

describe('SearchConnection: messages cut by the network', () => {
  it('reads every entry whole wherever the stream is cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anEntry, { minLength: 1, maxLength: 6 }), fc.array(fc.nat({ max: 600 }), { maxLength: 8 }), async (entries, cuts) => {
        const url = await scriptedServer(entries, cuts);
        try {
          expect(await readThrough(url)).toEqual(entries.map(sortedAttributes));
        } finally {
          await new Promise<void>((resolve) => server?.close(() => resolve()));
          server = null;
        }
      }),
      { numRuns: 25 },
    );
  });

  it('reads entries with long-form lengths cut inside their headers and spanning many chunks', async () => {
    // 0x82 (two length bytes) and 0x83 (three: over 65,535 bytes) headers; a UTF-8 character of 2 bytes
    // (ö) and one of 4 (𝒜) at every cut of the big value.
    const big = `${'ö𝒜'.repeat(12_000)}end`;
    const entries: ScriptedEntry[] = [
      { dn: 'cn=small', attributes: [['cn', ['a']]] },
      { dn: 'cn=medium', attributes: [['description', ['m'.repeat(300)]]] },
      { dn: 'cn=big', attributes: [['description', [big, 'second']]] },
      { dn: 'cn=last', attributes: [['cn', ['z']]] },
    ];
    const whole = Buffer.concat(entries.map((entry) => entryMessage(2, entry)));
    const starts = entries.map((_, i) => Buffer.concat(entries.slice(0, i).map((entry) => entryMessage(2, entry))).length);
    expect(whole[(starts[2] ?? 0) + 1]).toBe(0x83);
    // Cut after each header's first byte, inside each long length and one byte before each message's
    // end, then every 9,999 bytes of the big entry.
    const cuts = starts.flatMap((start) => [start - 1, start + 1, start + 2, start + 3]);
    for (let cut = (starts[2] ?? 0) + 5; cut < (starts[3] ?? 0); cut += 9_999) cuts.push(cut);
    const url = await scriptedServer(entries, cuts);
    expect(await readThrough(url)).toEqual(entries.map(sortedAttributes));
  });

  it('fails a message whose length has an unsupported form at once, as malformed, rather than waiting for more', async () => {
    // 0x85: five length bytes (BER allows them; no LDAP message needs them). Cut after the header's first byte.
    const url = await scriptedServer([], [1], () => Buffer.from([TAG.sequence, 0x85, 0, 0, 0, 0, 9, 2, 1, 2]));
    await expect(readThrough(url)).rejects.toThrow(/malformed response \(unsupported length of 5 bytes\)/);
  });
});
