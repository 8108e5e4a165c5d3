// What `seatsync check` tests besides the sources and mail: the database (it answers, its schema is
// one this build can use) and Redis (it answers, it will not evict queued jobs). Each step says what
// was tested and what was found. The database is opened once: the sources' dry runs use it too.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { closeRedis, connectRedis, readEvictionPolicy } from '../../jobs/redis.ts';
import type { SeatsyncConfig } from '../config/types.ts';
import { openDatabase, redactUrl, type Database } from '../store/db.ts';
import { MIGRATIONS, migrationState } from '../store/migrations.ts';
import { withDeadline } from '../deadline.ts';
import { formatCount } from '../domain/counted.ts';

export interface CheckStep {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ServiceCheck {
  readonly ok: boolean;
  readonly steps: readonly CheckStep[];
}

/** How long each service may take to answer before the check calls it unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function result(steps: CheckStep[]): ServiceCheck {
  return { ok: steps.every((s) => s.ok), steps };
}

function migrationsStep({ pending, unknown }: Awaited<ReturnType<typeof migrationState>>): CheckStep {
  if (unknown.length > 0) {
    return { name: 'migrations', ok: false, detail: `the database has migrations ${unknown.join(', ')} that this seatsync does not know: it was migrated by a newer version; run that version` };
  }
  if (pending.length > 0) {
    const names = pending.map((m) => `${m.version} ${m.name}`).join(', ');
    return { name: 'migrations', ok: true, detail: `${formatCount(MIGRATIONS.length - pending.length)} of ${formatCount(MIGRATIONS.length)} applied; ${names} will be applied when seatsync next starts` };
  }
  return { name: 'migrations', ok: true, detail: `current (all ${formatCount(MIGRATIONS.length)} applied)` };
}

/** The database's check, and the database when it answered, left open for the dry runs (the caller closes it). */
export interface DatabaseCheck {
  readonly check: ServiceCheck & { readonly kind: 'postgres' | 'pglite' };
  /** Null when it failed to open, or when the embedded one is not created yet (`check.ok` tells which). */
  readonly open: { readonly db: Database; readonly pendingMigrations: number } | null;
}

/** Connects (without migrating: a check changes nothing) and compares the applied migrations with this build's. */
export async function checkDatabase(config: SeatsyncConfig): Promise<DatabaseCheck> {
  const { url } = config.database;
  const location = path.resolve(config.dataDir, 'pglite');
  const embedded = `embedded database at ${location}`;
  if (url === null && !existsSync(location)) {
    return { check: { kind: 'pglite', ...result([{ name: 'connect', ok: true, detail: `${embedded} not created yet: the first sync or run creates it` }]) }, open: null };
  }
  let db: Database | null = null;
  const opening = openDatabase({ url, dataDir: config.dataDir });
  try {
    db = await withTimeout(opening, 'the database');
    const version = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    const where = url === null ? embedded : redactUrl(url);
    const migrations = await migrationState(db);
    const steps = [{ name: 'connect', ok: true, detail: `${where} (PostgreSQL ${version.rows[0]?.v ?? '?'})` }, migrationsStep(migrations)];
    return { check: { kind: db.kind, ...result(steps) }, open: { db, pendingMigrations: migrations.pending.length } };
  } catch (error) {
    // A database that opens after the deadline is closed when it does, not left holding the process open.
    if (db === null) void opening.then((late) => late.close()).catch(() => undefined);
    await db?.close().catch(() => undefined);
    return { check: { kind: url === null ? 'pglite' : 'postgres', ...result([{ name: 'connect', ok: false, detail: messageOf(error) }]) }, open: null };
  }
}

function evictionStep(read: Awaited<ReturnType<typeof readEvictionPolicy>>): CheckStep {
  if ('unreadable' in read) {
    return { name: 'maxmemory-policy', ok: true, detail: `not readable (${read.unreadable.message}); make sure it is noeviction` };
  }
  if (read.policy === 'noeviction') return { name: 'maxmemory-policy', ok: true, detail: 'noeviction' };
  return {
    name: 'maxmemory-policy',
    ok: false,
    detail: `"${read.policy ?? '?'}": Redis may evict queued jobs under memory pressure; set maxmemory-policy noeviction`,
  };
}

/** Connects to the worker's Redis and reads its eviction policy (BullMQ needs noeviction). */
export async function checkRedis(config: SeatsyncConfig): Promise<ServiceCheck> {
  try {
    const redis = await connectRedis(config.redis.url, { name: 'seatsync-check', connectTimeoutMs: CONNECT_TIMEOUT_MS });
    try {
      const info = await redis.info('server');
      const version = /^redis_version:(\S+)/m.exec(info)?.[1] ?? '?';
      const connect: CheckStep = { name: 'connect', ok: true, detail: `${redactUrl(config.redis.url)} (Redis ${version}), key prefix ${config.redis.prefix}` };
      return result([connect, evictionStep(await readEvictionPolicy(redis))]);
    } finally {
      await closeRedis(redis);
    }
  } catch (error) {
    return result([{ name: 'connect', ok: false, detail: messageOf(error) }]);
  }
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return withDeadline(promise, CONNECT_TIMEOUT_MS, () => new Error(`${what} did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`));
}
