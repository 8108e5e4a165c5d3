// Runs (one per source per sync) with the lock a run holds while it works, each source's health as its
// runs tell it, and the cursors sources keep between runs.
import type { SourceCursor } from '../sources/directory-source.ts';
import { NO_SCHEDULE_TEXT } from '../config/values.ts';
import { isRunId } from '../domain/run-id.ts';
import type { Queryable } from './db.ts';

type RunStatus = 'running' | 'ok' | 'held' | 'failed';

/** What a run counted, each in the column of `runs` of the same name. */
const COUNTS = ['seen', 'created', 'updated', 'activated', 'blocked', 'disabled', 'removed', 'skipped'] as const;
export type RunCounts = { readonly [K in (typeof COUNTS)[number]]: number };

export interface RunRecord extends RunCounts {
  readonly id: string;
  readonly source: string;
  readonly status: RunStatus;
  readonly mode: 'full' | 'incremental' | null;
  readonly trigger: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly error: string | null;
  readonly details: Record<string, unknown>;
}

// `id` is shown as text (a bigint may exceed a JS number), so every ORDER BY and comparison names the
// column `runs.id`: an unqualified `id` would sort the text alias, putting run 9 after run 10.
const RUN_COLUMNS = `runs.id::text AS id, source, status, mode, trigger, started_at AS "startedAt",
  finished_at AS "finishedAt", ${COUNTS.join(', ')}, error, details`;

/**
 * A run holds a session advisory lock on its own id while it works, on the connection it runs on: a run
 * left `running` whose lock nobody holds was cut off — its process or the database stopped — and
 * nothing of it was applied (see `failInterrupted`).
 */
const RUN_LOCK_CLASS = 720_531_003;

/** The lock of run `id` (SQL): RUN_LOCK_CLASS and the id folded into an int4. One expression to take and test it. */
const runLock = (id: string): string => `${RUN_LOCK_CLASS}, (${id} % 2147483647)::int`;

