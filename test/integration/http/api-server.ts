// A small `seatsync run` for the API's contract and fuzz tests: real PostgreSQL and Redis, the worker
// in this process, two file sources synced once through the API (hr: 6 people; crm: the first two of
// them again, so `u000001` is an ambiguous reference), 3 seats. With `everyShape`, more happens after
// that (see `produceEveryShape`), so that every optional part of the API's answers has something to show.
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import type { SyncJobState, SyncJobView } from '../../../jobs/job-view.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { startWorker } from '../../../src/worker.ts';
import { closedPort } from '../../support/closed-port.ts';
import { csvOf, type CsvPerson } from '../../support/config-builder.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import { TestScimServer } from '../../support/scim/scim-server.ts';
import { createTestCa } from '../../support/test-ca.ts';
import { scimTargetYaml } from '../targets/target-fixture.ts';
import {
  ADMIN_TOKEN, aConfigDir, api, clearPrefix, manyPeople, migratedPostgres, READ_TOKEN, requireRedis, uniquePrefix, waitFor,
  type ConfigDir, type WorkerConfigOptions,
} from '../worker/worker-fixtures.ts';

export type ApiClient = ReturnType<typeof api>;

export interface ApiServer {
  readonly url: string;
  readonly admin: ApiClient;
  readonly reader: ApiClient;
  readonly anonymous: ApiClient;
  /** The job id of the first sync (hr), and the id of the run it recorded. */
  readonly firstJobId: string;
  readonly firstRunId: string;
  /** The worker's config file, for running the CLI against the same database. */
  readonly configPath: string;
  /** The worker's database and Redis prefix, for reading what it holds. */
  readonly databaseUrl: string;
  readonly prefix: string;
  /** With `everyShape`, the job ids of its syncs: lab's failed one, crm's held one, hr's dry run and the run it previewed. */
  readonly jobs: Readonly<Partial<Record<'failed' | 'held' | 'dryRun' | 'applied', string>>>;
  /** With `everyShape`, the ids of the runs those jobs recorded (a dry run records none). */
  readonly runs: Readonly<Partial<Record<'failed' | 'held' | 'applied', string>>>;
  stop(): Promise<void>;
}

/** Queues a sync through the API and waits for its job to end in `expected` (default completed). */
async function syncThroughApi(admin: ApiClient, body: { source: string; dryRun?: boolean }, expected: SyncJobState = 'completed'): Promise<string> {
  const accepted = await admin('/api/v1/syncs', { method: 'POST', body });
  if (accepted.status !== 202) throw new Error(`POST /api/v1/syncs answered ${accepted.status}: ${accepted.text}`);
  const id = (accepted.body as { id: string }).id;
  const state = await waitFor(async () => {
    const view = await admin(`/api/v1/syncs/${id}`);
    if (view.status !== 200) throw new Error(`GET /api/v1/syncs/${id} answered ${view.status}: ${view.text}`);
    const { state } = view.body as SyncJobView;
    return (state === 'completed' || state === 'failed') && state;
  }, { what: `the ${body.source} sync` });
  if (state !== expected) throw new Error(`the ${body.source} sync ended ${state}, not ${expected}`);
  return id;
}

/** The id of `source`'s latest run: the one the sync that just ended recorded, while no other sync of it runs. */
async function latestRunOf(admin: ApiClient, source: string): Promise<string> {
  const res = await admin(`/api/v1/syncs?source=${source}&limit=1`);
  const run = (res.body as { runs?: { id: string }[] }).runs?.[0];
  if (res.status !== 200 || !run) throw new Error(`GET /api/v1/syncs?source=${source} answered ${res.status} without a run: ${res.text}`);
  return run.id;
}

export async function startApiServer(name: string, options: { everyShape?: boolean } = {}): Promise<ApiServer> {
  await requireRedis();
  const prefix = uniquePrefix(name);
  const dir = aConfigDir();
  const [pg, shapes] = await Promise.all([createPostgresDatabase(), options.everyShape ? shapeServices(dir) : null]);
  const hr = dir.writeCsv('hr', manyPeople(6, 'u'));
  const crm = dir.writeCsv('crm', manyPeople(2, 'u'));
  const base: WorkerConfigOptions = { databaseUrl: pg.url, prefix, sources: { hr, crm }, seats: { primary: 3 } };
  dir.writeConfig(shapes ? shapes.config(base, {}) : base);
  const config = await loadConfig({ path: dir.configPath });
  const worker = await startWorker({
    config,
    // Errors only: a 500 in these tests shows its cause.
    logger: pino({ level: 'error' }),
    database: migratedPostgres(pg.url),
  });
  const admin = api(worker.url, ADMIN_TOKEN);
  const firstJobId = await syncThroughApi(admin, { source: 'hr' });
  const firstRunId = await latestRunOf(admin, 'hr');
  await syncThroughApi(admin, { source: 'crm' });
  const { jobs, runs } = shapes ? await produceEveryShape(admin, dir, (policy) => dir.writeConfig(shapes.config(base, policy))) : { jobs: {}, runs: {} };
  return {
    url: worker.url,
    admin,
    reader: api(worker.url, READ_TOKEN),
    anonymous: api(worker.url, null),
    firstJobId,
    firstRunId,
    configPath: dir.configPath,
    databaseUrl: pg.url,
    prefix,
    jobs,
    runs,
    async stop() {
      await worker.stop();
      await shapes?.stop();
      await pg.drop();
      await clearPrefix(prefix);
    },
  };
}

/** What `everyShape`'s config changes: grace, seats, and whether the source `old` was taken out of it. */
interface ShapePolicy {
  readonly graceDays?: number;
  readonly seats?: number;
  readonly oldRetired?: boolean;
}

