// The lean decoder of search responses must read an entry exactly as ldapts + EntryView read it: same
// names, same text, Buffers in the same cases (binary attributes, values that are not UTF-8).
import { BerReader, BerWriter, SearchEntry } from 'ldapts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryView } from '../../../../src/sources/ldap/entry-view.ts';
import { listedIdReading } from '../../../../src/sources/ldap/scope-exits.ts';
import { BerCursor, pagedCookieOf, readControls, readSearchEntry, TAG } from '../../../../src/sources/ldap/search-response.ts';
import { readId } from '../../../../src/sources/ldap/user-entry.ts';

type Values = readonly (string | Buffer)[];

/** The protocolOp content of a SearchResultEntry: objectName and attributes. */
function entryBytes(dn: string, attributes: readonly [string, Values][]): Buffer {
  const writer = new BerWriter();
  writer.startSequence(TAG.searchEntry);
  writer.writeString(dn);
  writer.startSequence();
  for (const [type, values] of attributes) {
    writer.startSequence();
    writer.writeString(type);
    writer.startSequence(TAG.set);
    for (const value of values) {
      if (typeof value === 'string') writer.writeString(value);
      else writer.writeBuffer(value, TAG.octetString);
    }
    writer.endSequence();
    writer.endSequence();
  }
  writer.endSequence();
  writer.endSequence();
  return writer.buffer;
}

function lean(bytes: Buffer, explicit: readonly string[]): EntryView {
  const cursor = new BerCursor(bytes);
  const { end } = cursor.enter(TAG.searchEntry, bytes.length);
  return new EntryView(readSearchEntry(cursor, end, { explicitBuffers: new Set(explicit) }));
}

function viaLdapts(bytes: Buffer, requested: readonly string[], explicit: readonly string[]): EntryView {
  const reader = new BerReader(bytes);
  reader.readSequence(TAG.searchEntry);
  const entry = new SearchEntry({ messageId: 1 });
  (entry as unknown as { parseMessage(r: BerReader): void }).parseMessage(reader);
  return new EntryView(entry.toObject([...requested], [...explicit]));
}

/** Values as a server may send them: text, text that is not UTF-8 once encoded, bytes. */
const anyValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.uint8Array({ maxLength: 12 }).map((bytes) => Buffer.from(bytes)),
);

/** Random entries: a DN and attributes named by `name` with values from `value`. */
function anEntry(input: { name: fc.Arbitrary<string>; value: fc.Arbitrary<string | Buffer>; maxValues: number; maxAttributes: number }) {
  return fc.record({
    dn: fc.string({ unit: 'grapheme', maxLength: 30 }),
    // A server sends each attribute description once (RFC 4511 §4.1.7); spellings may differ in case.
    attributes: fc.uniqueArray(fc.tuple(input.name, fc.array(input.value, { maxLength: input.maxValues })), { maxLength: input.maxAttributes, selector: ([type]) => type }),
  });
}

const notUtf8 = Buffer.from([0xff, 0xfe, 0x41]);
const guid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const ATTRIBUTES: [string, Values][] = [
  ['uid', ['ann']],
  ['cn', ['Ann Ödegård', 'Ann O.']],
  ['objectGUID', [guid]],
  ['photo;binary', [Buffer.from('text-looking')]],
  ['description', ['fine', notUtf8]],
  ['mail', []],
  ['MAIL', ['ann@example.test']],
  ['title', ['𝒜 title']],
  ['CN', ['Other spelling']],
];

