// SPEC §8, manual resync latency: `seatsync run` as a process (PostgreSQL, Redis, one small
// file source, schedules off) and an idle worker; BENCH_TRIGGERS times (default 50): `POST /api/v1/syncs`,
// then the job's start as BullMQ records it (`startedAt` = processedOn, set by the worker when it takes
// the job), then wait for the job to finish so the worker is idle again. Target: p95 under 200 ms.
// Floor: an authenticated `GET /api/v1/syncs/<id>` round trip to the same server (HTTP + auth + Redis),
// the least any API-triggered action costs; measured in the same run.
//
//   node bench/resync-latency.ts        (BENCH_TRIGGERS)
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { createPostgresDatabase } from '../test/support/databases.ts';
import {
  aConfigDir, api, clearPrefix, manyPeople, requireRedis, spawnWorker, uniquePrefix, waitFor,
} from '../test/integration/worker/worker-fixtures.ts';
import { report, roundTurn } from './support.ts';

const TRIGGERS = Number(process.env.BENCH_TRIGGERS ?? 50);

interface JobView {
  readonly state: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  await requireRedis();
  const prefix = uniquePrefix('bench-latency');
  const pg = await createPostgresDatabase();
  const dir = aConfigDir();
  dir.writeConfig({ databaseUrl: pg.url, prefix, sources: { hr: dir.writeCsv('hr', manyPeople(20)) }, seats: { primary: 10 } });
  // At info: its start line says where it listens (http.port 0). A job logs after it started, and the
  // next trigger waits for the job to finish, so the lines are not in what is measured.
  const worker = spawnWorker(dir.configPath);
  try {
    const call = api(await worker.started);
    const latencies: number[] = [];
    const floors: number[] = [];
    for (let i = 0; i < TRIGGERS + 1; i += 1) {
      await roundTurn();
      const sentAt = Date.now();
      const posted = await call('/api/v1/syncs', { method: 'POST', body: {} });
      if (posted.status !== 202) throw new Error(`POST /api/v1/syncs answered ${posted.status}: ${posted.text}`);
      const id = (posted.body as { id: string }).id;
      const job = await waitFor(
        async () => {
          const view = (await call(`/api/v1/syncs/${id}`)).body as JobView;
          return view.state === 'completed' || view.state === 'failed' ? view : null;
        },
        { what: `job ${id} to finish`, everyMs: 20 },
      );
      if (job.state !== 'completed' || job.startedAt === null) throw new Error(`job ${id} did not complete: ${JSON.stringify(job)}`);
      const started = performance.now();
      await call(`/api/v1/syncs/${id}`);
      const floorMs = performance.now() - started;
      // The first trigger warms up the worker's code paths and connections; it is not counted.
      if (i === 0) continue;
      latencies.push(Date.parse(job.startedAt) - sentAt);
      floors.push(floorMs);
    }
    const p95 = percentile(latencies, 95);
    report('resync-latency', [
      {
        name: `manual resync: POST /api/v1/syncs → job started, idle worker, p95 of ${TRIGGERS}`,
        value: p95,
        floorValue: percentile(floors, 95),
        floor: 'authenticated GET /api/v1/syncs/<id> round trip, p95',
        target: { max: 200 },
        samples: latencies,
        floorSamples: floors,
        extra: { p50Ms: percentile(latencies, 50) },
      },
    ]);
  } finally {
    await worker.stop('SIGTERM');
    await clearPrefix(prefix);
    await pg.drop();
    rmSync(dir.dir, { recursive: true, force: true });
  }
}

await main();
