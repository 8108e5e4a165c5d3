// The services a worker test runs against, set up one way for test/e2e/worker and test/integration/worker:
// a PostgreSQL database of the test's own (on the suite's server, or on a private server it may crash and
// start again), Redis (the suite's, or a private server it may kill, freeze and start again empty), a
// unique key prefix, BullMQ's sync queue under it, and a folder for the config file and CSVs. Opened
// before the first test of the describe this is called in and closed after its last; a worker the tests
// start is theirs to stop, in an afterAll declared after this call (after hooks run in reverse order).
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { SyncQueue } from '../../../jobs/enqueue.ts';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.ts';
import { startPrivateRedis, type PrivateRedis } from '../../support/private-redis.ts';
import { aConfigDir, clearPrefix, REDIS_URL, requireRedis, uniquePrefix, type ConfigDir, type WorkerConfigOptions } from './worker-fixtures.ts';

export interface WorkerServicesOptions {
  /** `private`: a server of the test's own (`privatePostgres`), for tests that stop it. Default: a database on the suite's server. */
  readonly postgres?: 'shared' | 'private';
  /** `private`: a redis-server of the test's own (`privateRedis`), for tests that stop it. Default: the suite's (`REDIS_URL`). */
  readonly redis?: 'shared' | 'private';
}

export interface WorkerServices {
  /** The Redis key prefix of this describe's queues and locks, known at once. */
  readonly prefix: string;
  readonly dir: ConfigDir;
  readonly postgresUrl: string;
  /** A pool on the test database, for reading what the worker wrote. */
  readonly db: Database;
  readonly redisUrl: string;
  /** A connection to that Redis for BullMQ, opened the first time it is used. */
  readonly redis: Redis;
  /** BullMQ's sync queue under `prefix`, on that connection. */
  readonly syncQueue: SyncQueue;
  /** The private servers, when asked for. */
  readonly privatePostgres: PrivatePostgres;
  readonly privateRedis: PrivateRedis;
  /** The `n` of a query like `SELECT count(*)::int AS n FROM …` (-1: no row). */
  readonly count: (sql: string) => Promise<number>;
  /** What every worker config on these services says: the database, the prefix and Redis (the HTTP port: 0, the system picks it). */
  readonly configOptions: () => Promise<Pick<WorkerConfigOptions, 'databaseUrl' | 'prefix' | 'redisUrl'>>;
}

interface Opened {
  readonly dir: ConfigDir;
  readonly postgres: { url: string; close: () => Promise<void> } & { server?: PrivatePostgres };
  readonly db: Database;
  readonly redis: { url: string; server?: PrivateRedis };
  connection?: Redis;
  queue?: SyncQueue;
}

export function workerServicesOf(name: string, options: WorkerServicesOptions = {}): WorkerServices {
  const prefix = uniquePrefix(name);
  let opened: Opened | undefined;
  const steps: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    const redisServer = options.redis === 'private' ? await startPrivateRedis() : undefined;
    if (redisServer) steps.push(() => redisServer.stop());
    else await requireRedis();
    const postgres = await openPostgres(options.postgres ?? 'shared');
    steps.push(() => postgres.close());
    const db = await openDatabase({ url: postgres.url, dataDir: 'unused' });
    steps.push(() => db.close());
    opened = { dir: aConfigDir(), postgres, db, redis: { url: redisServer?.url ?? REDIS_URL, ...(redisServer ? { server: redisServer } : {}) } };
    // The suite's Redis outlives the test: its keys go (a private one goes whole).
    if (!redisServer) steps.push(() => clearPrefix(prefix));
  });

  // Every step runs, the last opened first, even when one fails; the first failure is reported.
  afterAll(async () => {
    opened = undefined;
    const failures: unknown[] = [];
    for (const step of steps.splice(0).reverse()) await Promise.resolve().then(step).catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  });

  const current = (): Opened => {
    if (opened === undefined) throw new Error('the worker services are open only in the hooks and tests of their describe');
    return opened;
  };
  const db = (): Database => current().db;
  const connection = (): Redis => {
    const open = current();
    if (!open.connection) {
      const redis = new Redis(open.redis.url, { maxRetriesPerRequest: null });
      steps.push(() => redis.disconnect());
      open.connection = redis;
    }
    return open.connection;
  };
  return {
    prefix,
    get dir() {
      return current().dir;
    },
    get postgresUrl() {
      return current().postgres.url;
    },
    get db() {
      return db();
    },
    get redisUrl() {
      return current().redis.url;
    },
    get redis() {
      return connection();
    },
    get syncQueue() {
      const open = current();
      if (!open.queue) {
        const queue: SyncQueue = new Queue('sync', { connection: connection(), prefix });
        steps.push(() => queue.close());
        open.queue = queue;
      }
      return open.queue;
    },
    get privatePostgres() {
      const server = current().postgres.server;
      if (!server) throw new Error("no private PostgreSQL: ask for workerServicesOf(name, { postgres: 'private' })");
      return server;
    },
    get privateRedis() {
      const server = current().redis.server;
      if (!server) throw new Error("no private Redis: ask for workerServicesOf(name, { redis: 'private' })");
      return server;
    },
    count: async (sql) => (await db().query<{ n: number }>(sql)).rows[0]?.n ?? -1,
    configOptions: async () => ({ databaseUrl: current().postgres.url, prefix, redisUrl: current().redis.url }),
  };
}

async function openPostgres(kind: 'shared' | 'private'): Promise<Opened['postgres']> {
  if (kind === 'shared') {
    const created = await createPostgresDatabase();
    return { url: created.url, close: created.drop };
  }
  const server = await startPrivatePostgres();
  return { url: server.url, close: () => server.close(), server };
}
