// A source's pages as the run stages them: each user mapped for storage (profile, protection, data hash),
// each unusable entry turned into a report, deletions and listed ids sorted out. Pure work on one page at a
// time, so it runs wherever the source is read: in the run's thread, or beside the source on a thread of
// its own (read-thread.ts).
import type { DirectoryUser } from '../domain/types.ts';
import type { DirectorySource, SourceItem, SourceReadOptions, SourceReadOutcome } from '../sources/directory-source.ts';
import type { StagedUser } from '../store/repositories.ts';
import { storableInstant } from './instant.ts';
import { mapUser, type MappingRules } from './map-user.ts';

export interface SkippedEntry {
  readonly entry: string;
  readonly attribute?: string;
  readonly reason: string;
  /** The entry's stable id when it was readable: its account is kept as it was. */
  readonly externalId?: string;
}

/** A value that was not UTF-8, read with U+FFFD in place of its invalid bytes: its entry and attribute. */
export type RepairedEntry = Omit<Required<SkippedEntry>, 'reason'>;

/** One page of a source, sorted and mapped. */
export interface MappedPage {
  /** Readable users, mapped, in read order. */
  readonly users: StagedUser[];
  /** Ids an incremental read reports deleted. */
  readonly deletions: string[];
  /** Ids listed only (in scope and unchanged: allocated as usual); `listed` counts them as seen. */
  readonly kept: string[];
  readonly listed: number;
  /** Ids of entries present but unreadable: their accounts are frozen. */
  readonly unreadable: string[];
  /** Entries skipped, in read order, as printable reports (an id only when it is usable). */
  readonly skipped: SkippedEntry[];
  /** Values repaired (not UTF-8), one report per attribute. */
  readonly repaired: RepairedEntry[];
}

/** A source's read, page by page mapped; returns the source's outcome. Disposing it ends the source's read. */
export type MappedReader = AsyncGenerator<MappedPage, SourceReadOutcome, undefined>;

/** The source's read mapped in this thread. */
export async function* mapPages(source: DirectorySource, request: SourceReadOptions, rules: MappingRules): MappedReader {
  // Disposed however the read ends (the consumer returning early included): the source closes its connection.
  await using reader = source.read(request);
  for (;;) {
    const next = await reader.next();
    if (next.done) return next.value;
    yield mapPage(next.value.items, rules);
  }
}

/** Sorts and maps one page's items. A user with a value the store cannot hold is skipped (and its account kept). */
export function mapPage(items: readonly SourceItem[], rules: MappingRules): MappedPage {
  const page = { users: [] as StagedUser[], deletions: [] as string[], kept: [] as string[], listed: 0, unreadable: [] as string[], skipped: [] as SkippedEntry[], repaired: [] as RepairedEntry[] };
  const skip = (raw: SkippedEntry): void => {
    page.skipped.push({
      entry: printable(raw.entry),
      reason: printable(raw.reason),
      ...(raw.attribute === undefined ? {} : { attribute: printable(raw.attribute) }),
      ...(usableId(raw.externalId) ? { externalId: raw.externalId } : {}),
    });
    if (usableId(raw.externalId)) page.unreadable.push(raw.externalId);
  };
  for (const item of items) {
    if (item.kind === 'user') {
      const { user } = item;
      const unusable = usableId(user.externalId) ? unusableValue(user) : { attribute: 'id', reason: 'the id is empty or contains a NUL character (U+0000)' };
      if (unusable !== null) skip({ entry: user.dn ?? user.username, ...unusable, externalId: user.externalId });
      else {
        page.users.push(mapUser(user, rules));
        for (const attribute of item.repaired ?? []) {
          page.repaired.push({ entry: printable(user.dn ?? user.username), attribute: printable(attribute), externalId: printable(user.externalId) });
        }
      }
    } else if (item.kind === 'deleted') page.deletions.push(item.externalId);
    else if (item.kind === 'present') {
      page.listed += 1;
      if (usableId(item.externalId)) page.kept.push(item.externalId);
    } else skip(item);
  }
  return page;
}

// Values a directory can hold but the store cannot: PostgreSQL's text and jsonb refuse the NUL character
// (U+0000, "invalid byte sequence for encoding UTF8: 0x00"). One such value in one entry must not fail the
// whole read, so the entry is reported as skipped (naming the attribute) and its account kept as it was.
const NUL = '\u0000';
const TEXT_FIELDS = ['username', 'email', 'displayName', 'dn'] as const satisfies readonly (keyof DirectoryUser)[];

/** The first field of a user the store cannot hold, and why; null when every value is usable. */
export function unusableValue(user: DirectoryUser): { readonly attribute: string; readonly reason: string } | null {
  // An invalid date is stored as unknown (see mapUser); a valid one must be a time the store can hold.
  if (user.createdAt !== null && !Number.isNaN(user.createdAt.getTime()) && !storableInstant(user.createdAt)) return { attribute: 'createdAt', reason: TIME_OUT_OF_RANGE };
  // Called for every user of every read: plain loops, nothing allocated unless a NUL is found.
  for (const attribute of TEXT_FIELDS) if (user[attribute]?.includes(NUL) === true) return nulIn(attribute);
  for (const group of user.groups) if (group.includes(NUL)) return nulIn('groups');
  for (const attribute in user.attributes) {
    if (attribute.includes(NUL)) return nulIn(attribute.replaceAll(NUL, '\\0'));
    for (const value of user.attributes[attribute] ?? []) if (value.includes(NUL)) return nulIn(attribute);
  }
  return null;
}

// A directory's "never", 9999-12-31 written with a negative UTC offset, is past 9999 in UTC.
const TIME_OUT_OF_RANGE = 'the creation time is outside the years 1 to 9999 (UTC), which the database cannot store';

function nulIn(attribute: string): { attribute: string; reason: string } {
  return { attribute, reason: 'the value contains a NUL character (U+0000), which the database cannot store' };
}

/** Text for a report or a log stored as jsonb: NUL shown as `\0`. */
export function printable(text: string): string {
  return text.includes(NUL) ? text.replaceAll(NUL, '\\0') : text;
}

/** Whether an id can be stored at all (an id with a NUL is as good as unreadable). */
export function usableId(externalId: string | undefined): externalId is string {
  return externalId !== undefined && externalId !== '' && !externalId.includes(NUL);
}
