// Streams a source into the run's staging table, page by page: a few pages in memory at a time. Each user
// is classified against the source's snapshot (source-snapshot.ts) as it is read; only new, changed or
// returning users are staged, so a resync of an unchanged directory writes nothing. The pages come mapped
// (map-page.ts), from this thread or from the source's own (read-thread.ts).
import type { Logger } from '../logging.ts';
import type { SourceReadOutcome } from '../sources/directory-source.ts';
import type { SeatAccount } from '../domain/types.ts';
import type { StagedRow, StagedUser, StagingRepository } from '../store/repositories.ts';
import { newcomerAccount } from './newcomer.ts';
import type { MappedReader, RepairedEntry, SkippedEntry } from './map-page.ts';
import type { SourceSnapshot } from './source-snapshot.ts';
import { REPAIRED_UTF8 } from '../sources/directory-values.ts';

export interface SyncProgress {
  readonly phase: 'read' | 'apply';
  /** Users read so far. */
  readonly read: number;
}

export interface ReadStats {
  readonly seen: number;
  readonly skipped: number;
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
    /** The source's name, for the reports of repeated ids. */
    source: string;
    /** The source's read, mapped (`mapPages` or `readOnThread`); ended here however the read ends. */
    pages: MappedReader;
    /** The domain's queue key of a new account (`queueKeyer`): staged with each user, so the database orders new users as the allocation queues them. */
    queueKey: (account: SeatAccount) => string;
    logger: Logger;
    onProgress?: (progress: SyncProgress) => void;
  },
): Promise<{ stats: ReadStats; outcome: SourceReadOutcome }> {
  const { snapshot, source, logger } = options;
  const stats = { seen: 0, skipped: 0, unidentified: 0, deleted: 0, skippedEntries: [] as SkippedEntry[], repaired: 0, repairedEntries: [] as RepairedEntry[] };
  const skip = (entry: SkippedEntry): void => {
    stats.skipped += 1;
    if (entry.externalId === undefined) stats.unidentified += 1;
    if (stats.skippedEntries.length < MAX_REPORTED_SKIPS) stats.skippedEntries.push(entry);
    logger.warn(entry, entry.externalId === undefined ? 'directory entry skipped; its id is unreadable' : 'directory entry skipped; its account is kept as it was');
  };
  const repair = (entry: RepairedEntry): void => {
    stats.repaired += 1;
    if (stats.repairedEntries.length < MAX_REPORTED_SKIPS) stats.repairedEntries.push(entry);
    logger.warn(entry, `directory value repaired: ${REPAIRED_UTF8}`);
  };
  // New users are numbered 1, 2, … in read order: the account id reserved for each is first + seq − 1
  // (staging-store.ts `reserveIds`). Changed users (whose order nothing needs) are numbered −1, −2, …
  let newSeq = 0;
  let changedSeq = 0;
  // Disposed however the read ends: a failed staging write or snapshot load still ends the source's
  // read, which closes its connection now rather than when the process exits.
  await using reader = options.pages;
  // One page is written while the next is read: the source's round trip and the database's overlap.
  let writing: Promise<void> | null = null;
  for (;;) {
    const next = await reader.next();
    if (next.done) {
      await writing;
      // New ids returned twice show only now, in the staging table: the first occurrences are kept, the repeats count as skipped.
      const repeats = snapshot.newIdsMayRepeat ? await staging.dropRepeatedIds() : 0;
      if (repeats > 0) logger.warn({ entry: source, attribute: 'id', repeats }, 'directory returned new ids more than once; first occurrences kept');
      stats.seen -= repeats;
      stats.skipped += repeats;
      const repeated = { entry: source, attribute: 'id', reason: DUPLICATE_ID };
      for (let i = 0; i < repeats && stats.skippedEntries.length < MAX_REPORTED_SKIPS; i++) stats.skippedEntries.push(repeated);
      return { stats, outcome: next.value };
    }
    const { users, deletions, kept, unreadable, listed, skipped, repaired } = next.value;
    for (const entry of skipped) skip(entry);
    for (const entry of repaired) repair(entry);
    stats.seen += listed;
    await snapshot.keep(kept, { as: 'listed' });
    await snapshot.keep(unreadable, { as: 'unreadable' });
    const statuses = await snapshot.classify(users);
    const staged: StagedRow[] = [];
    for (let i = 0; i < users.length; i++) {
      const status = statuses[i];
      const user = users[i] as StagedUser;
      // The source returned an id twice: the first occurrence counts, the repeats are reported.
      if (status === 'duplicate') skip({ entry: source, attribute: 'id', reason: DUPLICATE_ID, externalId: user.externalId });
      else {
        stats.seen += 1;
        if (status === 'new') staged.push(withQueueKey(user, (newSeq += 1), options.queueKey));
        // A changed user has its account: no place in the queue of new ones.
        else if (status === 'changed') staged.push({ ...user, seq: -(changedSeq += 1), queueKey: null });
      }
    }
    await writing;
    const read = stats.seen;
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

/** A staged user with its read order and its queue key as a new account (ignored when it has one). */
function withQueueKey(user: StagedUser, seq: number, queueKey: (account: SeatAccount) => string): StagedRow {
  const { username, enabled, profile, policyProtected } = user;
  const account = newcomerAccount({ seq, id: null, username, enabled, profile, policyProtected, createdMs: user.directoryCreatedMs });
  return { ...user, seq, queueKey: queueKey(account) };
}
