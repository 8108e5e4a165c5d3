// `runSync` is the one entry point of a sync: with no source named it syncs every configured one, in config
// order; the notifier's look at a source's health (`afterRun`) follows each applied run before the next
// source is read, and never a dry run (it has no run to look at).
import { describe, expect, it } from 'vitest';
import { repositoriesOf } from '../../../src/store/repositories.ts';
import type { RunNotifier } from '../../../src/sync/sync-source.ts';
import { aConfig, aCsvFile, aFileSource, people } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';

describe.each(DATABASE_KINDS)('runSync on %s', (kind) => {
  const t = testDatabaseOf(kind);

  it('syncs every configured source in order, telling the notifier of each run as it ends, and of no dry run', async () => {
    const config = aConfig({
      sources: [aFileSource('hr', aCsvFile(people(2)).path), aFileSource('gone', '/nonexistent/seatsync/users.csv'), aFileSource('partners', aCsvFile(people(2, 11)).path)],
    });
    // What the notifier saw when told: the run's source, and the runs recorded by then (source and status).
    const told: { source: string; runs: string[] }[] = [];
    const notifier: RunNotifier = {
      afterAllocation: async () => undefined,
      onHeld: async () => undefined,
      afterRun: async (db, { source }) => {
        const runs = await repositoriesOf(db).runs.recent({ limit: 10 });
        told.push({ source, runs: runs.map((r) => `${r.source}:${r.status}`).reverse() });
      },
    };
    const dry = await syncWithAllocation(t.db, config, { dryRun: true, notifier });
    expect(dry.report.runs.map((r) => [r.source, r.status])).toEqual([['hr', 'ok'], ['gone', 'failed'], ['partners', 'ok']]);
    expect(told).toEqual([]);

    const { report } = await syncWithAllocation(t.db, config, { notifier });
    expect(report.runs.map((r) => [r.source, r.status, r.created])).toEqual([['hr', 'ok', 2], ['gone', 'failed', 0], ['partners', 'ok', 2]]);
    expect(told).toEqual([
      { source: 'hr', runs: ['hr:ok'] },
      { source: 'gone', runs: ['hr:ok', 'gone:failed'] },
      { source: 'partners', runs: ['hr:ok', 'gone:failed', 'partners:ok'] },
    ]);
    expect(report.pools).toEqual([expect.objectContaining({ name: 'primary', seats: 3, used: 3, waiting: 1 })]);
  });
});
