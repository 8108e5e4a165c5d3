// The staging side of a sync run: while a source is read, the users that are new, changed or back (see
// sync/source-snapshot.ts) and the deletions an incremental read reports go to a per-run temporary
// table, so a read that fails half-way changes nothing, and unchanged users are not written at all.
// Merging into `accounts` happens in the apply transaction (delta-store.ts).
import { copyBool, copyText } from './pg-copy.ts';
import type { Queryable } from './db.ts';

/** A directory user mapped for storage; `dataHash` covers every stored directory field and the profile. */
export interface StagedUser {
  readonly externalId: string;
  readonly username: string;
  readonly email: string | null;
  readonly displayName: string | null;
  readonly dn: string | null;
  readonly enabled: boolean;
  /** ISO 8601, or null when unknown. */
  readonly directoryCreatedAt: string | null;
  /** JSON of the sorted group keys and of the attributes (stored as jsonb). */
  readonly groupsJson: string;
  readonly attributesJson: string;
  readonly profile: string | null;
  readonly policyProtected: boolean;
  readonly dataHash: string;
}

export interface StagingTables {
  readonly staging: string;
}

/** Name of a run's staging table; temp tables are private to the connection that made them. */
export function stagingTables(runId: string): StagingTables {
  if (!/^[0-9a-z_]+$/.test(runId)) throw new Error(`invalid run id for a table name: ${runId}`);
  return { staging: `staging_${runId}` };
}

const STAGING_COLUMNS = [
  'seq', 'external_id', 'username', 'email', 'display_name', 'dn', 'enabled', 'directory_created_at', 'groups',
  'attributes', 'profile', 'policy_protected', 'data_hash', 'queue_key',
] as const;

/** A staged user with its read order and its queue key (computed by the domain: `queueKeyOf`). */
export interface StagedRow extends StagedUser {
  readonly seq: number;
  readonly queueKey: string;
}

export async function createStaging(conn: Queryable, tables: StagingTables): Promise<void> {
  await dropStaging(conn, tables);
  // groups and attributes stay text here: only the rows that reach `accounts` pay for the jsonb parse.
  await conn.query(
    `CREATE TEMP TABLE ${tables.staging} (
       seq integer NOT NULL, external_id text NOT NULL, deleted boolean NOT NULL DEFAULT false,
       username text, email text, display_name text, dn text, enabled boolean, directory_created_at timestamptz,
       groups text, attributes text, profile text, policy_protected boolean, data_hash text, queue_key text)`,
  );
}

export async function dropStaging(conn: Queryable, tables: StagingTables): Promise<void> {
  await conn.query(`DROP TABLE IF EXISTS ${tables.staging}`);
}

/** Writes users (with their read order `seq`) to the staging table in one COPY. */
export async function stageUsers(conn: Queryable, table: string, users: readonly StagedRow[]): Promise<void> {
  if (users.length === 0) return;
  let rows = '';
  for (const u of users) {
    rows +=
      `${u.seq}\t${copyText(u.externalId)}\t${copyText(u.username)}\t${copyText(u.email)}\t${copyText(u.displayName)}\t` +
      `${copyText(u.dn)}\t${copyBool(u.enabled)}\t${u.directoryCreatedAt ?? '\\N'}\t${copyText(u.groupsJson)}\t` +
      `${copyText(u.attributesJson)}\t${copyText(u.profile)}\t${copyBool(u.policyProtected)}\t${copyText(u.dataHash)}\t${u.queueKey}\n`;
  }
  await conn.copyRows(table, STAGING_COLUMNS, rows);
}

/** Records deletions reported by an incremental read (a deletion wins over the same id read as a user). */
export async function stageDeletions(conn: Queryable, table: string, externalIds: readonly string[]): Promise<void> {
  if (externalIds.length === 0) return;
  await conn.query(`INSERT INTO ${table} (seq, external_id, deleted) SELECT 0, unnest($1::text[]), true`, [externalIds]);
}

/**
 * Prepares the staging tables for the apply: an index for reading the staged rows in read order and in
 * slices, and statistics (temp tables are never auto-analyzed; without them the joins against a
 * 100,000-row table run as nested loops). The plans need the row count and rough distributions only:
 * a small sample (3,000 rows instead of 30,000) gives them in a tenth of the time.
 */
export async function analyzeStaging(conn: Queryable, tables: StagingTables): Promise<void> {
  await conn.query(`CREATE INDEX ON ${tables.staging} (seq)`);
  await conn.query('SET default_statistics_target = 10');
  try {
    await conn.query(`ANALYZE ${tables.staging}`);
  } finally {
    await conn.query('RESET default_statistics_target');
  }
}
