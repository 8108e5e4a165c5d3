// A run's staging table and its merge into `accounts`. While a source is read, the users that are new,
// changed or back (see sync/source-snapshot.ts) and the deletions an incremental read reports go to a
// per-run temporary table, so a read that fails half-way changes nothing. In the apply transaction the
// table tells what the read changed (a summary, the changed accounts' rows, the new users in queue order
// a slice at a time: a first sync of a million users never holds its rows at once), and is merged into
// `accounts`: new accounts inserted with the seat state the allocation gave them, changed ones rewritten.
import { isoOrNull } from '../domain/iso-time.ts';
import type { ChangeReason, SeatState } from '../domain/types.ts';
import { intArray, WRITE_BATCH } from './array-params.ts';
import { batches, FETCH_ROWS } from './cursor.ts';
import type { Queryable } from './db.ts';
import { copyBool, copyText } from './pg-copy.ts';

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
  /** The same in epoch ms, for the queue key (not stored: the read would parse its own ISO text back). */
  readonly directoryCreatedMs: number | null;
  /** JSON of the sorted group keys and of the attributes (stored as jsonb). */
  readonly groupsJson: string;
  readonly attributesJson: string;
  readonly profile: string | null;
  readonly policyProtected: boolean;
  readonly dataHash: string;
}

/** A staged user with its read order and, a user new to the snapshot, its queue key (computed by the domain: `queueKeyOf`). */
export interface StagedRow extends StagedUser {
  readonly seq: number;
  readonly queueKey: string | null;
}

export interface RemovalCounts {
  /** Accounts of the source that are present now. */
  readonly total: number;
  readonly wouldRemove: number;
  readonly wouldDisable: number;
  /** Entries the read returned in scope, readable or not (not deletions). */
  readonly returned: number;
}

export interface DeltaSummary {
  /** What the read would remove and disable, for the hold check (with the run's `returned`, and the source's total when needed). */
  readonly counts: Pick<RemovalCounts, 'wouldRemove' | 'wouldDisable'>;
  /** Present accounts of the source that this read says are gone (full read: not returned; incremental: deleted). */
  readonly missingIds: number[];
  /** Staged users never seen before, and staged users whose account changed or came back. */
  readonly newCount: number;
  readonly changedCount: number;
  /** Changed accounts that were absent and come back (present again once applied). */
  readonly returningCount: number;
  /**
   * Changed accounts whose change reaches what the allocation reads (back, username, enabled, creation
   * time, profile, protection); the rest changed only data the seats do not depend on (name, email, …).
   */
  readonly seatChangedCount: number;
}

/** A staged user the allocation must see differently: new, changed, or back. */
export interface DeltaRow {
  /** Read order: 1, 2, … of the users new to the snapshot (a new user's temporary id in the allocation is −seq), −1, −2, … of changed ones. */
  readonly seq: number;
  /** Existing account id; null for a user never seen before. */
  readonly id: number | null;
  readonly username: string;
  readonly enabled: boolean;
  readonly createdMs: number | null;
  readonly profile: string | null;
  readonly policyProtected: boolean;
  /** The queue key it was staged with (`StagedRow.queueKey`): a user new to the snapshot has one, a changed one null. */
  readonly queueKey: string | null;
}

/** A new account to insert: its staged row, the id reserved for it (`reserveIds`), and the seat state the allocation gave it. */
interface NewAccount {
  readonly seq: number;
  readonly id: number;
  readonly to: SeatState;
  readonly reason: ChangeReason;
}

const STAGING_COLUMNS = [
  'seq', 'external_id', 'username', 'email', 'display_name', 'dn', 'enabled', 'directory_created_at', 'groups',
  'attributes', 'profile', 'policy_protected', 'data_hash', 'queue_key',
] as const;

const DELTA_COLUMNS = `s.seq, a.id, s.username, s.enabled, (extract(epoch from s.directory_created_at) * 1000)::float8 AS "createdMs",
  s.profile, s.policy_protected AS "policyProtected", s.queue_key AS "queueKey"`;

/** Staged users `s` new or differing from their account `a`, unless the read deletes them (the read's check repeated: cheap and exact). */
function differs(staging: string): string {
  return `NOT s.deleted AND (a.id IS NULL OR a.data_hash IS DISTINCT FROM s.data_hash OR NOT a.present)
    AND NOT EXISTS (SELECT 1 FROM ${staging} d WHERE d.deleted AND d.external_id = s.external_id)`;
}

const deltaFrom = (staging: string): string => `${staging} s LEFT JOIN accounts a ON a.source = $1 AND a.external_id = s.external_id WHERE ${differs(staging)}`;