export function runsOf(db: Queryable) {
  return {
    async create(options: { source: string; trigger: string; allowRemovals: boolean }): Promise<string> {
      const result = await db.query<{ id: string }>(
        `INSERT INTO runs (source, status, trigger, allow_removals) VALUES ($1, 'running', $2, $3) RETURNING id::text AS id`,
        [options.source, options.trigger, options.allowRemovals],
      );
      const id = result.rows[0]?.id;
      if (!id) throw new Error('run insert returned no id');
      return id;
    },

    async finish(
      id: string,
      outcome: { status: Exclude<RunStatus, 'running'>; mode: 'full' | 'incremental' | null; counts: RunCounts; error: string | null; details: Record<string, unknown> },
    ): Promise<void> {
      await db.query(
        `UPDATE runs SET status = $2, mode = $3, finished_at = now(), error = $4, details = $5::jsonb,
                ${COUNTS.map((c, i) => `${c} = $${i + 6}`).join(', ')}
         WHERE id = $1::bigint`,
        [id, outcome.status, outcome.mode, outcome.error, JSON.stringify(outcome.details), ...COUNTS.map((c) => outcome.counts[c])],
      );
    },

    async get(id: string): Promise<RunRecord | null> {
      if (!isRunId(id)) return null;
      const result = await db.query<RunRecord>(`SELECT ${RUN_COLUMNS} FROM runs WHERE runs.id = $1::bigint`, [id]);
      return result.rows[0] ?? null;
    },

    async recent(options: { limit: number; source?: string }): Promise<RunRecord[]> {
      const result = await db.query<RunRecord>(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE ($1::text IS NULL OR source = $1) ORDER BY runs.id DESC LIMIT $2`,
        [options.source ?? null, options.limit],
      );
      return result.rows;
    },

    /** Whether any run of `source` is stored: runs are never deleted, so a source removed from the config keeps them. */
    async hasRuns(source: string): Promise<boolean> {
      const result = await db.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM runs WHERE source = $1) AS found', [source]);
      return result.rows[0]?.found === true;
    },

    /** The latest finished (non-dry) run of each named source. */
    async last(sources: readonly string[]): Promise<Map<string, RunRecord>> {
      const result = await db.query<RunRecord>(
        `SELECT DISTINCT ON (source) ${RUN_COLUMNS} FROM runs
         WHERE source = ANY($1::text[]) AND status <> 'running' ORDER BY source, runs.id DESC`,
        [sources],
      );
      return new Map(result.rows.map((r) => [r.source, r]));
    },

    /**
     * Records that a worker scheduled `sources`, its config's sources (at its start and when its config
     * changes, after setting their job schedulers; canonical schedule text, `off` included): a source not
     * known yet is known from `now`, a changed schedule is scheduled from `now`. A known source that is
     * not among them is no longer scheduled (the worker removed its scheduler): it is recorded `off`, so a
     * source taken out of the config and put back later is scheduled from then, not from before it was
     * taken out. A row whose schedule is not known (null: kept from the runs before schedules were
     * recorded, migration 012) takes the current one and keeps its time: the schedule is taken to be the
     * one the runs were made under, so a source whose last run is old is overdue at once rather than one
     * interval later. Another process may record the same source meanwhile: the first time stays, and so
     * does the time of a schedule it recorded first. Replicas running different configs (briefly, during
     * a rollout) each record their own: the last to record wins, as its schedulers do in Redis (each sets
     * its own sources' and removes the others'), and the next start or config change of a worker records
     * the config it runs. A renamed source is a new one. One statement: the sources left out are recorded
     * `off` at the same time as the others are recorded.
     */
    async recordSchedules(sources: readonly { readonly source: string; readonly schedule: string }[], now: Date): Promise<void> {
      await db.query(
        `WITH left_out AS (
           UPDATE source_first_seen SET schedule = $4, schedule_at = $3
           WHERE source <> ALL($1::text[]) AND schedule IS DISTINCT FROM $4
         )
         INSERT INTO source_first_seen (source, at, schedule, schedule_at) SELECT u.source, $3, u.schedule, $3 FROM unnest($1::text[], $2::text[]) AS u(source, schedule)
         ON CONFLICT (source) DO UPDATE SET schedule = EXCLUDED.schedule,
           schedule_at = CASE WHEN source_first_seen.schedule IS NULL THEN source_first_seen.schedule_at ELSE EXCLUDED.schedule_at END
         WHERE source_first_seen.schedule IS DISTINCT FROM EXCLUDED.schedule`,
        [sources.map((s) => s.source), sources.map((s) => s.schedule), now.toISOString(), NO_SCHEDULE_TEXT],
      );
    },

    /**
     * What a worker last recorded of each of `sources` (see `recordSchedules`): when one first scheduled
     * the source (`at`; sources that ran before this was recorded: their first run), the schedule it set
     * (canonical text, `off` included; null: not recorded yet, taken to be the config's) and when it first
     * set that one (`scheduleAt`). A source no worker has scheduled has no entry.
     * Reads only: status, the API and the metrics never record (`recordSchedules` does).
     */
    async firstSeen(sources: readonly string[]): Promise<Map<string, FirstSeen>> {
      const result = await db.query<{ source: string; at: Date; schedule: string | null; schedule_at: Date }>(
        'SELECT source, at, schedule, schedule_at FROM source_first_seen WHERE source = ANY($1::text[])', [sources],
      );
      return new Map(result.rows.map((r) => [r.source, { at: new Date(r.at), schedule: r.schedule, scheduleAt: new Date(r.schedule_at) }]));
    },

    /**
     * The sources among `sources` with a run at work now: left `running` and its lock held by the
     * connection that runs it (a run cut off, whose lock nobody holds, is not at work; see `failInterrupted`).
     * pg_locks lists the locks of every database of the server, and run ids repeat across databases.
     */
    async atWork(sources: readonly string[]): Promise<Set<string>> {
      const result = await db.query<{ source: string }>(
        `SELECT DISTINCT r.source FROM runs r
         WHERE r.source = ANY($1::text[]) AND r.status = 'running'
           AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                         AND l.classid = ${RUN_LOCK_CLASS}::oid AND l.objid = (r.id % 2147483647)::int::oid)`,
        [sources],
      );
      return new Set(result.rows.map((r) => r.source));
    },

    /** Held on this connection while the run works (a session lock). */
    async lock(runId: string): Promise<void> {
      await db.query(`SELECT pg_advisory_lock(${runLock('$1::bigint')})`, [runId]);
    },

    async unlock(runId: string): Promise<void> {
      await db.query(`SELECT pg_advisory_unlock(${runLock('$1::bigint')})`, [runId]);
    },

    /**
     * Marks failed the runs of `source` left `running` whose lock nobody holds, except `exceptId` (the
     * caller's own run); returns how many. Called by every run and by a worker at start. The try-locks
     * are transaction-scoped: one statement, so they end with it (call it outside a transaction).
     */
    async failInterrupted(options: { source: string; exceptId?: string }): Promise<number> {
      const result = await db.query(
        `UPDATE runs SET status = 'failed', finished_at = now(), error = 'interrupted (its process or the database stopped mid-run; nothing was applied)'
         WHERE id IN (SELECT id FROM runs WHERE source = $1 AND status = 'running' AND id IS DISTINCT FROM $2::bigint)
           AND pg_try_advisory_xact_lock(${runLock('id')})`,
        [options.source, options.exceptId ?? null],
      );
      return result.rowCount;
    },

    /**
     * The hold `runId` of `source` belongs to, as the runs tell it (SPEC rule 10): the source's last run
     * that ended ok (null: none), and its held runs after that one with `runId` counted (held already,
     * still `running` while its notification is planned, or not recorded) and when the first of them started.
     */
    async hold(source: string, runId: string, now: Date): Promise<SourceHold> {
      const result = await db.query<{ lastOkRunId: string | null; heldRuns: number; heldSince: Date }>(
        `SELECT ok.id::text AS "lastOkRunId", held.n + (NOT cur.recorded)::int AS "heldRuns",
                coalesce(least(held.first_at, CASE WHEN NOT cur.recorded THEN $3::timestamptz END), $3::timestamptz) AS "heldSince"
           FROM (SELECT EXISTS (SELECT 1 FROM runs r WHERE r.id = $2::bigint AND r.source = $1) AS recorded) cur
           LEFT JOIN LATERAL (SELECT r.id FROM runs r WHERE r.source = $1 AND r.status = 'ok' ORDER BY r.id DESC LIMIT 1) ok ON true
           LEFT JOIN LATERAL (
             SELECT count(*)::int AS n, min(r.started_at) AS first_at FROM runs r
              WHERE r.source = $1 AND r.id > coalesce(ok.id, 0) AND (r.status = 'held' OR r.id = $2::bigint)) held ON true`,
        [source, runId, now.toISOString()],
      );
      const row = result.rows[0];
      if (!row) throw new Error('hold query returned no row');
      return { lastOkRunId: row.lastOkRunId, heldRuns: row.heldRuns, heldSince: new Date(row.heldSince) };
    },

    /**
     * How each source has been doing. One query serves `status`, the API, the metrics and the failure
     * emails, so they never disagree.
     */
    async health(sources: readonly string[]): Promise<Map<string, SourceHealth>> {
      const result = await db.query<HealthRow>(HEALTH_SQL, [sources]);
      return new Map(
        result.rows.map((r) => [r.source, {
          ...r,
          lastSuccess: r.lastSuccess && { ...r.lastSuccess, finishedAt: new Date(r.lastSuccess.finishedAt) },
          failingSince: r.failingSince && { ...r.failingSince, at: new Date(r.failingSince.at) },
          lastError: r.lastError && { ...r.lastError, at: new Date(r.lastError.at) },
        }]),
      );
    },
  };
}

/** When a worker first scheduled a source, the schedule a worker last set for it (canonical text; null: not recorded yet) and since when. */
export interface FirstSeen {
  readonly at: Date;
  readonly schedule: string | null;
  readonly scheduleAt: Date;
}

/** A source's current hold as its runs tell it (`runs.hold`). */
export interface SourceHold {
  /** The newest run that ended `ok`: the hold is the held runs after it. */
  readonly lastOkRunId: string | null;
  /** Held runs after it, the asking run counted. */
  readonly heldRuns: number;
  /** When the first of them started. */
  readonly heldSince: Date;
}

/** A source as its runs tell it: the last successful run, the failures since the last run that reached the directory, the last error. */
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

/** SourceHealth as HEALTH_SQL returns it: its times as JSON text. */
type HealthRow = Pick<SourceHealth, 'source' | 'consecutiveFailures'> & {
  lastSuccess: { runId: string; finishedAt: string } | null;
  failingSince: { runId: string; at: string } | null;
  lastError: (Omit<NonNullable<SourceHealth['lastError']>, 'at'> & { at: string }) | null;
};

/** Runs aborted by a stopping worker (src/sync/run-aborted.ts) say nothing about the source. */
const NOT_ABORTED = `coalesce(r.details->>'errorCode', '') <> 'aborted'`;

// Every lookup walks the (source, id DESC) index from the newest run; ids are compared as bigints.
const HEALTH_SQL = `
SELECT src AS source, streak.n AS "consecutiveFailures",
       CASE WHEN ok.finished_at IS NOT NULL THEN json_build_object('runId', ok.id::text, 'finishedAt', ok.finished_at) END AS "lastSuccess",
       CASE WHEN streak.n > 0 THEN json_build_object('runId', streak.first_id::text, 'at', streak.first_at) END AS "failingSince",
       CASE WHEN f.id IS NOT NULL THEN json_build_object('runId', f.id::text, 'at', f.finished_at, 'message', coalesce(f.error, 'failed'),
         'code', f.details->>'errorCode') END AS "lastError"
  FROM unnest($1::text[]) AS src
  LEFT JOIN LATERAL (SELECT r.id, r.finished_at FROM runs r WHERE r.source = src AND r.status = 'ok' ORDER BY r.id DESC LIMIT 1) ok ON true
  LEFT JOIN LATERAL (SELECT r.id FROM runs r WHERE r.source = src AND r.status IN ('ok', 'held') ORDER BY r.id DESC LIMIT 1) good ON true
  LEFT JOIN LATERAL (
    SELECT count(*)::int AS n, min(r.id) AS first_id, min(coalesce(r.finished_at, r.started_at)) AS first_at
      FROM runs r WHERE r.source = src AND r.status = 'failed' AND r.id > coalesce(good.id, 0) AND ${NOT_ABORTED}) streak ON true
  LEFT JOIN LATERAL (
    SELECT r.id, coalesce(r.finished_at, r.started_at) AS finished_at, r.error, r.details
      FROM runs r WHERE r.source = src AND r.status = 'failed' AND ${NOT_ABORTED} ORDER BY r.id DESC LIMIT 1) f ON true`;

/**
 * The cursor each source keeps between runs, with the mapping rules it was read under: one row per source
 * from its first applied run on, its cursor null when the read left nothing to resume from.
 */
export function cursorsOf(db: Queryable) {
  return {
    /** `mapping`: the fingerprint of the mapping rules the cursor was read under (null: saved before those were kept). */
    async load(source: string): Promise<{ cursor: SourceCursor | null; mapping: string | null } | null> {
      const result = await db.query<{ cursor: SourceCursor | null; mapping: string | null }>('SELECT cursor, mapping FROM source_cursors WHERE source = $1', [source]);
      return result.rows[0] ?? null;
    },

    /** The mapping fingerprints the named sources' users were last mapped under, one per source with a row (none: never applied a run). */
    async mappings(sources: readonly string[]): Promise<(string | null)[]> {
      const result = await db.query<{ mapping: string | null }>('SELECT mapping FROM source_cursors WHERE source = ANY($1::text[]) ORDER BY source', [sources]);
      return result.rows.map((row) => row.mapping);
    },

    /** `cursor` null: the next read is full. */
    async save(source: string, saved: { cursor: SourceCursor | null; runId: string; mapping: string }): Promise<void> {
      await db.query(
        `INSERT INTO source_cursors (source, cursor, run_id, mapping, updated_at) VALUES ($1, $2::jsonb, $3::bigint, $4, now())
         ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, run_id = excluded.run_id, mapping = excluded.mapping, updated_at = now()`,
        [source, saved.cursor === null ? null : JSON.stringify(saved.cursor), saved.runId, saved.mapping],
      );
    },
  };
}
