// Streams LDIF records from a byte stream: splits it into lines chunk by chunk and feeds the push
// parser, yielding the records each chunk completed. Memory stays at one chunk plus one record.
import { StringDecoder } from 'node:string_decoder';
import { LdifParser } from './ldif-parser.ts';
import type { LdifParserOptions, LdifRecord } from './ldif-parser.ts';

/** A "line" longer than this means the input is not LDIF (a binary file, a one-line dump). */
const MAX_LINE_CHARS = 16 * 1024 * 1024;

export class LdifLineTooLongError extends Error {
  readonly code = 'line-too-long';
  readonly line: number;
  constructor(line: number) {
    super(`line ${line} is longer than ${MAX_LINE_CHARS} characters`);
    this.name = 'LdifLineTooLongError';
    this.line = line;
  }
}

/** Yields the records completed by each chunk of `input`, in order (batches, to await once per chunk). */
export async function* readLdifRecords(
  input: AsyncIterable<Buffer | string>,
  options: LdifParserOptions = {},
): AsyncGenerator<readonly LdifRecord[], void, undefined> {
  const parser = new LdifParser(options);
  const decoder = new StringDecoder('utf8');
  let tail = '';
  let linesSeen = 0;
  for await (const chunk of input) {
    const text = tail + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    const records: LdifRecord[] = [];
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      linesSeen += 1;
      const record = parser.push(stripCr(text.slice(start, newline)));
      if (record !== null) records.push(record);
      start = newline + 1;
    }
    tail = text.slice(start);
    if (tail.length > MAX_LINE_CHARS) throw new LdifLineTooLongError(linesSeen + 1);
    if (records.length > 0) yield records;
  }
  tail += decoder.end();
  const last: LdifRecord[] = [];
  for (const line of tail === '' ? [] : tail.split('\n')) {
    const record = parser.push(stripCr(line));
    if (record !== null) last.push(record);
  }
  const final = parser.end();
  if (final !== null) last.push(final);
  if (last.length > 0) yield last;
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
