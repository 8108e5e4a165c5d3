// The search connection reads a search's entries from the messages of its socket, and fails the search
// as malformed when the stream is. A loopback server answers a bind and a search with scripted bytes.
// How the stream is split into messages wherever it is cut is message-framer.test.ts's, with exact chunks.
import { createServer, type Server, type Socket } from 'node:net';

import { BerWriter } from 'ldapts';
import { afterEach, describe, expect, it } from 'vitest';

import { MAX_MESSAGE_BYTES } from '../../../../src/sources/ldap/message-framer.ts';
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

/** A server that answers the bind, then the search with these entries (or `answer`'s bytes). */
async function scriptedServer(entries: readonly ScriptedEntry[], answer = searchAnswer(entries)): Promise<string> {
  server = createServer((socket: Socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      for (const { messageId, op } of requestsIn(data)) {
        if (op === 0x60) socket.write(doneMessage(messageId, TAG.bindResponse));
        if (op === 0x63) socket.write(answer(messageId));
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

describe('SearchConnection: the messages of its socket', () => {
  it('reads every entry of a search whole, small ones and one of many chunks', async () => {
    const entries: ScriptedEntry[] = [
      { dn: 'cn=small', attributes: [['cn', ['a']]] },
      { dn: 'cn=big', attributes: [['description', [`${'ö𝒜'.repeat(12_000)}end`, 'second']], ['x-ö', ['b']]] },
      { dn: 'cn=last', attributes: [['cn', ['z']], ['mail', ['z@example.test']]] },
    ];
    const url = await scriptedServer(entries);
    expect(await readThrough(url)).toEqual(entries.map(sortedAttributes));
  });

  it('fails the search at once, as malformed and naming the length, when a message is longer than the limit', async () => {
    const header = Buffer.from([TAG.sequence, 0x84, 0, 0, 0, 0]);
    header.writeUInt32BE(0xff_ff_ff_f0, 2);
    const url = await scriptedServer([], () => header);
    await expect(readThrough(url)).rejects.toThrow(`malformed response (message of ${0xff_ff_ff_f0} bytes, over the limit of ${MAX_MESSAGE_BYTES})`);
  });
});
