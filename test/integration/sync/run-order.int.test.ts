// Ids are bigints shown as text: the newest run, audit row, account or outbox message is the one with
// the largest number, across the digit boundaries (9 → 10, 99 → 100), on PostgreSQL and PGlite. And
// `status` (the query `seatsync status`, the API and the dashboard share) tells a failing source apart.
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SeatsyncConfig } from '../../../src/config/types.ts';
import { outboxOf } from '../../../src/store/outbox-store.ts';
import { repositoriesOf } from '../../../src/store/repositories.ts';
import type { SyncReport } from '../../../src/sync/run-sync.ts';
import { statusView } from '../../../src/sync/status.ts';
import { syncJson } from '../../../src/sync/report.ts';
import { testEvent } from '../../../src/domain/notifications.ts';
import { aConfig, aCsvFile, aFileSource, people } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';

describe.each(DATABASE_KINDS)('ids in numeric order on %s', (kind) => {
  const t = testDatabaseOf(kind);

  const sync = async (config: SeatsyncConfig): Promise<SyncReport> => (await syncWithAllocation(t.db, config)).report;
  /** Earlier runs of `hr`, written directly: only their number and outcome matter here. */
  const pastRuns = async (count: number, status: 'ok' | 'failed'): Promise<void> => {
    await t.db.query(
      `INSERT INTO runs (source, status, started_at, finished_at, error)
       SELECT 'hr', $2, now() - interval '1 hour', now() - interval '1 hour', CASE WHEN $2 = 'failed' THEN 'old failure' END
         FROM generate_series(1, $1::int)`,
      [count, status],
    );
  };

  it('shows run 10 failing after nine good runs, and run 100 working again after 99', async () => {
    const csv = aCsvFile(people(4));
    const config = aConfig({ sources: [aFileSource('hr', csv.path)] });
    await pastRuns(9, 'ok');
    rmSync(csv.path);
    const failed = await sync(config);
    expect(failed.runs[0]).toMatchObject({ status: 'failed', runId: '10' });
    expect(syncJson(failed).runs[0]?.error).toEqual({ code: expect.any(String), message: expect.stringContaining(csv.path) });

    const status = await statusView(repositoriesOf(t.db), config);
    expect(status.sources[0]).toMatchObject({
      name: 'hr',
      lastRun: { status: 'failed' },
      lastSuccessfulRun: { id: '9' },
      consecutiveFailures: 1,
      lastError: { runId: '10', message: expect.stringContaining(csv.path) },
    });
    expect(status.sources[0]?.failingSince).not.toBeNull();
    expect((await repositoriesOf(t.db).runs.recent({ limit: 3 })).map((r) => r.id)).toEqual(['10', '9', '8']);
    expect((await repositoriesOf(t.db).runs.last(['hr'])).get('hr')?.id).toBe('10');
    expect((await repositoriesOf(t.db).runs.get('10'))?.status).toBe('failed');

    await pastRuns(89, 'ok');
    csv.write(people(4));
    expect((await sync(config)).runs[0]).toMatchObject({ status: 'ok', runId: '100' });
    const recovered = await statusView(repositoriesOf(t.db), config);
    expect(recovered.sources[0]).toMatchObject({
      lastRun: { status: 'ok' }, lastSuccessfulRun: { id: '100' }, consecutiveFailures: 0, failingSince: null, lastError: { runId: '10' },
    });
    expect((await repositoriesOf(t.db).runs.recent({ limit: 3, source: 'hr' })).map((r) => r.id)).toEqual(['100', '99', '98']);
  });

  it('counts the failures since the last good run, and a held run as reaching the directory', async () => {
    const csv = aCsvFile(people(2));
    const config = aConfig({ sources: [aFileSource('hr', csv.path)] });
    await pastRuns(8, 'ok');
    await pastRuns(3, 'failed');
    await t.db.query(`INSERT INTO runs (source, status, finished_at) VALUES ('hr', 'held', now())`);
    await pastRuns(2, 'failed');
    const [hr] = (await statusView(repositoriesOf(t.db), config)).sources;
    expect(hr).toMatchObject({ lastRun: { status: 'failed' }, lastSuccessfulRun: { id: '8' }, consecutiveFailures: 2, lastError: { runId: '14' } });
  });

  it('lists audit rows, accounts and outbox messages by number', async () => {
    const csv = aCsvFile(people(105));
    const config = aConfig({ sources: [aFileSource('hr', csv.path)], pools: [{ name: 'primary', seats: 200, notify: null }] });
    expect((await sync(config)).runs[0]?.status).toBe('ok');
    const { entries: audit } = await repositoriesOf(t.db).audit.list({ limit: 3 });
    const auditIds = audit.map((a) => Number(a.id));
    expect(auditIds).toEqual([...auditIds].sort((a, b) => a - b));
    expect(auditIds.at(-1)).toBeGreaterThanOrEqual(100);
    const accountIds: number[] = [];
    for await (const account of repositoriesOf(t.db).accounts.list()) accountIds.push(account.id);
    expect(accountIds).toEqual([...accountIds].sort((a, b) => a - b));
    expect(accountIds).toHaveLength(105);
    expect((await repositoriesOf(t.db).accounts.find('10'))[0]?.id).toBe(10);

    const outbox = outboxOf(t.db);
    const now = Date.now();
    const events = Array.from({ length: 101 }, (_, i) => testEvent({ now, to: 'a@example.test', nonce: String(i) }));
    await t.db.transaction((tx) => outbox.enqueue(tx, events));
    const claimed = await outbox.claimDue({ worker: 'test', now: new Date(now + 1_000), leaseMs: 60_000, limit: 200 });
    const claimedIds = claimed.map((m) => Number(m.id));
    expect(claimedIds).toHaveLength(101);
    expect(claimedIds).toEqual([...claimedIds].sort((a, b) => a - b));
  });
});
