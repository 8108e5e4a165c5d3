// A push parser for LDIF content (RFC 2849): fed one physical line at a time, it unfolds continuation
// lines, drops comments, decodes `attr:: base64` and returns each record when the blank line after it
// arrives. Synchronous and free of I/O; `ldif-reader.ts` feeds it from a stream.

/** A plain value as text; a base64 value as its bytes (text or binary: the mapping decides). */
export type LdifValue = string | Uint8Array;

export type LdifProblemCode = 'no-dn' | 'syntax' | 'base64' | 'url';

export interface LdifProblem {
  readonly code: LdifProblemCode;
  readonly line: number;
  readonly attribute?: string;
  readonly reason: string;
}

/**
 * The file's structure is broken where no single entry can be blamed: a `dn:` line inside a record (the
 * blank line that should end the previous record is missing). Reading on would merge two entries into
 * one, so the whole file is refused, naming the line.
 */
export class LdifStructureError extends Error {
  readonly code = 'ldif-structure';
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.name = 'LdifStructureError';
    this.line = line;
  }
}

export interface LdifRecord {
  /** Line of the record's `dn:` (or of its first line when that is not a dn). */
  readonly line: number;
  readonly dn: string;
  /** `changetype:` value (lowercased) of a change record; `control` when it only has controls. */
  readonly changeType: string | null;
  /** Values by attribute name, lowercased and without options (`userCertificate;binary` → `usercertificate`). */
  readonly attributes: ReadonlyMap<string, readonly LdifValue[]>;
  /** The first thing wrong with the record; a record with a problem is skipped whole. */
  readonly problem: LdifProblem | null;
  /** Kept attributes (lowercased) with a plain value on a line whose bytes were not UTF-8 (repaired before parsing). */
  readonly repaired?: ReadonlySet<string>;
}

export interface LdifParserOptions {
  /** Which attributes (lowercased, without options) to keep; others are dropped while parsing. */
  readonly keepAttribute?: (name: string) => boolean;
  /** Whether a physical line (1-based) had bytes that were not UTF-8 and was repaired (utf8-lines.ts). */
  readonly repairedLine?: (line: number) => boolean;
}

interface RecordDraft {
  line: number;
  dn: string;
  changeType: string | null;
  attributes: Map<string, LdifValue[]>;
  problem: LdifProblem | null;
  repaired: Set<string>;
}

interface LogicalLine {
  text: string;
  line: number;
  /** One of its physical lines was repaired. */
  repaired: boolean;
}

