// The result of a sync as the CLI (`sync --json`, `resync --json`), the jobs and the API return it.
import type { AccountChange, AccountState, ChangeReason } from '../domain/types.ts';
import type { RepairedEntry, SkippedEntry } from './read-source.ts';
import type { SyncReport } from './run-sync.ts';
import type { PoolView } from './status.ts';

/** One run in SPEC §5 `sync --json`. */
export interface SyncRunJson {
  readonly source: string;
  readonly status: 'ok' | 'held' | 'failed';
  readonly seen: number;
  readonly created: number;
  readonly updated: number;
  readonly activated: number;
  readonly blocked: number;
  readonly disabled: number;
  readonly removed: number;
  /**
   * Entries present but unreadable (an addition to the SPEC shape), and the first of them: which entry,
   * which attribute, why, and the id whose account was kept as it was (absent when even the id was
   * unreadable).
   */
  readonly skipped: number;
  readonly skippedEntries?: readonly SkippedEntry[];
  /**
   * Values that were not UTF-8 and were read with U+FFFD in place of their invalid bytes (an addition to
   * the SPEC shape, present when there were any), and the first of them: entry, attribute, id.
   */
  readonly repaired?: number;
  readonly repairedEntries?: readonly RepairedEntry[];
  readonly durationMs: number;
  readonly dryRun: boolean;
  /** Failed runs only (an addition to the SPEC shape): why it failed; `code` is `sync-failed` when the cause had none. */
  readonly error?: { readonly code: string; readonly message: string };
  /**
   * Dry runs only (an addition to the SPEC shape): the state changes the run would make, the first
   * DRY_RUN_LISTED of them, and how many there are in all.
   */
  readonly changes?: readonly PlannedChangeJson[];
  readonly changesTotal?: number;
}

/** One state change a dry run would make. */
export interface PlannedChangeJson {
  readonly username: string;
  /** null: a new account. */
  readonly from: AccountState | null;
  readonly to: AccountState;
  readonly reason: ChangeReason;
  /** Pools it would hold, and those it would wait for. */
  readonly pools: readonly string[];
  readonly waitingFor: readonly string[];
}

export function plannedChangeJson(change: AccountChange): PlannedChangeJson {
  return {
    username: change.username,
    from: change.from?.state ?? null,
    to: change.to.state,
    reason: change.reason,
    pools: change.to.held,
    waitingFor: change.to.waitingFor,
  };
}

/** Exactly the SPEC §5 `sync --json` shape (also the result of a sync job and of `GET /api/v1/syncs/{id}`). */
export interface SyncJson {
  readonly runs: readonly SyncRunJson[];
  readonly pools: readonly PoolView[];
}

export function syncJson(report: SyncReport): SyncJson {
  return {
    runs: report.runs.map((r) => ({
      source: r.source,
      status: r.status,
      seen: r.seen,
      created: r.created,
      updated: r.updated,
      activated: r.activated,
      blocked: r.blocked,
      disabled: r.disabled,
      removed: r.removed,
      skipped: r.skipped,
      ...(r.skippedEntries.length > 0 ? { skippedEntries: r.skippedEntries } : {}),
      ...(r.repaired !== undefined && r.repaired > 0 ? { repaired: r.repaired, repairedEntries: r.repairedEntries ?? [] } : {}),
      durationMs: Math.round(r.durationMs),
      dryRun: r.dryRun,
      ...(r.status === 'failed' ? { error: { code: r.errorCode ?? 'sync-failed', message: r.error ?? 'failed' } } : {}),
      ...(r.planned ? { changes: r.planned.changes.map(plannedChangeJson), changesTotal: r.planned.total } : {}),
    })),
    pools: report.pools,
  };
}

