// Streams a source into the run's staging table, page by page: one page in memory at a time. Each user
// is classified against the source's snapshot (source-snapshot.ts) as it is read; only new, changed or
// returning users are staged, so a resync of an unchanged directory writes nothing.
import type { Logger } from '../logging.ts';
import type { DirectorySource, FieldAttributes, MappedField, SourceItem, SourceReadOptions, SourceReadOutcome } from '../sources/directory-source.ts';
import type { DirectoryUser, SeatAccount } from '../domain/types.ts';
import type { StagedRow, StagedUser, StagingRepository } from '../store/repositories.ts';
import { newcomerAccount } from './newcomer.ts';
import { mapUser, type MappingRules } from './map-user.ts';
import type { SourceSnapshot } from './source-snapshot.ts';
import { REPAIRED_UTF8 } from '../sources/directory-values.ts';
import { storableInstant } from '../domain/iso-time.ts';

export interface SyncProgress {
  readonly phase: 'read' | 'apply';
  /** Users read so far. */
  readonly read: number;
}

export interface SkippedEntry {
  readonly entry: string;
  /** The directory attribute at fault, as the entry holds it (LDAP attribute, Graph property, CSV column). */
  readonly attribute?: string;
  /** The user field that attribute is read into (`cn` → `displayName`), when its name is not the attribute's. */
  readonly field?: string;
  readonly reason: string;
  /** The entry's stable id when it was readable: its account is kept as it was. */
  readonly externalId?: string;
}

/** A value that was not UTF-8, read with U+FFFD in place of its invalid bytes: its entry and attribute. */
export type RepairedEntry = Omit<Required<SkippedEntry>, 'reason' | 'field'>;

export interface ReadStats {
  /**
   * Users in scope the read saw, each once: the readable users it returned or, when it listed every id
   * in scope (`listedScope`), the ids it listed (the changed users it returned are among them).
   */
  readonly seen: number;
  readonly skipped: number;
  /**
   * Entries in scope the read returned, readable or not (not deletions), counted as it read them: every
   * entry a read returned in full (a repeated one each time) or, when it listed every id in scope, each
   * id it listed once and the entries without a readable id, which a listing cannot name. What the
   * mass-change hold weighs (domain/hold.ts: none at all is an empty read).
   */
  readonly returned: number;
  /** Skipped entries without a readable id: a full read with any is partial for the mass-removal hold. */
  readonly unidentified: number;
  readonly deleted: number;
  /** The first bad entries (at most MAX_REPORTED_SKIPS), for the run report. */
  readonly skippedEntries: readonly SkippedEntry[];
  /** Values repaired (not UTF-8), and the first of them (at most MAX_REPORTED_SKIPS). */
  readonly repaired: number;
  readonly repairedEntries: readonly RepairedEntry[];
}

const MAX_REPORTED_SKIPS = 100;

const DUPLICATE_ID = 'duplicate id in this read';

