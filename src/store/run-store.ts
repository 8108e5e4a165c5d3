// Runs (one per source per sync) and the cursors sources keep between runs.
import type { SourceCursor } from '../sources/directory-source.ts';
import type { Queryable } from './db.ts';

export type RunStatus = 'running' | 'ok' | 'held' | 'failed';

export interface RunCounts {
  readonly seen: number;
  readonly created: number;
  readonly updated: number;
  readonly activated: number;
  readonly blocked: number;
  readonly disabled: number;
  readonly removed: number;
  readonly skipped: number;
}

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
  finished_at AS "finishedAt", seen, created, updated, activated, blocked, disabled, removed, skipped, error, details`;

export async function createRun(
  db: Queryable,
  options: { source: string; trigger: string; allowRemovals: boolean },
): Promise<string> {
  const result = await db.query<{ id: string }>(
    `INSERT INTO runs (source, status, trigger, allow_removals) VALUES ($1, 'running', $2, $3) RETURNING id::text AS id`,
    [options.source, options.trigger, options.allowRemovals],
  );
  const id = result.rows[0]?.id;
  if (!id) throw new Error('run insert returned no id');
  return id;
}

export async function finishRun(
  db: Queryable,
  id: string,
  outcome: { status: Exclude<RunStatus, 'running'>; mode: 'full' | 'incremental' | null; counts: RunCounts; error: string | null; details: Record<string, unknown> },
): Promise<void> {
  const c = outcome.counts;
  await db.query(
    `UPDATE runs SET status = $2, mode = $3, finished_at = now(), seen = $4, created = $5, updated = $6,
            activated = $7, blocked = $8, disabled = $9, removed = $10, skipped = $11, error = $12, details = $13::jsonb
     WHERE id = $1::bigint`,
    [id, outcome.status, outcome.mode, c.seen, c.created, c.updated, c.activated, c.blocked, c.disabled, c.removed,
      c.skipped, outcome.error, JSON.stringify(outcome.details)],
  );
}

/** Run ids are PostgreSQL bigints. */
const MAX_RUN_ID = 9_223_372_036_854_775_807n;

export async function getRun(db: Queryable, id: string): Promise<RunRecord | null> {
  if (!/^\d{1,19}$/.test(id) || BigInt(id) > MAX_RUN_ID) return null;
  const result = await db.query<RunRecord>(`SELECT ${RUN_COLUMNS} FROM runs WHERE runs.id = $1::bigint`, [id]);
  return result.rows[0] ?? null;
}

export async function recentRuns(db: Queryable, options: { limit: number; source?: string }): Promise<RunRecord[]> {
  const result = await db.query<RunRecord>(
    `SELECT ${RUN_COLUMNS} FROM runs WHERE ($1::text IS NULL OR source = $1) ORDER BY runs.id DESC LIMIT $2`,
    [options.source ?? null, options.limit],
  );
  return result.rows;
}

/** The latest finished (non-dry) run of each named source. */
export async function lastRuns(db: Queryable, sources: readonly string[]): Promise<Map<string, RunRecord>> {
  const result = await db.query<RunRecord>(
    `SELECT DISTINCT ON (source) ${RUN_COLUMNS} FROM runs
     WHERE source = ANY($1::text[]) AND status <> 'running' ORDER BY source, runs.id DESC`,
    [sources],
  );
  return new Map(result.rows.map((r) => [r.source, r]));
}

/**
 * A run holds a session advisory lock on its own id while it works, on the connection it runs on: a run
 * left `running` whose lock nobody holds was cut off — its process or the database stopped — and
 * nothing of it was applied (see `failInterruptedRuns`).
 */
const RUN_LOCK_CLASS = 720_531_003;

/** The lock of run `id` (SQL): RUN_LOCK_CLASS and the id folded into an int4. One expression to take and test it. */
const runLock = (id: string): string => `${RUN_LOCK_CLASS}, (${id} % 2147483647)::int`;

export async function lockRun(conn: Queryable, runId: string): Promise<void> {
  await conn.query(`SELECT pg_advisory_lock(${runLock('$1::bigint')})`, [runId]);
}

export async function unlockRun(conn: Queryable, runId: string): Promise<void> {
  await conn.query(`SELECT pg_advisory_unlock(${runLock('$1::bigint')})`, [runId]);
}

/**
 * Marks failed the runs of `source` left `running` whose lock nobody holds, except `exceptId` (the
 * caller's own run). Called by every run and by a worker at start. The try-locks are
 * transaction-scoped: one statement, so they end with it (call it outside a transaction).
 */
export async function failInterruptedRuns(db: Queryable, options: { source: string; exceptId?: string }): Promise<number> {
  const result = await db.query(
    `UPDATE runs SET status = 'failed', finished_at = now(), error = 'interrupted (its process or the database stopped mid-run; nothing was applied)'
     WHERE id IN (SELECT id FROM runs WHERE source = $1 AND status = 'running' AND id IS DISTINCT FROM $2::bigint)
       AND pg_try_advisory_xact_lock(${runLock('id')})`,
    [options.source, options.exceptId ?? null],
  );
  return result.rowCount;
}

/** A source's cursor and the fingerprint of the mapping rules it was read under (null: saved before those were kept). */
export interface StoredCursor {
  readonly cursor: SourceCursor;
  readonly mapping: string | null;
}

export async function loadCursor(db: Queryable, source: string): Promise<StoredCursor | null> {
  const result = await db.query<{ cursor: SourceCursor; mapping: string | null }>('SELECT cursor, mapping FROM source_cursors WHERE source = $1', [source]);
  const row = result.rows[0];
  return row ? { cursor: row.cursor, mapping: row.mapping } : null;
}

export async function saveCursor(tx: Queryable, source: string, cursor: SourceCursor | null, runId: string, mapping: string): Promise<void> {
  if (cursor === null) {
    await tx.query('DELETE FROM source_cursors WHERE source = $1', [source]);
    return;
  }
  await tx.query(
    `INSERT INTO source_cursors (source, cursor, run_id, mapping, updated_at) VALUES ($1, $2::jsonb, $3::bigint, $4, now())
     ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, run_id = excluded.run_id, mapping = excluded.mapping, updated_at = now()`,
    [source, JSON.stringify(cursor), runId, mapping],
  );
}