/**
 * The staged read of run `runKey` (a run id, or a dry run's key) of `source`, on `conn`: the table is
 * temporary, private to the connection that made it, so the read and the apply use one connection.
 */
export function stagingOf(conn: Queryable, runKey: string, source: string) {
  if (!/^[0-9a-z_]+$/.test(runKey)) throw new Error(`invalid run id for a table name: ${runKey}`);
  const staging = `staging_${runKey}`;
  const repository = {
    /** Creates the table (empty, replacing one left behind). */
    async create(): Promise<void> {
      await repository.drop();
      // groups and attributes stay text here: only the rows that reach `accounts` pay for the jsonb parse.
      await conn.query(
        `CREATE TEMP TABLE ${staging} (
           seq integer NOT NULL, external_id text NOT NULL, deleted boolean NOT NULL DEFAULT false,
           username text, email text, display_name text, dn text, enabled boolean, directory_created_at timestamptz,
           groups text, attributes text, profile text, policy_protected boolean, data_hash text, queue_key text)`,
      );
    },

    async drop(): Promise<void> {
      await conn.query(`DROP TABLE IF EXISTS ${staging}`);
    },

    /** Writes users (with their read order `seq`) to the staging table in one COPY. */
    async addUsers(users: readonly StagedRow[]): Promise<void> {
      if (users.length === 0) return;
      let rows = '';
      for (const u of users) {
        rows +=
          `${u.seq}\t${copyText(u.externalId)}\t${copyText(u.username)}\t${copyText(u.email)}\t${copyText(u.displayName)}\t` +
          `${copyText(u.dn)}\t${copyBool(u.enabled)}\t${u.directoryCreatedAt ?? '\\N'}\t${copyText(u.groupsJson)}\t` +
          `${copyText(u.attributesJson)}\t${copyText(u.profile)}\t${copyBool(u.policyProtected)}\t${copyText(u.dataHash)}\t${u.queueKey ?? '\\N'}\n`;
      }
      await conn.copyRows(staging, STAGING_COLUMNS, rows);
    },

    /** Records deletions reported by an incremental read (a deletion wins over the same id read as a user). */
    async addDeletions(externalIds: readonly string[]): Promise<void> {
      if (externalIds.length === 0) return;
      await conn.query(`INSERT INTO ${staging} (seq, external_id, deleted) SELECT 0, unnest($1::text[]), true`, [externalIds]);
    },

    /**
     * Keeps the first occurrence of each new id the read returned more than once (the snapshot only knows
     * the ids of existing accounts); returns how many rows were dropped.
     */
    async dropRepeatedIds(): Promise<number> {
      const result = await conn.query(
        `DELETE FROM ${staging} s USING (
           SELECT external_id, min(seq) AS first FROM ${staging} WHERE NOT deleted GROUP BY external_id HAVING count(*) > 1) r
         WHERE s.external_id = r.external_id AND NOT s.deleted AND s.seq > r.first`,
      );
      return result.rowCount;
    },

    /**
     * Prepares the table for the apply: an index on the read order, and statistics (temp tables are never
     * auto-analyzed; without them the joins against a 100,000-row table run as nested loops). The plans need
     * the row count and rough distributions only: a sample of 3,000 rows (not 30,000) takes a tenth of the time.
     */
    async analyze(): Promise<void> {
      await conn.query(`CREATE INDEX ON ${staging} (seq)`);
      await conn.query('SET default_statistics_target = 10');
      try {
        await conn.query(`ANALYZE ${staging}`);
      } finally {
        await conn.query('RESET default_statistics_target');
      }
    },

    /**
     * Counts of the delta, the missing accounts and the counts of the mass-change hold (SPEC rule 10).
     * `sweep`: the read listed every id in scope (a full read, or an incremental one with an id listing).
     * `unseenIds`: then, the present accounts the read did not list (from the run's snapshot); they are
     * checked again here, as the snapshot was taken before this transaction. Deletions an incremental read
     * reports are missing too.
     */
    async summary(options: { sweep: boolean; unseenIds: readonly number[] }): Promise<DeltaSummary> {
      const delta = await conn.query<Omit<DeltaSummary, 'counts' | 'missingIds'> & { wouldDisable: number }>(
        `SELECT count(*) FILTER (WHERE a.id IS NULL)::int AS "newCount", count(a.id)::int AS "changedCount",
                count(*) FILTER (WHERE a.id IS NOT NULL AND NOT a.present)::int AS "returningCount",
                count(*) FILTER (WHERE a.id IS NOT NULL AND (NOT a.present OR a.username IS DISTINCT FROM s.username
                  OR a.enabled IS DISTINCT FROM s.enabled OR a.directory_created_at IS DISTINCT FROM s.directory_created_at
                  OR a.profile IS DISTINCT FROM s.profile OR a.policy_protected IS DISTINCT FROM s.policy_protected))::int AS "seatChangedCount",
                count(*) FILTER (WHERE a.id IS NOT NULL AND a.enabled AND a.present AND NOT s.enabled)::int AS "wouldDisable"
         FROM ${deltaFrom(staging)}`,
        [source],
      );
      const deleted = `SELECT a.id FROM accounts a JOIN ${staging} s ON s.external_id = a.external_id AND s.deleted
         WHERE a.source = $1 AND a.present`;
      const unseen = `SELECT a.id FROM accounts a WHERE a.id = ANY($2::int[]) AND a.source = $1 AND a.present
         AND NOT EXISTS (SELECT 1 FROM ${staging} s WHERE s.external_id = a.external_id AND NOT s.deleted)`;
      const missing = await conn.query<{ id: number }>(options.sweep ? `${unseen} UNION ${deleted}` : deleted, options.sweep ? [source, options.unseenIds] : [source]);
      const missingIds = [...new Set(missing.rows.map((r) => r.id))].sort((a, b) => a - b);
      const [row] = delta.rows;
      if (row === undefined) throw new Error('internal error: no delta counts');
      const { wouldDisable, ...counts } = row;
      return { counts: { wouldRemove: missingIds.length, wouldDisable }, missingIds, ...counts };
    },

    /** The staged rows of existing accounts that changed or came back, by account id. */
    async changedById(): Promise<Map<number, DeltaRow>> {
      const byId = new Map<number, DeltaRow>();
      const select = `SELECT ${DELTA_COLUMNS} FROM ${deltaFrom(staging)} AND a.id IS NOT NULL ORDER BY s.seq`;
      for await (const batch of batches<DeltaRow & { id: number }>(conn, { name: `changed_${staging}`, select, params: [source], batchRows: FETCH_ROWS })) {
        for (const row of batch) byId.set(row.id, row);
      }
      return byId;
    },

    /**
     * New users in slices of `sliceRows`, in the order of the queue key the domain computed when they were
     * staged (hex digits only: COLLATE "C" orders them byte by byte on every database).
     */
    newcomerSlices(sliceRows: number): AsyncGenerator<DeltaRow[], void, undefined> {
      return batches<DeltaRow>(conn, {
        name: `new_${staging}`,
        select: `SELECT ${DELTA_COLUMNS} FROM ${deltaFrom(staging)} AND a.id IS NULL ORDER BY s.queue_key COLLATE "C"`,
        params: [source],
        batchRows: sliceRows,
      });
    },

    /**
     * Inserts new accounts (staged rows by `seq`) with their reserved ids (`d`: the audit rows join the
     * inserted ids back to it, integers, not to the staged rows by external id) and the seat state the
     * allocation gave them, and one audit row each, WRITE_BATCH per statement. The distinct states (a
     * handful for a whole first sync) are a table `c`: their jsonb and audit details are built once. Each
     * statement is sent while the one before runs (at most one waits behind it, so the parameters of a
     * million accounts are never built at once); the connection runs them in order, after the statements
     * sent before this call and before those sent after it.
     */
    async insertNew(accounts: readonly NewAccount[], audit: { actor: string; runId: string }): Promise<number> {
      const statements: Promise<void>[] = [];
      for (let start = 0; start < accounts.length; start += WRITE_BATCH) {
        if (statements.length >= 2) await statements[statements.length - 2];
        const batch = accounts.slice(start, start + WRITE_BATCH);
        const expected = batch.length;
        const classes = new Map<string, number>();
        const states: NewAccount[] = [];
        const classOf = batch.map((account) => {
          const key = JSON.stringify([account.reason, account.to]);
          let index = classes.get(key);
          if (index === undefined) classes.set(key, (index = states.push(account)));
          return index;
        });
        const inserting = conn.query(
          `WITH d AS MATERIALIZED (SELECT seq, id, class FROM unnest($3::int[], $4::int[], $5::int[]) AS d(seq, id, class)),
           c AS MATERIALIZED (
             SELECT state, held::jsonb AS held, waiting_for::jsonb AS waiting_for, waiting_since, activated_at, grace_until, reason, class,
                    jsonb_build_object('held', held::jsonb, 'waitingFor', waiting_for::jsonb) AS details
             FROM unnest($6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::text[])
                  WITH ORDINALITY AS c(state, held, waiting_for, waiting_since, activated_at, grace_until, reason, class)),
           inserted AS (
             INSERT INTO accounts (id, source, external_id, username, email, display_name, dn, enabled, directory_created_at,
                groups, attributes, profile, policy_protected, data_hash, present, state, held, waiting_for, waiting_since,
                activated_at, grace_until, first_seen_run, last_changed_run)
             OVERRIDING SYSTEM VALUE
             SELECT d.id, $1, s.external_id, s.username, s.email, s.display_name, s.dn, s.enabled, s.directory_created_at,
                    s.groups::jsonb, s.attributes::jsonb, s.profile, s.policy_protected, s.data_hash, true, c.state, c.held,
                    c.waiting_for, c.waiting_since, c.activated_at, c.grace_until, $2::bigint, $2::bigint
             FROM d JOIN ${staging} s ON s.seq = d.seq AND NOT s.deleted JOIN c ON c.class = d.class
             RETURNING id)
           INSERT INTO audit (account_id, from_state, to_state, reason, actor, run_id, details)
           SELECT d.id, NULL, c.state, c.reason, $13, $2::bigint, c.details
           FROM inserted i JOIN d ON d.id = i.id JOIN c ON c.class = d.class`,
          [
            source, audit.runId, intArray(batch.map((a) => a.seq)), intArray(batch.map((a) => a.id)), intArray(classOf),
            states.map(({ to }) => to.state), states.map(({ to }) => JSON.stringify(to.held)), states.map(({ to }) => JSON.stringify(to.waitingFor)),
            states.map(({ to }) => isoOrNull(to.waitingSince)), states.map(({ to }) => isoOrNull(to.activatedAt)), states.map(({ to }) => isoOrNull(to.graceUntil)),
            states.map((a) => a.reason), audit.actor,
          ],
        );
        const checked = inserting.then((result) => {
          if (result.rowCount !== expected) throw new Error(`inserted ${result.rowCount} new accounts, expected ${expected}`);
        });
        // Awaited below, or by the loop; never an unhandled rejection when an earlier statement fails first.
        checked.catch(() => undefined);
        statements.push(checked);
      }
      await Promise.all(statements);
      return accounts.length;
    },

    /**
     * The account ids of the users staged as new: `count` ids from `first`, where `count` is the largest
     * read order (seq) of a staged user (new users are staged with seq 1, 2, …; changed ones with negative
     * seqs, which take no id), and the user staged with seq gets the id first + seq − 1. Each new account's
     * id is then known before it is decided, so slices are written as they come with ids in the
     * directory's order, without ranking the new users by seq first. The id of a seq no new account takes
     * stays unused: a repeated new id's later rows (dropped), a user the same read reports deleted, a
     * returning account (staged as new, its account found by the apply). One rule: the ids start where
     * the sequence stands. `draw`: take them from it (inserts into `accounts` run under the caller's seat
     * lock: no other draw interleaves); otherwise (a dry run, rolled back) take none, since a sequence
     * does not roll back: `first` is the id the sequence gives next, or `floor` when that is higher (the
     * ids dry runs planned before this one in the same transaction reserved: sync/apply-delta.ts).
     */
    async reserveIds(options: { readonly draw: true } | { readonly draw: false; readonly floor: number }): Promise<{ first: number; count: number }> {
      const first = options.draw ? 'setval(s, nextval(s) + n - 1) - n + 1' : 'greatest(coalesce(pg_sequence_last_value(s::regclass), 0) + 1, $1::int)';
      const result = await conn.query<{ first: number; count: number }>(
        `SELECT (${first})::int AS first, n::int AS count
         FROM pg_get_serial_sequence('accounts', 'id') s, (SELECT max(seq) AS n FROM ${staging} WHERE NOT deleted) m`,
        options.draw ? [] : [options.floor],
      );
      const row = result.rows[0];
      if (row === undefined) throw new Error('internal error: no account ids reserved');
      return row;
    },

    /** Rewrites the directory data of existing accounts whose data hash changed, or that came back. */
    async updateChanged(runId: string): Promise<number> {
      const result = await conn.query(
        `UPDATE accounts a SET username = s.username, email = s.email, display_name = s.display_name, dn = s.dn,
                enabled = s.enabled, directory_created_at = s.directory_created_at, groups = s.groups::jsonb,
                attributes = s.attributes::jsonb, profile = s.profile, policy_protected = s.policy_protected,
                data_hash = s.data_hash, present = true, removed_at = NULL, last_changed_run = $2::bigint, updated_at = now()
         FROM ${staging} s WHERE a.source = $1 AND a.external_id = s.external_id AND ${differs(staging)}`,
        [source, runId],
      );
      return result.rowCount;
    },
  };
  return repository;
}

export type StagingRepository = ReturnType<typeof stagingOf>;
