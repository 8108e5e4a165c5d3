// Ranged retrieval of multi-valued attributes (AD's incremental retrieval, draft-kashi-incremental-00):
// past MaxValRange values (1500 by default) AD returns `member;range=0-1499` instead of `member`, and
// the rest must be asked for as `member;range=1500-2999`, … until a range ending in `*` arrives.
import { EntryView } from './entry-view.ts';
import { RANGE_STEP } from './ldap-defaults.ts';
import type { LdapSession } from './ldap-session.ts';

export interface RangedChunk {
  readonly values: readonly string[];
  /** First index of the next range to ask for; null when these were the last values. */
  readonly nextStart: number | null;
}

/** The attribute's values in `view`, and where to continue when the server sent only a range. */
export function rangedChunk(view: EntryView, attribute: string): RangedChunk {
  const range = findRange(view, attribute);
  if (range === null) return { values: view.strings(attribute), nextStart: null };
  return { values: view.strings(range.name), nextStart: range.end === null ? null : range.end + 1 };
}

/** The attribute name to ask for the first range explicitly (`member;range=0-1499`). */
export function firstRangeName(attribute: string): string {
  return rangeName(attribute, 0);
}

/** All values of `attribute` of `dn`, given the first chunk already read. */
export async function completeRangedValues(
  session: LdapSession,
  dn: string,
  attribute: string,
  first: RangedChunk,
): Promise<string[]> {
  const values = [...first.values];
  let start = first.nextStart;
  while (start !== null) {
    const entry = await session.findEntry(dn, [rangeName(attribute, start)]);
    if (entry === null) throw session.failure(new Error('entry disappeared during ranged retrieval'), 'search', dn);
    const view = new EntryView(entry);
    const range = findRange(view, attribute);
    if (range === null) break; // asked past the last value and the server sent no range: nothing left
    if (range.start !== start || (range.end !== null && range.end < range.start)) {
      throw session.failure(new Error(`server answered ${range.name} to a request starting at ${start}`), 'search', dn);
    }
    values.push(...view.strings(range.name));
    start = range.end === null ? null : range.end + 1;
  }
  return values;
}

function rangeName(attribute: string, start: number): string {
  return `${attribute};range=${start}-${start + RANGE_STEP - 1}`;
}

interface FoundRange {
  readonly name: string;
  readonly start: number;
  readonly end: number | null;
}

/**
 * The range the server returned for `attribute`. ldapts adds an empty value list under the requested
 * name when the server answered with another one (`1500-*` for a request of `1500-2999`), so a range
 * counts only when it has values or ends in `*`.
 */
function findRange(view: EntryView, attribute: string): FoundRange | null {
  const prefix = `${attribute.toLowerCase()};range=`;
  let found: FoundRange | null = null;
  for (const name of view.names()) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)-(\d+|\*)$/.exec(name.slice(prefix.length));
    if (!match) continue;
    const end = match[2] === '*' ? null : Number(match[2]);
    if (end !== null && !view.has(name)) continue;
    const candidate = { name, start: Number(match[1]), end };
    if (found === null || view.has(name)) found = candidate;
  }
  return found;
}
