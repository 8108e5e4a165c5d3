// Decoding of the LDAP responses a paged user search receives (RFC 4511 §4.2.2, §4.5.2, §4.12 and the
// paged results control of RFC 2696), straight from the received bytes into EntryViews.
//
// Why not ldapts' parser: it builds an object per attribute and per value and then copies them into a
// result object (toObject), which is most of the CPU a large read spends on the client: with it
// (SEATSYNC_USE_LIBRARY=ldap-decoder) a no-change resync's read of 100,000 users takes 1.67× as long
// (BENCHMARKS.md, "What the library replacements buy"). Values are decoded here as ldapts decodes
// them (UTF-8 text, Buffers for binary attributes and for values that are not UTF-8), so an entry reads
// the same either way. Requests are still encoded by ldapts (its message classes).
import { isUtf8 } from 'node:buffer';

import { DecodedEntry, EntryLayout, type EntryValues } from './entry-view.ts';

export const TAG = {
  sequence: 0x30,
  set: 0x31,
  integer: 0x02,
  octetString: 0x04,
  boolean: 0x01,
  enumerated: 0x0a,
  bindResponse: 0x61,
  searchEntry: 0x64,
  searchDone: 0x65,
  searchReference: 0x73,
  extendedResponse: 0x78,
  intermediateResponse: 0x79,
  controls: 0xa0,
} as const;

export const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';

export class BerError extends Error {
  override readonly name = 'BerError';
}

/** A cursor over BER bytes; `end` bounds the element being read. */
export class BerCursor {
  readonly buf: Buffer;
  pos: number;

  constructor(buf: Buffer, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }

  /** Reads a tag and its definite length; returns the end offset of the content. */
  enter(expectedTag: number | null, limit: number): { tag: number; end: number } {
    const end = this.open(expectedTag, limit);
    return { tag: this.tag, end };
  }

  /** The tag `open` read last. */
  tag = 0;

  /**
   * `enter` without its result object, for the elements read for every entry: returns the end offset
   * of the content and leaves the tag in `tag`.
   */
  open(expectedTag: number | null, limit: number): number {
    const tag = this.byte(limit);
    if (expectedTag !== null && tag !== expectedTag) throw new BerError(`expected tag 0x${expectedTag.toString(16)}, got 0x${tag.toString(16)}`);
    const length = this.length(limit);
    const end = this.pos + length;
    if (end > limit) throw new BerError('element runs past its container');
    this.tag = tag;
    return end;
  }

  byte(limit: number): number {
    if (this.pos >= limit) throw new BerError('unexpected end of data');
    return this.buf[this.pos++] ?? 0;
  }

  length(limit: number): number {
    const first = this.byte(limit);
    if (first < 0x80) return first;
    const bytes = first & 0x7f;
    if (bytes === 0 || bytes > 4) throw new BerError(`unsupported length of ${bytes} bytes`);
    let length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + this.byte(limit);
    return length;
  }

  /** An OCTET STRING (any universal tag accepted) as text. */
  text(limit: number): string {
    const end = this.open(null, limit);
    const value = this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    return value;
  }
}

/** Reads a small INTEGER/ENUMERATED element. */
export function readInteger(cursor: BerCursor, tag: number, limit: number): number {
  const end = cursor.open(tag, limit);
  const start = cursor.pos;
  let value = 0;
  for (; cursor.pos < end; cursor.pos++) value = value * 256 + (cursor.buf[cursor.pos] ?? 0);
  const bytes = end - start;
  if (bytes > 0 && ((cursor.buf[start] ?? 0) & 0x80) !== 0) value -= 2 ** (8 * bytes);
  return value;
}

/** LDAPResult: resultCode, matchedDN, diagnosticMessage (referrals skipped). */
export interface LdapResult {
  readonly resultCode: number;
  readonly diagnosticMessage: string;
}

export function readLdapResult(cursor: BerCursor, end: number): LdapResult {
  const resultCode = readInteger(cursor, TAG.enumerated, end);
  cursor.text(end); // matchedDN
  const diagnosticMessage = cursor.text(end);
  cursor.pos = end;
  return { resultCode, diagnosticMessage };
}

/** A response control (RFC 4511 §4.1.11): its OID and its value, when it has one. */
export interface ResponseControl {
  readonly oid: string;
  readonly value: Buffer | null;
}