export async function readIntoStaging(
  staging: StagingRepository,
  options: {
    snapshot: SourceSnapshot;
    source: DirectorySource;
    request: SourceReadOptions;
    rules: MappingRules;
    /** The domain's queue key of a new account (`queueKeyer`): staged with each user, so the database orders new users as the allocation queues them. */
    queueKey: (account: SeatAccount) => string;
    logger: Logger;
    onProgress?: (progress: SyncProgress) => void;
  },
): Promise<{ stats: ReadStats; outcome: SourceReadOutcome }> {
  const { snapshot, source, rules, logger } = options;
  const stats = { seen: 0, skipped: 0, returned: 0, unidentified: 0, deleted: 0, skippedEntries: [] as SkippedEntry[], repaired: 0, repairedEntries: [] as RepairedEntry[] };
  const skip = (raw: SkippedEntry): void => {
    stats.skipped += 1;
    const entry: SkippedEntry = {
      entry: printable(raw.entry),
      reason: printable(raw.reason),
      ...(raw.attribute === undefined ? {} : { attribute: printable(raw.attribute) }),
      ...(raw.field === undefined ? {} : { field: raw.field }),
      ...(usableId(raw.externalId) ? { externalId: raw.externalId } : {}),
    };
    if (entry.externalId === undefined) stats.unidentified += 1;
    if (stats.skippedEntries.length < MAX_REPORTED_SKIPS) stats.skippedEntries.push(entry);
    logger.warn(entry, entry.externalId === undefined ? 'directory entry skipped; its id is unreadable' : 'directory entry skipped; its account is kept as it was');
  };
  const repair = (user: DirectoryUser, attributes: readonly string[]): void => {
    for (const attribute of attributes) {
      stats.repaired += 1;
      const entry: RepairedEntry = { entry: printable(user.dn ?? user.username), attribute: printable(attribute), externalId: printable(user.externalId) };
      if (stats.repairedEntries.length < MAX_REPORTED_SKIPS) stats.repairedEntries.push(entry);
      logger.warn(entry, `directory value repaired: ${REPAIRED_UTF8}`);
    }
  };
  // Users returned, and ids listed: `seen` is one or the other once the read says whether it listed the
  // scope. The listing names every id in scope once, the unreadable entries' too, which a read that
  // returns them does not count: `unreadableReturned` is taken off it. `entries`: every entry returned
  // (users, unreadable ones, repeats), the full read's `returned`.
  let returned = 0;
  let listed = 0;
  let unreadableReturned = 0;
  let entries = 0;
  // New users are numbered 1, 2, … in read order: the account id reserved for each is first + seq − 1
  // (staging-store.ts `reserveIds`). Changed users (whose order nothing needs) are numbered −1, −2, …
  let newSeq = 0;
  let changedSeq = 0;
  // Disposed however the read ends: a failed staging write or snapshot load still ends the source's
  // read, which closes its connection now rather than when the process exits.
  await using reader = source.read(options.request);
  // One page is written while the next is read: the source's round trip and the database's overlap.
  let writing: Promise<void> | null = null;
  for (;;) {
    const next = await reader.next();
    if (next.done) {
      await writing;
      // New ids returned twice show only now, in the staging table: the first occurrences are kept, the repeats count as skipped.
      const repeats = snapshot.newIdsMayRepeat ? await staging.dropRepeatedIds() : 0;
      if (repeats > 0) logger.warn({ entry: source.name, attribute: 'id', repeats }, 'directory returned new ids more than once; first occurrences kept');
      const listedScope = next.value.listedScope === true;
      stats.seen = listedScope ? listed - unreadableReturned : returned - repeats;
      stats.returned = listedScope ? listed + stats.unidentified : entries;
      stats.skipped += repeats;
      const repeated = { entry: source.name, attribute: 'id', reason: DUPLICATE_ID };
      for (let i = 0; i < repeats && stats.skippedEntries.length < MAX_REPORTED_SKIPS; i++) stats.skippedEntries.push(repeated);
      return { stats, outcome: next.value };
    }
    const page = sortItems(next.value.items, rules, { skip, repair });
    const { users, deletions, kept, unreadable } = page;
    listed += page.listed;
    entries += page.entries;
    unreadableReturned += page.unreadable.length;
    await snapshot.keep(kept, { as: 'listed' });
    await snapshot.keep(unreadable, { as: 'unreadable' });
    const statuses = await snapshot.classify(users);
    const staged: StagedRow[] = [];
    for (let i = 0; i < users.length; i++) {
      const status = statuses[i];
      const user = users[i] as StagedUser;
      // The source returned an id twice: the first occurrence counts, the repeats are reported.
      if (status === 'duplicate') skip({ entry: user.dn ?? user.username, attribute: 'id', reason: DUPLICATE_ID, externalId: user.externalId });
      else {
        returned += 1;
        if (status === 'new') staged.push(withQueueKey(user, (newSeq += 1), options.queueKey));
        // A changed user has its account: no place in the queue of new ones.
        else if (status === 'changed') staged.push({ ...user, seq: -(changedSeq += 1), queueKey: null });
      }
    }
    await writing;
    // Listed ids come after the users an incremental read returns, and include them.
    const read = Math.max(returned, listed);
    writing = (async () => {
      await staging.addUsers(staged);
      await staging.addDeletions(deletions);
      stats.deleted += deletions.length;
      options.onProgress?.({ phase: 'read', read });
    })();
    // Handled here so a failed write never surfaces as an unhandled rejection while the next page is
    // read; it is rethrown by the `await writing` above.
    writing.catch(() => undefined);
  }
}

/**
 * Sorts a page's items: `users` to classify and stage, mapped; `deletions`, ids an incremental read
 * reports deleted; `kept`, ids listed only (in scope and unchanged, allocated as usual; `listed` counts
 * them as seen); `unreadable`, ids of entries present but unreadable, whose accounts are frozen (a
 * listing names them too); `entries`, the entries returned, readable or not. A user with a value the
 * store cannot hold is skipped (and kept) here.
 */
