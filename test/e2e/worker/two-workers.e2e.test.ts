// Two `seatsync run` processes on one Redis and one PostgreSQL, fed many overlapping sync requests for
// two sources that share a pool while the directory keeps changing: the database must show that no
// source ever had two runs at once and that the pool was never oversubscribed, at any moment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueSync, type SyncQueue } from '../../../jobs/enqueue.ts';
import { findSyncJob } from '../../../jobs/job-view.ts';
import type { SyncJobData } from '../../../jobs/names.ts';
import type { Database } from '../../../src/store/db.ts';
import type { CsvPerson } from '../../support/config-builder.ts';
import { aConfigDir, manyPeople, spawnWorker, waitFor, type WorkerProcess } from '../../integration/worker/worker-fixtures.ts';
import { workerServicesOf } from '../../integration/worker/worker-services.ts';

const SEATS = 1_500;
const PER_SOURCE = 2_000;
const ROUNDS = 4;

interface RunRow {
  id: string;
  source: string;
  status: string;
  started: Date;
  finished: Date | null;
}

/** Every k-th person disabled, a different k each round: seats keep moving between the sources. */
function round(list: readonly CsvPerson[], k: number): CsvPerson[] {
  return list.map((p, i) => ({ ...p, enabled: i % k !== 0 }));
}

describe('two workers on one Redis and one database', () => {
  const services = workerServicesOf('two');
  let db: Database;
  let queue: SyncQueue;
  const workers: WorkerProcess[] = [];
  const maxUsedSeen: number[] = [];
  let runs: RunRow[] = [];

  beforeAll(async () => {
    ({ db, syncQueue: queue } = services);
    const hrPeople = manyPeople(PER_SOURCE, 'h');
    const crmPeople = manyPeople(PER_SOURCE, 'c');
    const shared = services.dir;
    const csv = { hr: shared.writeCsv('hr', hrPeople), crm: shared.writeCsv('crm', crmPeople) };
    // Same config, except each process has its own HTTP port.
    for (let i = 0; i < 2; i += 1) {
      const dir = aConfigDir();
      // Each round disables a third or more of a source: allowed here, so that every run applies.
      dir.writeConfig({ ...(await services.configOptions()), sources: csv, seats: { primary: SEATS }, policy: { maxRemovals: '60%' } });
      workers.push(spawnWorker(dir.configPath, { args: ['--concurrency', '2'] }));
    }
    await Promise.all(workers.map((w) => w.started));

    // Watch the pool from outside while everything runs: committed state only, as any reader sees it.
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const used = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM accounts WHERE held ? 'primary'`);
        maxUsedSeen.push(used.rows[0]?.n ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();

    const ids: string[] = [];
    const request = async (data: Partial<SyncJobData>): Promise<void> => {
      const job = await enqueueSync(queue, { sources: [], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'test', ...data });
      ids.push(job.id);
    };
    for (let r = 0; r < ROUNDS; r += 1) {
      shared.writeCsv('hr', round(hrPeople, 3 + r));
      shared.writeCsv('crm', round(crmPeople, 6 - r));
      // Distinct requests (not coalesced with each other), all at once.
      await Promise.all([
        request({ sources: ['hr'] }),
        request({ sources: ['crm'] }),
        request({ sources: ['hr'], forceFull: true }),
        request({ sources: ['crm'], forceFull: true }),
        request({ sources: ['crm', 'hr'] }),
        request({}),
        request({ sources: ['hr'], dryRun: true }),
      ]);
      await waitFor(async () => ((await queue.getJobCounts('wait', 'active')).active ?? 0) > 0, { what: 'a job to start' });
    }
    for (const id of new Set(ids)) {
      await waitFor(async () => {
        const view = await findSyncJob(queue, id);
        return view?.state === 'completed' || view?.state === 'failed' ? view : null;
      }, { what: `job ${id}`, timeoutMs: 240_000, everyMs: 200 });
    }
    watching = false;
    await watcher;
    runs = (await db.query<RunRow>('SELECT id::text AS id, source, status, started_at AS started, finished_at AS finished FROM runs ORDER BY runs.id')).rows;
  }, 300_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
  });

  it('ran every request to completion, on both workers', async () => {
    const failed = (await queue.getJobs(['failed'])).map((j) => j.failedReason);
    expect(failed).toEqual([]);
    expect(runs.length).toBeGreaterThanOrEqual(ROUNDS * 2);
    expect(runs.every((r) => r.status === 'ok')).toBe(true);
    for (const w of workers) expect(w.logs()).toContain('"msg":"sync started"');
    // The requests really competed for the sources.
    expect(workers.some((w) => w.logs().includes('another worker is syncing this source; waiting for it'))).toBe(true);
  });

  it('never ran one source twice at the same time', () => {
    for (const source of ['hr', 'crm']) {
      const own = runs.filter((r) => r.source === source);
      expect(own.length).toBeGreaterThan(0);
      for (let i = 1; i < own.length; i += 1) {
        expect(own[i]!.started.getTime()).toBeGreaterThanOrEqual(own[i - 1]!.finished!.getTime());
      }
    }
  });

  it('ran different sources at the same time (the lock is per source)', () => {
    const hr = runs.filter((r) => r.source === 'hr');
    const crm = runs.filter((r) => r.source === 'crm');
    const overlap = hr.some((a) => crm.some((b) => a.started < b.finished! && b.started < a.finished!));
    expect(overlap).toBe(true);
  });

  it('never oversubscribed the pool, at any moment or at the end', async () => {
    expect(maxUsedSeen.length).toBeGreaterThan(10);
    expect(Math.max(...maxUsedSeen)).toBeLessThanOrEqual(SEATS);
    const final = await db.query<{ used: number; waiting: number }>(
      `SELECT count(*) FILTER (WHERE held ? 'primary')::int AS used, count(*) FILTER (WHERE state = 'blocked')::int AS waiting FROM accounts`,
    );
    // The pool is full and the rest wait: 2 × 2,000 users minus the disabled of the last round.
    expect(final.rows[0]?.used).toBe(SEATS);
    expect(final.rows[0]?.waiting).toBeGreaterThan(0);
    // Every change was audited with one actor; no account holds a seat twice.
    const doubled = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM accounts WHERE jsonb_array_length(held) > 1`);
    expect(doubled.rows[0]?.n).toBe(0);
  });
});
