// `GET /api/v1/audit?run=ID` lists one run's audit rows (audit-store.ts `list` with a run id). Migration
// 010 indexes the audit rows by run: it applies on both databases, the list returns the run's rows and
// only them, a page at a time, and among many rows of other runs it reads them through that index
// instead of the whole table (the plans of the store's own statement, with statistics gathered).
import { beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../src/store/migrations.ts';
import { repositoriesOf } from '../../../src/store/repositories.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import { planning, reads } from '../../support/query-plans.ts';

/** Audit rows of run 1 (a first sync), then RUN_ROWS of run 2 among more of run 3. */
const FIRST_RUN_ROWS = 20_000;
const RUN_ROWS = 30;

describe.each(DATABASE_KINDS)('audit rows of one run on %s', (kind) => {
  const t = testDatabaseOf(kind, { scope: 'describe' });
  beforeAll(async () => {
    await t.db.exec(`
      INSERT INTO audit (from_state, to_state, reason, actor, run_id) SELECT NULL, 'active', 'seat-free', 'sync', 1 FROM generate_series(1, ${FIRST_RUN_ROWS});
      INSERT INTO audit (from_state, to_state, reason, actor, run_id)
        SELECT 'active', 'blocked', 'no-seat', 'sync', CASE WHEN n % 3 = 0 THEN 2 ELSE 3 END FROM generate_series(1, ${3 * RUN_ROWS}) n;
      ANALYZE audit;
    `);
  }, 120_000);

  it('has the run index of migration 010', async () => {
    const applied = await t.db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(applied.rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    expect(applied.rows).toContainEqual({ version: 10, name: 'audit-run-index' });
    const index = await t.db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = 'audit' AND indexname = 'audit_run_idx'`);
    expect(index.rows.map((r) => r.indexdef)).toEqual([expect.stringMatching(/ON (public\.)?audit USING btree \(run_id, id\)$/)]);
  });

  it('lists the run\'s rows and only them, the newest page first, each page oldest first', async () => {
    const audit = repositoriesOf(t.db).audit;
    const all = await audit.list({ runId: '2', limit: 1_000 });
    expect(all.more).toBe(false);
    expect(all.entries).toHaveLength(RUN_ROWS);
    expect(all.entries.every((e) => e.runId === '2' && e.to === 'blocked')).toBe(true);
    const ids = all.entries.map((e) => BigInt(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));

    const latest = await audit.list({ runId: '2', limit: 10 });
    expect(latest).toEqual({ entries: all.entries.slice(-10), more: true });
    const before = await audit.list({ runId: '2', limit: 1_000, beforeId: latest.entries[0]!.id });
    expect(before).toEqual({ entries: all.entries.slice(0, -10), more: false });
    expect(await audit.list({ runId: '4', limit: 10 })).toEqual({ entries: [], more: false });
  });

  it('reads the run\'s rows through the run index, not the whole table', async () => {
    const { q, plans } = planning(t.db);
    await repositoriesOf(q).audit.list({ runId: '2', limit: 50 });
    expect(plans).toHaveLength(1);
    const read = reads(plans[0]!);
    expect(read).toContainEqual(expect.stringMatching(/^(Index|Index Only|Bitmap Index) Scan audit_run_idx$/));
    expect(read.filter((r) => r.startsWith('Seq Scan audit'))).toEqual([]);
  });
});