/** The controls of a message, from the Controls element's content (`cursor` past its header) to `end`. */
export function readControls(cursor: BerCursor, end: number): ResponseControl[] {
  const controls: ResponseControl[] = [];
  while (cursor.pos < end) {
    const control = cursor.enter(TAG.sequence, end);
    const oid = cursor.text(control.end);
    if (cursor.pos < control.end && cursor.buf[cursor.pos] === TAG.boolean) cursor.pos = cursor.enter(TAG.boolean, control.end).end;
    let value: Buffer | null = null;
    if (cursor.pos < control.end) {
      const element = cursor.enter(TAG.octetString, control.end);
      value = Buffer.from(cursor.buf.subarray(cursor.pos, element.end));
    }
    controls.push({ oid, value });
    cursor.pos = control.end;
  }
  return controls;
}

/** The cookie of a paged results control among a message's controls; empty when there is none. */
export function pagedCookieOf(controls: readonly ResponseControl[]): Buffer {
  const paged = controls.find((control) => control.oid === PAGED_RESULTS_OID);
  if (paged === undefined || paged.value === null) return Buffer.alloc(0);
  const cursor = new BerCursor(paged.value);
  const search = cursor.enter(TAG.sequence, paged.value.length);
  cursor.pos = cursor.enter(TAG.integer, search.end).end; // size estimate
  const found = cursor.enter(TAG.octetString, search.end);
  return Buffer.from(cursor.buf.subarray(cursor.pos, found.end));
}

/** How attribute values are returned: as Buffers for these spellings and `;binary` types, else text. */
export interface ValueRules {
  readonly explicitBuffers: ReadonlySet<string>;
}

/** SearchResultEntry: objectName and attributes, decoded into an EntryView's data. */
export function readSearchEntry(cursor: BerCursor, end: number, rules: ValueRules): DecodedEntry {
  const dn = cursor.text(end);
  const types = typesOf(rules);
  const values: (EntryValues | undefined)[] = [];
  const attributesEnd = cursor.open(TAG.sequence, end);
  for (let index = 0; cursor.pos < attributesEnd; index++) {
    const attributeEnd = cursor.open(TAG.sequence, attributesEnd);
    const type = types.read(cursor, attributeEnd, index);
    const decoded = readValues(cursor, cursor.open(TAG.set, attributeEnd), type.asBuffers);
    cursor.pos = attributeEnd;
    const existing = values[type.slot];
    // Like ldapts + EntryView: the first non-empty value list of a name (any case) wins.
    if (existing === undefined || (Array.isArray(existing) && existing.length === 0)) values[type.slot] = decoded;
  }
  cursor.pos = end;
  return new DecodedEntry(dn, types.layout, values);
}

/**
 * The value of an entry that holds exactly one attribute, named `name` (its lowercase ASCII bytes; the
 * server may spell it in any case), with exactly one value of ASCII text; undefined for any other shape
 * (decode that entry in full: readSearchEntry gives the same text for this one). The objectName is
 * skipped unread. The id listing's entries all have this shape; reading them this way costs about a
 * seventh of readSearchEntry + EntryView + readId (7 against 60 ms of CPU for 100,000 entryUUIDs;
 * BENCHMARKS.md, "The id listing without `syncprov`").
 */
export function readSoleAsciiValue(cursor: BerCursor, end: number, name: Uint8Array): string | undefined {
  cursor.pos = cursor.open(null, end); // objectName
  const attributesEnd = cursor.open(TAG.sequence, end);
  if (cursor.pos >= attributesEnd) return undefined;
  const attributeEnd = cursor.open(TAG.sequence, attributesEnd);
  if (attributeEnd !== attributesEnd) return undefined;
  const typeEnd = cursor.open(null, attributeEnd);
  if (!sameNameIgnoringCase(cursor.buf, cursor.pos, typeEnd, name)) return undefined;
  cursor.pos = typeEnd;
  const valuesEnd = cursor.open(TAG.set, attributeEnd);
  if (valuesEnd !== attributeEnd || cursor.pos >= valuesEnd) return undefined;
  const valueEnd = cursor.open(null, valuesEnd);
  if (valueEnd !== valuesEnd) return undefined;
  const { buf, pos } = cursor;
  for (let i = pos; i < valueEnd; i++) if ((buf[i] ?? 0) >= 0x80) return undefined;
  return buf.toString('latin1', pos, valueEnd);
}

/** Whether bytes `start`–`end` of `buf` spell `lower` (lowercase ASCII) in any case. */
function sameNameIgnoringCase(buf: Buffer, start: number, end: number, lower: Uint8Array): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const byte = buf[start + i] ?? 0;
    if ((byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte) !== lower[i]) return false;
  }
  return true;
}

/** An attribute description as a search returns it: its bytes, its slot (by lowercased name), how its values are read. */
interface KnownType {
  readonly bytes: Buffer;
  readonly slot: number;
  readonly asBuffers: boolean;
}

