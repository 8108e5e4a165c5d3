// Overlapping runs (as from several worker replicas) on real PostgreSQL: seat decisions are serialized
// by the advisory lock, so no pool is ever oversubscribed and no account is created twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionsFor, openDatabase, type Database } from '../../../src/store/db.ts';
import { migrate } from '../../../src/store/migrations.ts';
import { aConfig, aCsvFile, aFileSource, people } from '../../support/config-builder.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';

describe('overlapping runs on PostgreSQL', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>;
  const replicas: Database[] = [];

  beforeAll(async () => {
    created = await createPostgresDatabase();
    for (let i = 0; i < 4; i += 1) replicas.push(await openDatabase({ url: created.url, dataDir: 'unused' }));
    await Promise.all(replicas.map((db) => migrate(db))); // concurrent migrations are serialized too
  });
  afterAll(async () => {
    await Promise.all(replicas.map((db) => db.close()));
    await created.drop();
  });

  it('never oversubscribes a shared pool and creates each account once', async () => {
    const a = aCsvFile(people(60, 1));
    const b = aCsvFile(people(60, 101));
    const config = aConfig({
      sources: [aFileSource('east', a.path), aFileSource('west', b.path)],
      pools: [{ name: 'primary', seats: 45, notify: null }],
    });
    const runs = replicas.flatMap((db, i) =>
      ['east', 'west'].map(async (source) => (await syncWithAllocation(db, config, { sources: [source], trigger: `replica-${i}` })).report),
    );
    const reports = await Promise.all(runs);
    expect(reports.flatMap((r) => r.runs.map((run) => run.status))).toEqual(Array(8).fill('ok'));
    const db = replicas[0] as Database;
    const counts = await db.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM accounts GROUP BY state ORDER BY state');
    expect(counts.rows).toEqual([
      { state: 'active', n: 45 },
      { state: 'blocked', n: 75 },
    ]);
    const holders = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM accounts WHERE held ? 'primary'`);
    expect(holders.rows[0]?.n).toBe(45);
    // Exactly one activation and at most one block per account in the audit trail: no decision was taken twice.
    const audits = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit WHERE to_state = 'active'`);
    expect(audits.rows[0]?.n).toBe(45);
  });

  // One worker running `--concurrency 4`: each first sync holds a connection and loads its snapshot on a
  // second, so the pool is sized for both (a pool of 4 would leave all four runs waiting for ever).
  it('runs as many first syncs at once as the worker runs jobs, on one pool sized for them', async () => {
    const jobs = 4;
    const db = await openDatabase({ url: created.url, dataDir: 'unused', connections: connectionsFor(jobs) });
    try {
      const names = Array.from({ length: jobs }, (_, i) => `job${i}`);
      const config = aConfig({
        sources: names.map((name, i) => aFileSource(name, aCsvFile(people(20, 1_000 + 100 * i)).path)),
        pools: [{ name: 'primary', seats: 1_000, notify: null }],
      });
      const all = Promise.all(names.map(async (source) => (await syncWithAllocation(db, config, { sources: [source] })).report));
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), 20_000)));
      const reports = await Promise.race([all, stuck]).finally(() => clearTimeout(timer));
      expect(reports).not.toBe('stuck');
      expect(reports === 'stuck' ? [] : reports.flatMap((r) => r.runs.map((run) => [run.source, run.status, run.created]))).toEqual(names.map((n) => [n, 'ok', 20]));
    } finally {
      await db.close();
    }
  }, 60_000);
});
