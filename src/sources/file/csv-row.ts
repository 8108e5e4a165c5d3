// Pure mapping of a CSV export: the header row to column positions, each data row to a user or to a
// skipped entry naming its line and column. SPEC §7 "file" defines the columns.
import type { DirectoryUser } from '../../domain/types.ts';
import type { FieldAttributes, SourceItem } from '../directory-source.ts';
import { reportedGroups } from './group-keys.ts';
import { parseIsoTime } from '../../domain/iso-time.ts';

export type KnownColumn = 'id' | 'username' | 'email' | 'displayName' | 'enabled' | 'createdAt' | 'groups';

const KNOWN_COLUMNS: readonly KnownColumn[] = ['id', 'username', 'email', 'displayName', 'enabled', 'createdAt', 'groups'];

/** Header names compare case-insensitively and ignore spaces, `_` and `-` (`Display Name`, `created_at`). */
function columnKey(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

const KNOWN_BY_KEY = new Map<string, KnownColumn>(KNOWN_COLUMNS.map((column) => [columnKey(column), column]));

export interface CsvHeader {
  /** Position of each known column present in the header. */
  readonly known: Readonly<Partial<Record<KnownColumn, number>>>;
  /** Every other named column: its position and the attribute name it is reported under. */
  readonly attributes: readonly { readonly index: number; readonly name: string }[];
  /** Number of fields in the header row. */
  readonly width: number;
  /** Fields a row needs: up to the last named column (unnamed trailing columns may be left out). */
  readonly needed: number;
  /** Name of each named column by position, for messages. */
  readonly names: readonly (string | undefined)[];
  /** The columns (as the header spells them) each field is read from, by the column the username came from. */
  readonly readFrom: Readonly<Record<UsernameColumn, FieldAttributes>>;
}

/** The username is the `username` column, else the email, else the id. */
type UsernameColumn = 'username' | 'email' | 'id';

export type CsvHeaderResult = { readonly ok: true; readonly header: CsvHeader } | { readonly ok: false; readonly problem: string };

/**
 * Reads the header row. `attributeName` maps a column name to the attribute name the config uses.
 * Columns with an empty name (a trailing comma) are ignored.
 */
export function resolveCsvHeader(fields: readonly string[], attributeName: (column: string) => string): CsvHeaderResult {
  const known: Partial<Record<KnownColumn, number>> = {};
  const attributes: { index: number; name: string }[] = [];
  const seen = new Map<string, string>();
  const names: (string | undefined)[] = [];
  let needed = 0;
  for (const [index, raw] of fields.entries()) {
    const name = raw.trim();
    if (name === '') continue;
    names[index] = name;
    needed = index + 1;
    const key = columnKey(name);
    const earlier = seen.get(key);
    if (earlier !== undefined) return { ok: false, problem: `the header names column "${name}" twice (also "${earlier}")` };
    seen.set(key, name);
    const column = KNOWN_BY_KEY.get(key);
    if (column === undefined) attributes.push({ index, name: attributeName(name) });
    else known[column] = index;
  }
  if (known.id === undefined) return { ok: false, problem: missingIdProblem(fields) };
  return { ok: true, header: { known, attributes, width: fields.length, needed, names, readFrom: columnsRead(known, names) } };
}

/** A known column as the header spells it (`created_at` for `createdAt`); undefined when the header lacks it. */
function spelledName(header: Pick<CsvHeader, 'known' | 'names'>, column: KnownColumn): string | undefined {
  const index = header.known[column];
  return index === undefined ? undefined : header.names[index];
}

function columnsRead(known: Partial<Record<KnownColumn, number>>, names: readonly (string | undefined)[]): CsvHeader['readFrom'] {
  const fields: Partial<Record<'externalId' | 'email' | 'displayName' | 'createdAt' | 'groups', string>> = {};
  for (const [field, column] of [['externalId', 'id'], ['email', 'email'], ['displayName', 'displayName'], ['createdAt', 'createdAt'], ['groups', 'groups']] as const) {
    const spelled = spelledName({ known, names }, column);
    if (spelled !== undefined) fields[field] = spelled;
  }
  const by = (column: UsernameColumn): FieldAttributes => {
    const username = spelledName({ known, names }, column);
    return Object.freeze(username === undefined ? { ...fields } : { ...fields, username });
  };
  return { username: by('username'), email: by('email'), id: by('id') };
}

function missingIdProblem(fields: readonly string[]): string {
  const only = fields.length === 1 ? fields[0] : undefined;
  if (only !== undefined && /[;\t|]/.test(only)) {
    return `the header has no "id" column: it reads as one column "${only}"; the file must be comma-separated`;
  }
  return `the header has no "id" column (found: ${fields.map((field) => `"${field.trim()}"`).join(', ')})`;
}

export interface CsvRowContext {
  /** 1-based line on which the record starts. */
  readonly line: number;
  /** Normalized group keys the run asked about. */
  readonly groupsOfInterest: readonly string[];
  /** Longest field accepted, in UTF-8 bytes (field-limiter.ts cuts longer ones to one byte more). */
  readonly maxFieldBytes: number;
}

type Skipped = Extract<SourceItem, { kind: 'skipped' }>;

function skipped(line: number, reason: string, options: { attribute?: string; externalId?: string } = {}): Skipped {
  const entry = `line ${line}`;
  return {
    kind: 'skipped',
    entry,
    reason,
    ...(options.attribute === undefined ? {} : { attribute: options.attribute }),
    ...(options.externalId === undefined || options.externalId === '' ? {} : { externalId: options.externalId }),
  };
}

/** True when every field is blank: such rows (e.g. `,,,` left by a spreadsheet) are not entries. */
export function isBlankRow(fields: readonly string[]): boolean {
  return fields.every((field) => field.trim() === '');
}

/** The known columns whose values are one line: a line break in one is a quote closed too late. */
const ONE_LINE_COLUMNS: readonly KnownColumn[] = KNOWN_COLUMNS.filter((column) => column !== 'displayName');

/**
 * Why a record read over several lines (`line` to `endLine`: a quoted value with line breaks) may hold the
 * rows of other entries, or null when it cannot: a quote opened by mistake and closed only by a later row
 * takes the rows between into one value, and those entries would be missing from the read. It may when its
 * fields do not match the header, or when a line break is in a column whose value is one line (the id,
 * username, email, enabled, createdAt, groups); a display name and other columns may hold several lines.
 */
export function runOnProblem(header: CsvHeader, fields: readonly string[], line: number, endLine: number): string | null {
  if (endLine <= line) return null;
  const extra = fields.slice(header.width).filter((field) => field.trim() !== '').length;
  if (extra > 0 || fields.length < header.needed) {
    return `line ${line}: the row runs on to line ${endLine} inside a quoted value and has ${fields.length} fields, the header ${header.width}`;
  }
  for (const column of ONE_LINE_COLUMNS) {
    const index = header.known[column];
    if (index !== undefined && (fields[index] ?? '').includes('\n')) {
      const name = header.names[index] ?? column;
      const end = line + ((fields.slice(0, index + 1).join('').match(/\n/g) ?? []).length);
      return `line ${line}: the quoted value of column "${name}" runs on to line ${end}`;
    }
  }
  return null;
}

/** Maps one data row to a user, or to a skipped entry naming its line and the column at fault. */
export function mapCsvRow(header: CsvHeader, fields: readonly string[], context: CsvRowContext): SourceItem {
  const extra = fields.slice(header.width).filter((field) => field.trim() !== '').length;
  if (extra > 0 || fields.length < header.needed) {
    // A field too many or too few shifts every column after it; only the first field is surely in place.
    const firstId = header.known.id === 0 ? (fields[0] ?? '').trim() : '';
    const hint = extra > 0 ? 'an unquoted comma?' : 'a missing comma, or a line cut short?';
    return skipped(context.line, `the row has ${fields.length} fields, the header ${header.width} (${hint})`, { externalId: firstId });
  }
  const value = (column: KnownColumn): string => {
    const index = header.known[column];
    return index === undefined ? '' : (fields[index] ?? '').trim();
  };
  const tooLong = (field: string): boolean => field.length * 3 > context.maxFieldBytes && Buffer.byteLength(field) > context.maxFieldBytes;
  const idTooLong = tooLong(value('id'));
  const id = idTooLong ? '' : value('id');
  const bad = (reason: string, attribute: string): Skipped => skipped(context.line, reason, { attribute, externalId: id });
  // A known column named as the header spells it, as the user's fields are (`readFrom`).
  const column = (known: KnownColumn): string => spelledName(header, known) ?? known;
  const limit = `longer than ${context.maxFieldBytes} bytes`;
  if (idTooLong) return bad(`the id is ${limit}`, column('id'));
  if (id === '') return bad('the id is empty', column('id'));
  const long = fields.findIndex(tooLong);
  if (long !== -1) return bad(`the value is ${limit}`, header.names[long] ?? `column ${long + 1}`);
  const enabled = parseEnabledFlag(value('enabled'));
  if (enabled === null) return bad(`enabled must be true/false, yes/no or 1/0, got "${value('enabled')}"`, column('enabled'));
  const createdAtText = value('createdAt');
  const createdAt = createdAtText === '' ? null : parseIsoTime(createdAtText);
  if (createdAt === null && createdAtText !== '') {
    return bad(`${column('createdAt')} is not an ISO 8601 date or date-time: "${createdAtText}"`, column('createdAt'));
  }
  const email = value('email');
  const usernameColumn: UsernameColumn = value('username') !== '' ? 'username' : email !== '' ? 'email' : 'id';
  const user: DirectoryUser = {
    externalId: id,
    username: value(usernameColumn),
    email: email || null,
    displayName: value('displayName') || null,
    dn: null,
    enabled,
    createdAt,
    groups: reportedGroups(value('groups').split(';'), context.groupsOfInterest),
    attributes: rowAttributes(header, fields),
  };
  return { kind: 'user', user, readFrom: header.readFrom[usernameColumn] };
}

function rowAttributes(header: CsvHeader, fields: readonly string[]): Record<string, readonly string[]> {
  const attributes: Record<string, readonly string[]> = {};
  for (const { index, name } of header.attributes) {
    const text = (fields[index] ?? '').trim();
    if (text !== '') attributes[name] = [text];
  }
  return attributes;
}

const TRUE_WORDS = new Set(['true', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'no', '0']);

/** `true`/`false`, `yes`/`no`, `1`/`0` (any case); empty means enabled. Null when unrecognized. */
export function parseEnabledFlag(text: string): boolean | null {
  const word = text.trim().toLowerCase();
  if (word === '' || TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return null;
}
