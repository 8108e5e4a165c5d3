// Streams a CSV export as source items: csv-parse reads records one at a time (never the whole file),
// the header decides the columns, and each row becomes a user or a skipped entry.
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { Info } from 'csv-parse';
import { SourceError } from '../directory-source.ts';
import type { SourceItem } from '../directory-source.ts';
import { mapCsvRow, isBlankRow, resolveCsvHeader, runOnProblem } from './csv-row.ts';
import type { CsvHeader } from './csv-row.ts';
import type { DuplicateIds } from './duplicate-ids.ts';
import type { FileEntryOptions } from './entry-options.ts';
import { attributeNamer } from './group-keys.ts';
import { FieldLimiter } from './field-limiter.ts';
import { CrlfToLf } from './line-endings.ts';
import { RepairedLines, repairUtf8Lines, withRepaired } from './utf8-lines.ts';

/** Longest field, in UTF-8 bytes: a longer one makes its row a bad row (field-limiter.ts cuts it first). */
export const MAX_FIELD_BYTES = 1_000_000;

/**
 * A record longer than this (its fields are cut to MAX_FIELD_BYTES + 1, but the line breaks of cut quoted
 * fields are kept) is taken for an unclosed quote rather than buffered to the end.
 */
const MAX_RECORD_CHARS = 16_000_000;

interface ParsedRecord {
  readonly record: string[];
  readonly info: Info;
}

/** Line on which a record starts: its last line minus the line breaks inside its quoted fields. */
function startLine(record: readonly string[], endLine: number): number {
  let breaks = 0;
  for (const field of record) {
    for (let at = field.indexOf('\n'); at !== -1; at = field.indexOf('\n', at + 1)) breaks += 1;
  }
  return endLine - breaks;
}

export async function* readCsvEntries(input: Readable, options: FileEntryOptions): AsyncGenerator<SourceItem, void, undefined> {
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true, // rows with a wrong field count are reported one by one
    relax_quotes: true, // a stray quote inside an unquoted field is kept as text
    trim: true, // spaces around delimiters, as hand-edited files have (`"Doe, Jane" ,x`)
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
  });
  const repaired = new RepairedLines();
  // pipeline destroys every stage when one fails or the reader stops early; errors reach the loop below.
  pipeline(input, repairUtf8Lines(repaired), new CrlfToLf(), new FieldLimiter({ maxFieldBytes: MAX_FIELD_BYTES }), parser, () => {});
  let header: CsvHeader | null = null;
  const attributeName = attributeNamer(options.attributes);
  try {
    for await (const parsed of parser as AsyncIterable<ParsedRecord>) {
      const line = startLine(parsed.record, parsed.info.lines);
      if (header === null) {
        header = headerOrThrow(parsed.record, attributeName, options);
        continue;
      }
      if (isBlankRow(parsed.record)) continue;
      const runOn = runOnProblem(header, parsed.record, line, parsed.info.lines);
      if (runOn !== null) {
        // Reading on would leave the entries of the rows it took in out of the read: they would be swept.
        throw new SourceError(options.sourceName, 'invalid-data', `${options.path}: ${runOn}: a quote not closed where it should be? The rows it spans may be other entries`);
      }
      const item = withUniqueId(mapCsvRow(header, parsed.record, { line, groupsOfInterest: options.groupsOfInterest, maxFieldBytes: MAX_FIELD_BYTES }), line, options.ids);
      yield repaired.anyIn(line, parsed.info.lines) ? withRepaired(item, repairedColumns(header, parsed.record)) : item;
    }
  } catch (error) {
    throw error instanceof CsvError ? unreadable(options, error) : error;
  }
  if (header === null) {
    throw new SourceError(options.sourceName, 'invalid-data', `${options.path} is empty: a CSV needs a header row with an "id" column`);
  }
}

/** The columns of a row whose text has U+FFFD, on a row that had bytes that were not UTF-8. */
function repairedColumns(header: CsvHeader, record: readonly string[]): string[] {
  return record.flatMap((field, index) => (field.includes('\uFFFD') ? [header.names[index] ?? `column ${index + 1}`] : []));
}

function headerOrThrow(record: readonly string[], attributeName: (column: string) => string, options: FileEntryOptions): CsvHeader {
  const result = resolveCsvHeader(record, attributeName);
  if (!result.ok) throw new SourceError(options.sourceName, 'invalid-data', `${options.path}: ${result.problem}`);
  return result.header;
}

function withUniqueId(item: SourceItem, line: number, ids: DuplicateIds): SourceItem {
  if (item.kind !== 'user') return item;
  const first = ids.claim(item.user.externalId, line);
  if (first === null) return item;
  const reason = `duplicate id "${item.user.externalId}" (first used on line ${first})`;
  return { kind: 'skipped', entry: `line ${line}`, attribute: 'id', reason, externalId: item.user.externalId };
}

function unreadable(options: FileEntryOptions, error: CsvError): SourceError {
  const line = typeof error.lines === 'number' ? error.lines : null;
  const detail =
    error.code === 'CSV_QUOTE_NOT_CLOSED'
      ? `a quoted field is never closed (the file ends inside quotes at line ${line ?? '?'})`
      : error.code === 'CSV_MAX_RECORD_SIZE'
        ? `a record grows past ${MAX_RECORD_CHARS} characters near line ${line ?? '?'} (an unclosed quote?)`
        : error.message;
  return new SourceError(options.sourceName, 'invalid-data', `${options.path} is not readable as CSV: ${detail}`, { cause: error });
}