function sortItems(
  items: readonly SourceItem[],
  rules: MappingRules,
  report: { skip: (entry: SkippedEntry) => void; repair: (user: DirectoryUser, attributes: readonly string[]) => void },
) {
  const page = { users: [] as StagedUser[], deletions: [] as string[], kept: [] as string[], unreadable: [] as string[], listed: 0, entries: 0 };
  for (const item of items) {
    if (item.kind === 'user') {
      const unusable = usableId(item.user.externalId)
        ? unusableValue(item.user, item.readFrom)
        : { ...named('externalId', item.readFrom), reason: 'the id is empty or contains a NUL character (U+0000)' };
      if (unusable === null) {
        page.users.push(mapUser(item.user, rules));
        if (item.repaired !== undefined && item.repaired.length > 0) report.repair(item.user, item.repaired);
      } else {
        report.skip({ entry: item.user.dn ?? item.user.username, ...unusable, externalId: item.user.externalId });
        if (usableId(item.user.externalId)) page.unreadable.push(item.user.externalId);
      }
      page.entries += 1;
    } else if (item.kind === 'deleted') page.deletions.push(item.externalId);
    else if (item.kind === 'present') {
      page.listed += 1;
      if (usableId(item.externalId)) page.kept.push(item.externalId);
    } else {
      report.skip(item);
      if (usableId(item.externalId)) page.unreadable.push(item.externalId);
      page.entries += 1;
    }
  }
  return page;
}

/** A staged user with its read order and its queue key as a new account (ignored when it has one). */
function withQueueKey(user: StagedUser, seq: number, queueKey: (account: SeatAccount) => string): StagedRow {
  const { username, enabled, profile, policyProtected } = user;
  const account = newcomerAccount({ seq, id: null, username, enabled, profile, policyProtected, createdMs: user.directoryCreatedMs });
  return { ...user, seq, queueKey: queueKey(account) };
}

// Values a directory can hold but the store cannot: PostgreSQL's text and jsonb refuse the NUL character
// (U+0000, "invalid byte sequence for encoding UTF8: 0x00"). One such value in one entry must not fail the
// whole read, so the entry is reported as skipped (naming the attribute) and its account kept as it was.
const NUL = '\u0000';
const TEXT_FIELDS = ['username', 'email', 'displayName', 'dn'] as const satisfies readonly (keyof DirectoryUser & MappedField)[];

interface Unusable {
  /** The directory attribute the value came from (`readFrom`), else the field's own name. */
  readonly attribute: string;
  /** The field, when the attribute's name is another. */
  readonly field?: string;
  readonly reason: string;
}

/**
 * The first value of a user the store cannot hold, and why; null when every value is usable. `readFrom`:
 * the attributes the source read the user's fields from (`SourceItem`), so the report names what the
 * entry holds; profile attributes are named as read.
 */
export function unusableValue(user: DirectoryUser, readFrom: FieldAttributes = {}): Unusable | null {
  // An invalid date is stored as unknown (see mapUser); a valid one must be a time the store can hold.
  if (user.createdAt !== null && !Number.isNaN(user.createdAt.getTime()) && !storableInstant(user.createdAt)) {
    return { ...named('createdAt', readFrom), reason: TIME_OUT_OF_RANGE };
  }
  // Called for every user of every read: plain loops, nothing allocated unless a NUL is found.
  for (const field of TEXT_FIELDS) if (user[field]?.includes(NUL) === true) return nulIn(named(field, readFrom));
  for (const group of user.groups) if (group.includes(NUL)) return nulIn(named('groups', readFrom));
  for (const attribute in user.attributes) {
    if (attribute.includes(NUL)) return nulIn({ attribute: attribute.replaceAll(NUL, '\\0') });
    for (const value of user.attributes[attribute] ?? []) if (value.includes(NUL)) return nulIn({ attribute });
  }
  return null;
}

/** A field as a report names it: the attribute it was read from, and the field when that is another name. */
function named(field: MappedField, readFrom: FieldAttributes | undefined): Omit<Unusable, 'reason'> {
  const attribute = readFrom?.[field];
  if (attribute === undefined) return { attribute: field === 'externalId' ? 'id' : field };
  return attribute === field ? { attribute } : { attribute, field };
}

// A directory's "never", 9999-12-31 written with a negative UTC offset, is past 9999 in UTC.
const TIME_OUT_OF_RANGE = 'the creation time is outside the years 1 to 9999 (UTC), which the database cannot store';

function nulIn(where: Omit<Unusable, 'reason'>): Unusable {
  return { ...where, reason: 'the value contains a NUL character (U+0000), which the database cannot store' };
}

/** Text for a report or a log stored as jsonb: NUL shown as `\0`. */
export function printable(text: string): string {
  return text.includes(NUL) ? text.replaceAll(NUL, '\\0') : text;
}

/** Whether an id can be stored at all (an id with a NUL is as good as unreadable). */
export function usableId(externalId: string | undefined): externalId is string {
  return externalId !== undefined && externalId !== '' && !externalId.includes(NUL);
}
