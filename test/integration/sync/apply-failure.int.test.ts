// A run whose apply fails after a complete read: the report keeps what the read found (seen, skipped)
// and the apply's own error and code, the run is recorded failed, and nothing of it is committed.
import { describe, expect, it } from 'vitest';
import type { RunNotifier } from '../../../src/sync/apply-run.ts';
import { aConfig, aCsvFile, aFileSource, people } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';

describe.each(DATABASE_KINDS)('a run whose apply fails, on %s', (kind) => {
  const t = testDatabaseOf(kind);
  it('reports the read and the original error, records the run failed and commits nothing', async () => {
    const rows = people(12).map((p, i) => (i === 3 ? { ...p, id: '' } : p));
    const csv = aCsvFile(rows);
    const config = aConfig({ sources: [aFileSource('hr', csv.path)] });
    const failing: RunNotifier = {
      afterAllocation: () => Promise.reject(Object.assign(new Error('mail outbox refused the write'), { code: 'outbox-full' })),
      onHeld: () => Promise.resolve(),
    };
    const { report } = await syncWithAllocation(t.db, config, { notifier: failing });
    const run = report.runs[0];
    expect(run).toMatchObject({ outcome: 'failed', status: 'failed', seen: 11, skipped: 1, created: 0, error: 'mail outbox refused the write', errorCode: 'outbox-full' });
    const count = async (sql: string): Promise<number> => (await t.db.query<{ n: number }>(sql)).rows[0]?.n ?? -1;
    expect(await count('SELECT count(*)::int AS n FROM accounts')).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM audit')).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM source_cursors')).toBe(0);
    const recorded = await t.db.query<{ status: string; error: string }>('SELECT status, error FROM runs');
    expect(recorded.rows).toEqual([{ status: 'failed', error: 'mail outbox refused the write' }]);
  });
});