/**
 * For `everyShape`: a third source `lab` whose file is missing (its runs fail), a schedule that fires
 * on 1 January only (each source has a next run), a source `old` (one person) until the config takes it
 * out (its account stays: an unconfigured source in the status), and three targets: a SCIM application (reconciled at once:
 * drift), a webhook receiver that takes every delivery and one that is not there (an error).
 */
async function shapeServices(dir: ConfigDir) {
  const ca = await createTestCa(join(dir.dir, 'ca'));
  const scim = await TestScimServer.start(ca);
  const receiver: Server = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  const targets = [
    'targets:',
    scimTargetYaml(scim, ca),
    `  - { name: hooks, kind: webhook, url: "http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks", secret: "${secret}" }`,
    `  - { name: away, kind: webhook, url: "http://127.0.0.1:${await closedPort()}/hooks", secret: "${secret}", timeout: 1s }`,
  ];
  return {
    config: (base: WorkerConfigOptions, policy: ShapePolicy): WorkerConfigOptions => ({
      ...base,
      sources: { ...base.sources, lab: join(dir.dir, 'lab.csv'), ...(policy.oldRetired ? {} : { old: dir.writeCsv('old', manyPeople(1, 'o')) }) },
      seats: { primary: policy.seats ?? 3 },
      schedule: '"0 3 1 1 *"',
      policy: { graceDays: policy.graceDays },
      extra: targets.join('\n'),
    }),
    async stop() {
      receiver.close();
      await scim.close();
    },
  };
}

/**
 * hr's CSV: `people`, three unreadable rows (u000076 without a username, its email, the username then, with a
 * NUL; u000077 short of fields; u000078 with a bad date) and u000079, whose display name is not UTF-8.
 */
function writeHr(dir: ConfigDir, people: readonly CsvPerson[]): void {
  const rows = Buffer.concat([
    Buffer.from(csvOf(people)),
    Buffer.from('u000076,,u000076\u0000@example.test,No username,true,,,\nu000077,two-fields\nu000078,u000078,u000078@example.test,Bad date,true,not-a-date,,\nu000079,u000079,,'),
    Buffer.from([0x4e, 0xe9, 0x65]),
    Buffer.from(',true,,,\n'),
  ]);
  writeFileSync(join(dir.dir, 'hr.csv'), rows);
}

/**
 * After the first syncs (hr u000001-3 active, u000004-6 and crm's two blocked): a run of old (o000001
 * blocked), a failed run (lab), a held run (crm reads empty), a dry run and a real run of hr (u000003
 * disabled, its seat to u000004, u000007-8 new, unreadable rows, a repaired value), u000002 suspended and
 * u000007 protected (it takes a holder's seat), and, with seats shrunk to 2, 7 days of grace and old taken
 * out of the config, runs that block a holder (pool-shrunk), remove u000008 and give the newcomer u000009
 * grace. Waits for every sync to end and for the targets' deliveries, failures and the SCIM reconcile.
 */
async function produceEveryShape(admin: ApiClient, dir: ConfigDir, rewriteConfig: (policy: ShapePolicy) => void) {
  await syncThroughApi(admin, { source: 'old' });
  const failed = await syncThroughApi(admin, { source: 'lab' }, 'failed');
  const failedRun = await latestRunOf(admin, 'lab');
  dir.writeCsv('crm', []);
  const held = await syncThroughApi(admin, { source: 'crm' });
  const heldRun = await latestRunOf(admin, 'crm');
  const people = manyPeople(9, 'u');
  const hrNow = [...people.slice(0, 2), { ...people[2]!, enabled: false }, ...people.slice(3, 8)];
  writeHr(dir, hrNow);
  const dryRun = await syncThroughApi(admin, { source: 'hr', dryRun: true });
  const applied = await syncThroughApi(admin, { source: 'hr' });
  const appliedRun = await latestRunOf(admin, 'hr');
  for (const [account, action, body] of [['2', 'block', { reason: 'left the project' }], ['u000007', 'protect', {}]] as const) {
    const res = await admin(`/api/v1/accounts/${account}/${action}`, { method: 'POST', body });
    if (res.status !== 200) throw new Error(`${action} ${account} answered ${res.status}: ${res.text}`);
  }
  writeHr(dir, [...hrNow.filter((p) => p.id !== 'u000008'), people[8]!]);
  // A new pool size also queues a sync of every source (trigger `config`); this one follows it.
  rewriteConfig({ graceDays: 7, seats: 2, oldRetired: true });
  await waitFor(async () => ((await admin('/api/v1/status')).body as { pools: { seats: number }[] }).pools[0]?.seats === 2, { what: 'the worker to read its new config' });
  await syncThroughApi(admin, { source: 'hr' });
  await waitFor(async () => {
    const { jobs } = (await admin('/api/v1/syncs?limit=50')).body as { jobs: SyncJobView[] };
    return jobs.every((j) => j.state === 'completed' || j.state === 'failed');
  }, { what: 'every queued sync to end' });
  await waitFor(async () => {
    const { targets } = (await admin('/api/v1/status')).body as { targets: { name: string; lastDeliveryAt: string | null; lastError: string | null; lastReconcileAt: string | null }[] };
    const target = (name: string) => targets.find((t) => t.name === name);
    return target('hooks')?.lastDeliveryAt && target('away')?.lastError && target('app')?.lastReconcileAt;
  }, { what: 'the targets to be delivered to, to fail and to be reconciled' });
  return { jobs: { failed, held, dryRun, applied }, runs: { failed: failedRun, held: heldRun, applied: appliedRun } };
}
