// The result of a sync as the CLI (`sync --json`, `resync --json`), the jobs and the API return it.
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
  readonly durationMs: number;
  readonly dryRun: boolean;
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
      durationMs: Math.round(r.durationMs),
      dryRun: r.dryRun,
    })),
    pools: report.pools,
  };
}