/** Descriptions remembered per search; past this many (never for a user search) the rest are decoded each time. */
const MAX_KNOWN_TYPES = 64;

/**
 * The attribute descriptions of one search's entries. Every entry of a read names the same few
 * attributes, usually in the same order, so each is decoded, lowercased and matched against the binary
 * rules once, and recognised by its bytes afterwards (the same bytes always give the same answer).
 */
class TypeNames {
  readonly #rules: ValueRules;
  readonly #known: KnownType[] = [];
  readonly layout = new EntryLayout();

  constructor(rules: ValueRules) {
    this.#rules = rules;
  }

  /** Reads the description at the cursor; `index`, its position in the entry, is where to look first. */
  read(cursor: BerCursor, limit: number, index: number): KnownType {
    const end = cursor.open(null, limit);
    const { buf, pos: start } = cursor;
    cursor.pos = end;
    const known = this.#known;
    for (let i = 0; i < known.length; i++) {
      const candidate = known[(index + i) % known.length] as KnownType;
      if (sameBytes(candidate.bytes, buf, start, end)) return candidate;
    }
    const type = buf.toString('utf8', start, end);
    const found: KnownType = {
      bytes: Buffer.from(buf.subarray(start, end)),
      slot: this.layout.slotFor(type.toLowerCase()),
      asBuffers: this.#rules.explicitBuffers.has(type) || /;binary$/i.test(type),
    };
    if (known.length < MAX_KNOWN_TYPES) known.push(found);
    return found;
  }
}

const typeNames = new WeakMap<ValueRules, TypeNames>();

function typesOf(rules: ValueRules): TypeNames {
  let types = typeNames.get(rules);
  if (types === undefined) {
    types = new TypeNames(rules);
    typeNames.set(rules, types);
  }
  return types;
}

function sameBytes(bytes: Buffer, buf: Buffer, start: number, end: number): boolean {
  if (bytes.length !== end - start) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== buf[start + i]) return false;
  return true;
}

/**
 * The values of one attribute: text when every value is UTF-8 (ldapts' rule), else all as Buffers; one
 * value as itself, as ldapts gives it (most attributes of a user have one, read in one step). Several
 * values take two passes over the SET (their kind, then the values) rather than a list of bounds.
 */
function readValues(cursor: BerCursor, end: number, asBuffers: boolean): EntryValues {
  const start = cursor.pos;
  if (start < end) {
    const valueEnd = cursor.open(null, end);
    if (valueEnd === end) {
      const value = readValue(cursor.buf, cursor.pos, end, asBuffers);
      cursor.pos = end;
      return value;
    }
    cursor.pos = start;
  }
  let kind = asBuffers ? BYTES : ASCII;
  while (cursor.pos < end) {
    const valueEnd = cursor.open(null, end);
    if (kind !== BYTES) kind = Math.max(kind, textKind(cursor.buf, cursor.pos, valueEnd));
    cursor.pos = valueEnd;
  }
  cursor.pos = start;
  if (kind === BYTES) {
    const out: Buffer[] = [];
    while (cursor.pos < end) {
      const valueEnd = cursor.open(null, end);
      out.push(Buffer.from(cursor.buf.subarray(cursor.pos, valueEnd)));
      cursor.pos = valueEnd;
    }
    return out;
  }
  // ASCII is decoded as latin1, the cheapest decoder, which gives the same text for those bytes.
  const encoding = kind === ASCII ? 'latin1' : 'utf8';
  const out: string[] = [];
  while (cursor.pos < end) {
    const valueEnd = cursor.open(null, end);
    out.push(cursor.buf.toString(encoding, cursor.pos, valueEnd));
    cursor.pos = valueEnd;
  }
  return out;
}

/** The only value of an attribute, bytes `start`–`end` of `buf`: text when it is UTF-8 and not asked as bytes, else a Buffer. */
function readValue(buf: Buffer, start: number, end: number, asBuffers: boolean): string | Buffer {
  const kind = asBuffers ? BYTES : textKind(buf, start, end);
  if (kind === BYTES) return Buffer.from(buf.subarray(start, end));
  return buf.toString(kind === ASCII ? 'latin1' : 'utf8', start, end);
}

const ASCII = 0;
const UTF8 = 1;
const BYTES = 2;

/** ASCII, other valid UTF-8, or bytes that are not UTF-8. */
function textKind(buf: Buffer, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    if ((buf[i] ?? 0) >= 0x80) return isUtf8(buf.subarray(start, end)) ? UTF8 : BYTES;
  }
  return ASCII;
}
