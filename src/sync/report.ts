// The result of a sync as the CLI (`sync --json`, `resync --json`), the jobs and the API return it.
import { CHANGE_KINDS, changeKindOf, type ChangeKind } from '../domain/change-kinds.ts';
import { heldReport, type HeldReport } from '../domain/hold.ts';
import type { AccountState, ChangeReason } from '../domain/types.ts';
import type { RunCounts } from '../store/repositories.ts';
import type { ListedChanges } from './apply-delta.ts';
import type { SkippedEntry } from './read-source.ts';
import type { SyncReport } from './run-sync.ts';
import type { SourceRunResult } from './sync-source.ts';
import type { PoolView } from './status.ts';

/**
 * One run in SPEC §5 `sync --json`, with additions to the SPEC shape: `skipped` entries were present but
 * unreadable, `skippedEntries` are the first of them (which entry, which attribute, why, and the id whose
 * account was kept as it was, absent when even the id was unreadable); `repaired` values were not UTF-8
 * and were read with U+FFFD in place of their invalid bytes (present when there were any); `held`, on a
 * held run, is what it would have done and why it was held.
 */
export interface SyncRunJson extends Pick<SourceRunResult, 'source' | 'status' | keyof RunCounts | 'repaired' | 'repairedEntries' | 'durationMs' | 'dryRun'> {
  readonly skippedEntries?: readonly SkippedEntry[];
  /** Held runs only: what the run would have done and why it was held (say it with `describeHold`). */
  readonly held?: HeldReport;
  /** Failed runs only: why it failed; `code` is `sync-failed` when the cause had none. */
  readonly error?: { readonly code: string; readonly message: string };
  /**
   * Dry runs only: the state changes the run would make that were asked for (by default the first
   * DRY_RUN_LISTED of each kind), grouped by kind, blocks and removals first; how many there are in all;
   * and per kind how many there are, which were listed and how many were left out.
   */
  readonly changes?: readonly PlannedChangeJson[];
  readonly changesTotal?: number;
  readonly changeKinds?: readonly ChangeKindJson[];
}

/** Per kind: how many changes a dry run would make, which are listed, and where the ones after them begin (null: none after). */
export interface ChangeKindSummary {
  readonly kind: ChangeKind;
  readonly total: number;
  /** Listed from the `offset`-th change of the kind on (0: the first). */
  readonly offset: number;
  readonly listed: number;
  readonly nextOffset: number | null;
}

/**
 * A kind in `changeKinds`: `leftOut` is total - listed; `next`, the command that lists the changes of this kind
 * after these (or all of them, when the kind was not asked for), null when none come after; only where there
 * is a command to give (the CLI).
 */
type ChangeKindJson = Omit<ChangeKindSummary, 'nextOffset'> & { readonly leftOut: number; readonly next?: string | null };

/** Every kind, in CHANGE_KINDS order, with what a dry run's report listed of it. */
export function changeKindSummaries(planned: ListedChanges): ChangeKindSummary[] {
  const listedKinds = planned.changes.map(changeKindOf);
  return CHANGE_KINDS.map((kind) => {
    const total = planned.byKind[kind];
    const asked = planned.listing !== null && planned.listing.kinds.includes(kind);
    const offset = asked ? (planned.listing?.offset ?? 0) : 0;
    const listed = listedKinds.filter((k) => k === kind).length;
    const nextOffset = !asked ? (total > 0 ? 0 : null) : offset + listed < total ? offset + listed : null;
    return { kind, total, offset, listed, nextOffset };
  });
}

/** How the CLI names the command that lists the changes of a kind of a source from an offset on. */
export type NextListingCommand = (listing: { source: string; kind: ChangeKind; offset: number }) => string;

/** One state change a dry run would make: `from` null for a new account; the pools it would hold, and those it would wait for. */
interface PlannedChangeJson {
  readonly username: string;
  readonly kind: ChangeKind;
  readonly from: AccountState | null;
  readonly to: AccountState;
  readonly reason: ChangeReason;
  readonly pools: readonly string[];
  readonly waitingFor: readonly string[];
}

/** Exactly the SPEC §5 `sync --json` shape (also the result of a sync job and of `GET /api/v1/syncs/{id}`). */
export interface SyncJson {
  readonly runs: readonly SyncRunJson[];
  readonly pools: readonly PoolView[];
}

/** `nextCommand`: the CLI's; without it the report says how many were left out, not how to get them. */
export function syncJson(report: SyncReport, options: { nextCommand?: NextListingCommand } = {}): SyncJson {
  return {
    runs: report.runs.map((r) => ({
      source: r.source, status: r.status,
      seen: r.seen, created: r.created, updated: r.updated, activated: r.activated, blocked: r.blocked, disabled: r.disabled, removed: r.removed,
      skipped: r.skipped,
      ...(r.skippedEntries.length > 0 ? { skippedEntries: r.skippedEntries } : {}),
      ...(r.repaired !== undefined && r.repaired > 0 ? { repaired: r.repaired, repairedEntries: r.repairedEntries ?? [] } : {}),
      durationMs: Math.round(r.durationMs),
      dryRun: r.dryRun,
      ...(r.held ? { held: heldReport(r.held) } : {}),
      ...(r.status === 'failed' ? { error: { code: r.errorCode ?? 'sync-failed', message: r.error ?? 'failed' } } : {}),
      ...(r.planned ? plannedJson(r.source, r.planned, options.nextCommand) : {}),
    })),
    pools: report.pools,
  };
}

function plannedJson(source: string, planned: ListedChanges, nextCommand: NextListingCommand | undefined): Pick<SyncRunJson, 'changes' | 'changesTotal' | 'changeKinds'> {
  const changeKinds = changeKindSummaries(planned).map(({ kind, total, offset, listed, nextOffset }) => ({
    kind, total, offset, listed, leftOut: total - listed,
    ...(nextCommand ? { next: nextOffset === null ? null : nextCommand({ source, kind, offset: nextOffset }) } : {}),
  }));
  const changes = planned.changes.map((c): PlannedChangeJson => ({
    username: c.username, kind: changeKindOf(c), from: c.from?.state ?? null, to: c.to.state, reason: c.reason, pools: c.to.held, waitingFor: c.to.waitingFor,
  }));
  return { changes, changesTotal: planned.total, changeKinds };
}
