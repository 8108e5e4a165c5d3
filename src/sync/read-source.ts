// Streams a source into the run's staging table, page by page: one page in memory at a time. Each user
// is classified against the source's snapshot (source-snapshot.ts) as it is read; only new, changed or
// returning users are staged, so a resync of an unchanged directory writes nothing.
import type { Logger } from '../logging.ts';
import type { DirectorySource, SourceReadOptions, SourceReadOutcome } from '../sources/directory-source.ts';
import type { Queryable } from '../store/db.ts';
import type { SeatAccount } from '../domain/types.ts';
import { stageDeletions, stageUsers, type StagedRow, type StagedUser, type StagingTables } from '../store/staging-store.ts';
import { newcomerAccount } from './directory-delta.ts';
import { mapUser, type MappingRules } from './map-user.ts';
import type { SourceSnapshot } from './source-snapshot.ts';

export interface SyncProgress {
  readonly phase: 'read' | 'apply';
  /** Users read so far. */
  readonly read: number;
}

export interface SkippedEntry {
  readonly entry: string;
  readonly attribute?: string;
  readonly reason: string;
}

export interface ReadStats {
  readonly seen: number;
  readonly skipped: number;
  readonly deleted: number;
  /** The first bad entries (at most MAX_REPORTED_SKIPS), for the run report. */
  readonly skippedEntries: readonly SkippedEntry[];
}

export const MAX_REPORTED_SKIPS = 100;

export async function readIntoStaging(
  conn: Queryable,
  options: {
    tables: StagingTables;
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
  const { tables, snapshot, source, rules, logger } = options;
  let seen = 0;
  let skipped = 0;
  let deleted = 0;
  let seq = 0;
  const skippedEntries: SkippedEntry[] = [];
  const skip = (entry: SkippedEntry): void => {
    skipped += 1;
    if (skippedEntries.length < MAX_REPORTED_SKIPS) skippedEntries.push(entry);
    logger.warn(entry, 'directory entry skipped');
  };
  const reader = source.read(options.request);
  // One page is written while the next is read: the source's round trip and the database's overlap.
  let writing: Promise<void> | null = null;
  for (;;) {
    const next = await reader.next();
    if (next.done) {
      await writing;
      return { stats: { seen, skipped, deleted, skippedEntries }, outcome: next.value };
    }
    const users: StagedUser[] = [];
    const deletions: string[] = [];
    for (const item of next.value.items) {
      if (item.kind === 'user') users.push(mapUser(item.user, rules));
      else if (item.kind === 'deleted') deletions.push(item.externalId);
      else skip({ entry: item.entry, reason: item.reason, ...(item.attribute ? { attribute: item.attribute } : {}) });
    }
    const statuses = await snapshot.classify(users);
    const staged: StagedRow[] = [];
    for (const [i, status] of statuses.entries()) {
      // The source returned an id twice: the first occurrence counts, the repeats are reported.
      if (status === 'duplicate') skip({ entry: source.name, attribute: 'id', reason: 'duplicate id in this read' });
      else {
        seen += 1;
        if (status !== 'unchanged') staged.push(withQueueKey(users[i] as StagedUser, (seq += 1), options.queueKey));
      }
    }
    await writing;
    const read = seen;
    writing = (async () => {
      await stageUsers(conn, tables.staging, staged);
      await stageDeletions(conn, tables.staging, deletions);
      deleted += deletions.length;
      options.onProgress?.({ phase: 'read', read });
    })();
    // Handled here so a failed write never surfaces as an unhandled rejection while the next page is
    // read; it is rethrown by the `await writing` above.
    writing.catch(() => undefined);
  }
}

/** A staged user with its read order and its queue key as a new account (ignored when it has one). */
function withQueueKey(user: StagedUser, seq: number, queueKey: (account: SeatAccount) => string): StagedRow {
  const createdMs = user.directoryCreatedAt === null ? null : Date.parse(user.directoryCreatedAt);
  const account = newcomerAccount({ seq, id: null, username: user.username, enabled: user.enabled, profile: user.profile, policyProtected: user.policyProtected, createdMs, wasActiveInDirectory: false });
  return { ...user, seq, queueKey: queueKey(account) };
}
