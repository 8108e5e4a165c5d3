// Streams an LDIF export as source items: records from the streaming reader, mapped one by one;
// non-person entries are dropped, bad ones reported as skipped, duplicated ids skipped.
import type { Readable } from 'node:stream';
import { SourceError } from '../directory-source.ts';
import type { SourceItem } from '../directory-source.ts';
import type { FileEntryOptions } from './entry-options.ts';
import { idAttributeOf, ldifAttributesNeeded, mapLdifRecord } from './ldif-entry.ts';
import { LdifStructureError, type LdifRecord } from './ldif-parser.ts';
import { LdifLineTooLongError, readLdifRecords } from './ldif-reader.ts';
import { RepairedLines, repairUtf8Lines } from './utf8-lines.ts';

export async function* readLdifEntries(input: Readable, options: FileEntryOptions): AsyncGenerator<SourceItem, void, undefined> {
  const context = { groupsOfInterest: options.groupsOfInterest, attributes: options.attributes };
  let first = true;
  try {
    const repaired = new RepairedLines();
    const lines = repairUtf8Lines(repaired)(input);
    for await (const records of readLdifRecords(lines, { keepAttribute: ldifAttributesNeeded(options.attributes), repairedLine: (line) => repaired.anyIn(line, line) })) {
      for (const record of records) {
        if (first) rejectNonLdif(record, options);
        first = false;
        const item = mapLdifRecord(record, context);
        if (item !== null) yield withUniqueId(item, record, options);
      }
    }
  } catch (error) {
    if (error instanceof LdifLineTooLongError || error instanceof LdifStructureError) {
      throw new SourceError(options.sourceName, 'invalid-data', `${options.path} is not readable as LDIF: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** A file whose first record doesn't start with `dn:` is not LDIF at all (a CSV, a binary): refuse it whole. */
function rejectNonLdif(record: LdifRecord, options: FileEntryOptions): void {
  if (record.problem?.code !== 'no-dn' && record.problem?.code !== 'syntax') return;
  if (record.dn !== '') return;
  throw new SourceError(options.sourceName, 'invalid-data', `${options.path} does not look like LDIF: ${record.problem.reason}`);
}

function withUniqueId(item: SourceItem, record: LdifRecord, options: FileEntryOptions): SourceItem {
  if (item.kind !== 'user') return item;
  const first = options.ids.claim(item.user.externalId, record.line);
  if (first === null) return item;
  return {
    kind: 'skipped',
    entry: `${record.dn} (line ${record.line})`,
    attribute: idAttributeOf(record),
    externalId: item.user.externalId,
    reason: `duplicate id "${item.user.externalId}" (first used by the entry on line ${first})`,
  };
}
