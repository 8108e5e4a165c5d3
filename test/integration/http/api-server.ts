// A small `seatsync run` for the API's contract and fuzz tests: real PostgreSQL and Redis, the worker
// in this process, two file sources synced once through the API (hr: 6 people; crm: the first two of
// them again, so `u000001` is an ambiguous reference), 3 seats.
import { pino } from 'pino';
import type { SyncJobView } from '../../../jobs/job-view.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { startWorker } from '../../../src/worker.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import {
  ADMIN_TOKEN, aConfigDir, api, clearPrefix, freePort, manyPeople, migratedPostgres, READ_TOKEN, requireRedis, uniquePrefix, waitFor,
} from '../worker/worker-fixtures.ts';

export type ApiClient = ReturnType<typeof api>;

export interface ApiServer {
  readonly url: string;
  readonly admin: ApiClient;
  readonly reader: ApiClient;
  readonly anonymous: ApiClient;
  /** The job id of the first sync (hr). */
  readonly firstJobId: string;
  /** The worker's config file, for running the CLI against the same database. */
  readonly configPath: string;
  stop(): Promise<void>;
}

async function syncThroughApi(admin: ApiClient, source: string): Promise<string> {
  const accepted = await admin('/api/v1/syncs', { method: 'POST', body: { source } });
  if (accepted.status !== 202) throw new Error(`POST /api/v1/syncs answered ${accepted.status}: ${accepted.text}`);
  const id = (accepted.body as { id: string }).id;
  await waitFor(async () => {
    const view = await admin(`/api/v1/syncs/${id}`);
    if (view.status !== 200) throw new Error(`GET /api/v1/syncs/${id} answered ${view.status}: ${view.text}`);
    return (view.body as SyncJobView).state === 'completed';
  }, { what: `the ${source} sync` });
  return id;
}

export async function startApiServer(name: string): Promise<ApiServer> {
  await requireRedis();
  const prefix = uniquePrefix(name);
  const pg = await createPostgresDatabase();
  const dir = aConfigDir();
  const hr = dir.writeCsv('hr', manyPeople(6, 'u'));
  const crm = dir.writeCsv('crm', manyPeople(2, 'u'));
  dir.writeConfig({ databaseUrl: pg.url, prefix, port: await freePort(), sources: { hr, crm }, seats: { primary: 3 } });
  const config = await loadConfig({ path: dir.configPath });
  const worker = await startWorker({
    config,
    // Errors only: a 500 in these tests shows its cause.
    logger: pino({ level: 'error' }),
    database: migratedPostgres(pg.url),
  });
  const admin = api(worker.url, ADMIN_TOKEN);
  const firstJobId = await syncThroughApi(admin, 'hr');
  await syncThroughApi(admin, 'crm');
  return {
    url: worker.url,
    admin,
    reader: api(worker.url, READ_TOKEN),
    anonymous: api(worker.url, null),
    firstJobId,
    configPath: dir.configPath,
    async stop() {
      await worker.stop();
      await pg.drop();
      await clearPrefix(prefix);
    },
  };
}