describe('readSearchEntry', () => {
  it('reads every attribute as ldapts and EntryView do', () => {
    const bytes = entryBytes('uid=ann,ou=people,dc=example,dc=test', ATTRIBUTES);
    const explicit = ['objectGUID'];
    const requested = ['uid', 'cn', 'objectGUID', 'photo;binary', 'description', 'mail', 'title', 'missing'];
    const mine = lean(bytes, explicit);
    const theirs = viaLdapts(bytes, requested, explicit);
    expect(mine.dn).toBe(theirs.dn);
    for (const name of [...requested, 'MAIL', 'Uid', 'OBJECTGUID']) {
      expect(mine.raw(name), name).toEqual(theirs.raw(name));
      expect(mine.strings(name), name).toEqual(theirs.strings(name));
      expect(mine.has(name), name).toBe(theirs.has(name));
    }
  });

  it('reads random entries as ldapts does (names in any case, text, bytes, binary attributes, empty lists)', () => {
    const name = fc.constantFrom('uid', 'UID', 'cn', 'Cn', 'mail', 'objectGUID', 'objectguid', 'photo;binary', 'description', 'x-Ω');
    const entry = anEntry({ name, value: anyValue, maxValues: 4, maxAttributes: 8 });
    const explicit = fc.subarray(['objectGUID', 'objectguid', 'OBJECTGUID', 'description']);
    fc.assert(
      fc.property(entry, explicit, ({ dn, attributes }, explicit) => {
        const bytes = entryBytes(dn, attributes);
        const requested = [...new Set(attributes.map(([type]) => type)), 'missing'];
        const mine = lean(bytes, explicit);
        const theirs = viaLdapts(bytes, requested, explicit);
        expect(mine.dn).toBe(theirs.dn);
        for (const type of [...requested, 'UID', 'objectGUID']) {
          expect(mine.raw(type), type).toEqual(theirs.raw(type));
          expect(mine.strings(type), type).toEqual(theirs.strings(type));
          expect(mine.has(type), type).toBe(theirs.has(type));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads the entries of one search as ldapts does, whatever order, spelling and attributes each entry has', () => {
    // One search's entries share where their attributes are kept: a name first returned by a later entry,
    // an entry without an earlier one's names, and names in another order or case must each read as their own.
    const name = fc.constantFrom('uid', 'UID', 'cn', 'CN', 'mail', 'objectGUID', 'description', 'x-Ω', 'member;range=0-1');
    const entries = fc.array(anEntry({ name, value: anyValue, maxValues: 3, maxAttributes: 6 }), { minLength: 2, maxLength: 8 });
    fc.assert(
      fc.property(entries, (entries) => {
        const rules = { explicitBuffers: new Set(['objectGUID']) };
        const views = entries.map(({ dn, attributes }) => {
          const bytes = entryBytes(dn, attributes);
          const cursor = new BerCursor(bytes);
          const { end } = cursor.enter(TAG.searchEntry, bytes.length);
          return { mine: new EntryView(readSearchEntry(cursor, end, rules)), bytes, attributes };
        });
        // Compared once every entry is decoded: a view must not change as the search goes on.
        for (const { mine, bytes, attributes } of views) {
          const requested = [...new Set(attributes.map(([type]) => type))];
          const theirs = viaLdapts(bytes, requested, ['objectGUID']);
          for (const type of ['uid', 'UID', 'cn', 'mail', 'objectGUID', 'description', 'x-Ω', 'member;range=0-1']) {
            expect(mine.raw(type), type).toEqual(theirs.raw(type));
            expect(mine.count(type), type).toBe(theirs.count(type));
            expect(mine.has(type), type).toBe(theirs.has(type));
          }
          expect([...mine.names()].sort()).toEqual([...new Set(requested.map((type) => type.toLowerCase()))].sort());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps text as text and bytes as Buffers', () => {
    const view = lean(entryBytes('cn=x', ATTRIBUTES), ['objectGUID']);
    expect(view.raw('cn')).toEqual(['Ann Ödegård', 'Ann O.']);
    expect(view.buffers('objectGUID')).toEqual([guid]);
    expect(view.raw('description').every((v) => Buffer.isBuffer(v))).toBe(true);
    expect(view.first('mail')).toBe('ann@example.test');
  });
});

describe('the id listing: ids read straight from the entry bytes', () => {
  const reading = listedIdReading('entryUUID');
  /** As the search connection keeps an entry: the shortcut, else the decoded entry. */
  const listed = (bytes: Buffer): { id: string | null; quick: boolean } => {
    const cursor = new BerCursor(bytes);
    const { end } = cursor.enter(TAG.searchEntry, bytes.length);
    const start = cursor.pos;
    const quick = reading.quick?.(cursor, end);
    if (quick !== undefined) return { id: quick, quick: true };
    cursor.pos = start;
    return { id: reading.each(new EntryView(readSearchEntry(cursor, end, { explicitBuffers: new Set() }))), quick: false };
  };
  /** What readId makes of the entry as ldapts decodes it. */
  const viaLibrary = (bytes: Buffer): string | null => {
    const id = readId(viaLdapts(bytes, ['entryUUID'], []), 'entryUUID');
    return typeof id === 'string' ? id : null;
  };

  it('reads an entry that holds the id alone from its bytes, in any spelling of the name, and lowercases a UUID', () => {
    const uuid = '0B5C1A7E-93D4-4F1E-8B0A-2C6D9E1F3A4B';
    for (const type of ['entryUUID', 'ENTRYUUID', 'entryuuid']) {
      expect(listed(entryBytes('uid=a,dc=x', [[type, [uuid]]]))).toEqual({ id: uuid.toLowerCase(), quick: true });
    }
    expect(listed(entryBytes('uid=a,dc=x', [['entryUUID', ['  ']]]))).toEqual({ id: null, quick: true });
    expect(listed(entryBytes('uid=a,dc=x', [['entryUUID', ['a', 'b']]]))).toEqual({ id: null, quick: false });
    expect(listed(entryBytes('uid=a,dc=x', [['entryUUID', [notUtf8]]]))).toEqual({ id: null, quick: false });
  });

  it('lists the id readId reads from the entry as ldapts decodes it, for random entries', () => {
    const name = fc.constantFrom('entryUUID', 'ENTRYUUID', 'entryuuid', 'entryUUID;x-opt', 'entryUUIDs', 'uid');
    const value = fc.oneof(
      fc.uuid().map((uuid) => uuid.toUpperCase()),
      fc.uuid(),
      fc.tuple(fc.constantFrom('', ' ', '\t'), fc.uuid(), fc.constantFrom('', ' ')).map((parts) => parts.join('')),
      anyValue,
    );
    const entry = anEntry({ name, value, maxValues: 3, maxAttributes: 3 });
    fc.assert(
      fc.property(entry, ({ dn, attributes }) => {
        const bytes = entryBytes(dn, attributes);
        expect(listed(bytes).id).toBe(viaLibrary(bytes));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('readControls and pagedCookieOf', () => {
  function controls(entries: readonly { oid: string; critical?: boolean; value?: Buffer }[]): Buffer {
    const writer = new BerWriter();
    writer.startSequence(TAG.controls);
    for (const control of entries) {
      writer.startSequence();
      writer.writeString(control.oid);
      if (control.critical !== undefined) writer.writeBoolean(control.critical);
      if (control.value) writer.writeBuffer(control.value, TAG.octetString);
      writer.endSequence();
    }
    writer.endSequence();
    return writer.buffer;
  }
  function pagedValue(cookie: Buffer): Buffer {
    const writer = new BerWriter();
    writer.startSequence();
    writer.writeInt(0);
    writer.writeBuffer(cookie, TAG.octetString);
    writer.endSequence();
    return writer.buffer;
  }
  const read = (bytes: Buffer): Buffer => {
    const cursor = new BerCursor(bytes);
    const { end } = cursor.enter(TAG.controls, bytes.length);
    return pagedCookieOf(readControls(cursor, end));
  };

  it('finds the cookie among other controls', () => {
    const cookie = Buffer.from([1, 2, 3, 250]);
    const bytes = controls([{ oid: '1.2.3.4', critical: true, value: Buffer.from('x') }, { oid: '1.2.840.113556.1.4.319', critical: false, value: pagedValue(cookie) }]);
    expect(read(bytes)).toEqual(cookie);
  });

  it('reads an empty cookie (the last page) and no control at all as empty', () => {
    expect(read(controls([{ oid: '1.2.840.113556.1.4.319', value: pagedValue(Buffer.alloc(0)) }]))).toEqual(Buffer.alloc(0));
    expect(read(controls([{ oid: '1.2.3.4' }]))).toEqual(Buffer.alloc(0));
  });

  it('reads every control with its value, and none for a control without one', () => {
    const bytes = controls([{ oid: '1.2.3.4', critical: true, value: Buffer.from('x') }, { oid: '1.3.6.1.4.1.4203.1.9.1.3' }]);
    const cursor = new BerCursor(bytes);
    const { end } = cursor.enter(TAG.controls, bytes.length);
    expect(readControls(cursor, end)).toEqual([{ oid: '1.2.3.4', value: Buffer.from('x') }, { oid: '1.3.6.1.4.1.4203.1.9.1.3', value: null }]);
    expect(cursor.pos).toBe(end);
  });
});
