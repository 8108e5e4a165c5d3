// How each source has been doing, read from its runs: the last successful run, the failures since the
// last run that reached the directory, and the last error. One query serves `status`, the API, the
// metrics and the failure emails, so they never disagree.
import type { Queryable } from './db.ts';

export interface SourceHealth {
  readonly source: string;
  /** The newest run that ended `ok`. */
  readonly lastSuccess: { readonly runId: string; readonly finishedAt: Date } | null;
  /** Failed runs after the newest run that read the directory (`ok` or `held`); runs aborted by a stopping worker don't count. */
  readonly consecutiveFailures: number;
  /** The first of those failed runs (the start of the current outage); null while the source works. */
  readonly failingSince: { readonly runId: string; readonly at: Date } | null;
  /** The newest failed run's error (kept after the source recovers; `at` tells how old it is). */
  readonly lastError: { readonly runId: string; readonly at: Date; readonly message: string; readonly code: string | null } | null;
}

interface HealthRow {
  source: string;
  last_ok_id: string | null;
  last_ok_at: Date | null;
  failures: number;
  first_failed_id: string | null;
  first_failed_at: Date | null;
  failed_id: string | null;
  failed_at: Date | null;
  error: string | null;
  error_code: string | null;
}

/** Runs aborted by a stopping worker (src/sync/run-aborted.ts) say nothing about the source. */
const NOT_ABORTED = `coalesce(r.details->>'errorCode', '') <> 'aborted'`;

// Every lookup walks the (source, id DESC) index from the newest run; ids are compared as bigints.
const HEALTH_SQL = `
SELECT src AS source,
       ok.id::text AS last_ok_id, ok.finished_at AS last_ok_at,
       streak.n AS failures, streak.first_id::text AS first_failed_id, streak.first_at AS first_failed_at,
       f.id::text AS failed_id, f.finished_at AS failed_at, f.error, f.details->>'errorCode' AS error_code
  FROM unnest($1::text[]) AS src
  LEFT JOIN LATERAL (SELECT r.id, r.finished_at FROM runs r WHERE r.source = src AND r.status = 'ok' ORDER BY r.id DESC LIMIT 1) ok ON true
  LEFT JOIN LATERAL (SELECT r.id FROM runs r WHERE r.source = src AND r.status IN ('ok', 'held') ORDER BY r.id DESC LIMIT 1) good ON true
  LEFT JOIN LATERAL (
    SELECT count(*)::int AS n, min(r.id) AS first_id, min(coalesce(r.finished_at, r.started_at)) AS first_at
      FROM runs r WHERE r.source = src AND r.status = 'failed' AND r.id > coalesce(good.id, 0) AND ${NOT_ABORTED}) streak ON true
  LEFT JOIN LATERAL (
    SELECT r.id, coalesce(r.finished_at, r.started_at) AS finished_at, r.error, r.details
      FROM runs r WHERE r.source = src AND r.status = 'failed' AND ${NOT_ABORTED} ORDER BY r.id DESC LIMIT 1) f ON true`;

export async function sourceHealth(db: Queryable, sources: readonly string[]): Promise<Map<string, SourceHealth>> {
  const result = await db.query<HealthRow>(HEALTH_SQL, [sources]);
  return new Map(result.rows.map((r) => [r.source, healthOf(r)]));
}

function healthOf(r: HealthRow): SourceHealth {
  return {
    source: r.source,
    lastSuccess: r.last_ok_id !== null && r.last_ok_at !== null ? { runId: r.last_ok_id, finishedAt: new Date(r.last_ok_at) } : null,
    consecutiveFailures: Number(r.failures),
    failingSince: r.first_failed_id !== null && r.first_failed_at !== null ? { runId: r.first_failed_id, at: new Date(r.first_failed_at) } : null,
    lastError:
      r.failed_id !== null && r.failed_at !== null
        ? { runId: r.failed_id, at: new Date(r.failed_at), message: r.error ?? 'failed', code: r.error_code }
        : null,
  };
}