// attribute description (name or OID, then ;options), one or two colons or `:<`, then the value.
const ATTRIBUTE_LINE = /^([A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)((?:;[A-Za-z0-9-]+)*):([:<]?)[ ]*(.*)$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class LdifParser {
  readonly #keep: (name: string) => boolean;
  readonly #repairedLine: (line: number) => boolean;
  #lineNumber = 0;
  #pending: LogicalLine | null = null;
  #inComment = false;
  #draft: RecordDraft | null = null;
  #sawContent = false;

  constructor(options: LdifParserOptions = {}) {
    this.#keep = options.keepAttribute ?? (() => true);
    this.#repairedLine = options.repairedLine ?? (() => false);
  }

  /** Feeds one physical line (without its line break). Returns the record this line completed, if any. */
  push(physical: string): LdifRecord | null {
    this.#lineNumber += 1;
    const text = this.#lineNumber === 1 ? physical.replace(/^\uFEFF/, '') : physical;
    if (text.trim() === '') {
      // Blank (or whitespace-only, as hand-edited files have): the record separator.
      this.#flushLogical();
      this.#inComment = false;
      return this.#finishRecord();
    }
    if (text.startsWith(' ')) {
      this.#continueLine(text.slice(1));
      return null;
    }
    this.#flushLogical();
    this.#inComment = text.startsWith('#');
    if (!this.#inComment) this.#pending = { text, line: this.#lineNumber, repaired: this.#repairedLine(this.#lineNumber) };
    return null;
  }

  /** Ends the input; returns the last record when the file doesn't end with a blank line. */
  end(): LdifRecord | null {
    this.#flushLogical();
    return this.#finishRecord();
  }

  #continueLine(rest: string): void {
    if (this.#inComment) return;
    if (this.#pending !== null) {
      this.#pending.text += rest;
      if (this.#repairedLine(this.#lineNumber)) this.#pending.repaired = true;
      return;
    }
    this.#problem({ code: 'syntax', line: this.#lineNumber, reason: `line ${this.#lineNumber} continues nothing (it starts with a space)` });
  }

  #flushLogical(): void {
    const logical = this.#pending;
    this.#pending = null;
    if (logical !== null) this.#take(logical);
  }

  #take(logical: LogicalLine): void {
    const match = ATTRIBUTE_LINE.exec(logical.text);
    if (this.#draft === null) {
      this.#startRecord(logical, match);
      return;
    }
    if (match === null) {
      if (this.#draft.changeType === null || this.#draft.changeType === 'add') {
        this.#problem({ code: 'syntax', line: logical.line, reason: `line ${logical.line} is not "attribute: value"` });
      }
      return;
    }
    const [, name = '', , marker = '', value = ''] = match;
    if (name.toLowerCase() === 'dn' && this.#draft.dn !== '') {
      throw new LdifStructureError(
        logical.line,
        `line ${logical.line} starts a new entry ("dn:") inside the entry of line ${this.#draft.line}: a blank line must end each entry`,
      );
    }
    this.#attribute(name.toLowerCase(), marker, value, logical);
  }

  #startRecord(logical: LogicalLine, match: RegExpExecArray | null): void {
    const name = match?.[1]?.toLowerCase();
    if (!this.#sawContent && name === 'version') {
      this.#sawContent = true; // `version: 1` may precede the first record without a blank line
      return;
    }
    this.#sawContent = true;
    this.#draft = { line: logical.line, dn: '', changeType: null, attributes: new Map(), problem: null, repaired: new Set() };
    if (match === null || name !== 'dn') {
      const start = logical.text.slice(0, 40);
      this.#problem({ code: 'no-dn', line: logical.line, reason: `the record at line ${logical.line} starts with "${start}" instead of "dn:"` });
      return;
    }
    const dn = this.#decode('dn', match[3] ?? '', match[4] ?? '', logical.line);
    if (dn !== null) this.#draft.dn = typeof dn === 'string' ? dn : Buffer.from(dn).toString('utf8');
  }

  #attribute(name: string, marker: string, value: string, logical: LogicalLine): void {
    const { line } = logical;
    const draft = this.#draft;
    if (draft === null) return;
    if (name === 'changetype' || name === 'control') {
      draft.changeType = name === 'control' ? (draft.changeType ?? 'control') : value.trim().toLowerCase();
      return;
    }
    // Change records other than `add` carry modify/delete instructions, not attribute values.
    if (draft.changeType !== null && draft.changeType !== 'add') return;
    if (!this.#keep(name)) return;
    const decoded = this.#decode(name, marker, value, line);
    if (decoded === null) return;
    if (logical.repaired && marker === '') draft.repaired.add(name);
    const values = draft.attributes.get(name);
    if (values === undefined) draft.attributes.set(name, [decoded]);
    else values.push(decoded);
  }

  /** A value after its colon(s): plain text (trailing spaces dropped), base64 bytes, or a URL (refused). */
  #decode(attribute: string, marker: string, value: string, line: number): LdifValue | null {
    if (marker === '<') {
      this.#problem({ code: 'url', line, attribute, reason: `${attribute} is given by URL (":<"), which is not supported` });
      return null;
    }
    if (marker === '') return value.trimEnd();
    const base64 = value.trim();
    if (!BASE64.test(base64) || base64.length % 4 === 1) {
      this.#problem({ code: 'base64', line, attribute, reason: `${attribute} on line ${line} is not valid base64` });
      return null;
    }
    return new Uint8Array(Buffer.from(base64, 'base64'));
  }

  #problem(problem: LdifProblem): void {
    if (this.#draft === null) {
      this.#draft = { line: problem.line, dn: '', changeType: null, attributes: new Map(), problem, repaired: new Set() };
      this.#sawContent = true;
    } else {
      this.#draft.problem ??= problem;
    }
  }

  #finishRecord(): LdifRecord | null {
    const draft = this.#draft;
    this.#draft = null;
    return draft;
  }
}
