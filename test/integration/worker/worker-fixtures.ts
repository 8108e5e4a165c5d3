// Shared by the worker, HTTP and container tests: config files on disk (the worker re-reads its file),
// unique Redis prefixes, `seatsync run` as a child process, and polling of state that lives in another
// process (the database, Redis).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { tokenHash } from '../../../src/http/auth.ts';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { migrate } from '../../../src/store/migrations.ts';
import type { RunningWorker, StartWorkerOptions } from '../../../src/worker.ts';
import { BIN } from '../../support/cli.ts';
import { aConfigYaml, csvOf, type ConfigYamlOptions, type CsvPerson } from '../../support/config-builder.ts';

export const REDIS_URL = process.env.SEATSYNC_TEST_REDIS ?? 'redis://127.0.0.1:6379';
export const ADMIN_TOKEN = 'admin-token-for-tests';
export const READ_TOKEN = 'read-token-for-tests';

/** Fails with what to install when Redis is not there (tests never skip). */
export async function requireRedis(): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${REDIS_URL} (${(error as Error).message}). Install and start it: ` +
        'apt-get install redis-server && redis-server --daemonize yes (or set SEATSYNC_TEST_REDIS).',
      { cause: error },
    );
  } finally {
    redis.disconnect();
  }
}

export function uniquePrefix(name: string): string {
  return `sstest-${name}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key of a test's prefix (queues, locks). */
export async function clearPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** `aConfigYaml`'s options, with the database named (null: the embedded one) and the worker's Redis prefix and HTTP port. */
export type WorkerConfigOptions = Omit<ConfigYamlOptions, 'redis'> &
  Required<Pick<ConfigYamlOptions, 'databaseUrl'>> & {
    readonly prefix: string;
    /**
     * Default 0: a port the system picks when the worker listens, which no other process can take
     * meanwhile; the worker's `url` (`startWorker`, `spawnWorker(…).started`) says which.
     */
    readonly port?: number;
    /** Redis of its own (default: the suite's, REDIS_URL). */
    readonly redisUrl?: string;
  };

/** The config file the worker tests run with: `aConfigYaml`'s, with the HTTP API on `port` (default 0) and its two tokens. */
export function workerConfigYaml(o: WorkerConfigOptions): string {
  const { prefix, port, redisUrl, extra, ...config } = o;
  const http = [
    'http:',
    '  host: 127.0.0.1',
    `  port: ${port ?? 0}`,
    '  tokens:',
    `    - { name: ops, sha256: ${tokenHash(ADMIN_TOKEN)}, role: admin }`,
    `    - { name: viewer, sha256: ${tokenHash(READ_TOKEN)}, role: read }`,
  ];
  return aConfigYaml({ ...config, redis: { url: redisUrl ?? REDIS_URL, prefix }, extra: [...http, extra ?? ''].filter((l) => l !== '').join('\n') });
}

/** A folder with `seatsync.yaml` (rewritable: the worker re-reads it) and CSV files. */
export interface ConfigDir {
  readonly dir: string;
  readonly configPath: string;
  writeConfig(options: WorkerConfigOptions): void;
  writeCsv(name: string, people: readonly CsvPerson[]): string;
}

export function aConfigDir(): ConfigDir {
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-worker-'));
  const configPath = join(dir, 'seatsync.yaml');
  return {
    dir,
    configPath,
    writeConfig: (options) => writeFileSync(configPath, workerConfigYaml(options)),
    writeCsv(name, people) {
      // Written beside and renamed, so a run reading the file meanwhile sees the old or the new one.
      const path = join(dir, `${name}.csv`);
      writeFileSync(`${path}.tmp`, csvOf(people));
      renameSync(`${path}.tmp`, path);
      return path;
    },
  };
}

/** `n` people with ids `<prefix>000001…`, created a minute apart. */
export function manyPeople(n: number, idPrefix = 'p'): CsvPerson[] {
  const start = Date.UTC(2020, 0, 1);
  return Array.from({ length: n }, (_, i) => {
    const id = `${idPrefix}${String(i + 1).padStart(6, '0')}`;
    return { id, username: id, createdAt: new Date(start + i * 60_000).toISOString() };
  });
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  /**
   * Resolves once the worker logged that it started, with the `url` it logged: where its HTTP server
   * listens (`http://127.0.0.1:PORT`). Rejects if it exits before.
   */
  readonly started: Promise<string>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  logs(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `seatsync run --config PATH` as a child process, as the container runs it. */
export function spawnWorker(configPath: string, options: { args?: readonly string[]; env?: NodeJS.ProcessEnv } = {}): WorkerProcess {
  const child = spawn(process.execPath, [BIN, 'run', '--config', configPath, ...(options.args ?? [])], {
    env: { ...process.env, SEATSYNC_LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let onLine: (line: string) => void = () => undefined;
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const started = new Promise<string>((resolve, reject) => {
    onLine = (line) => {
      if (line.includes('"msg":"seatsync worker started"')) resolve((JSON.parse(line) as { url: string }).url);
    };
    void exited.then((code) => reject(new Error(`seatsync run exited with ${code} before starting:\n${output}`)));
  });
  started.catch(() => undefined);
  let pending = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return {
    child,
    started,
    exited,
    logs: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `probe` until it returns a value (not null/undefined/false); for state owned by another process. */
export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, options: { what: string; timeoutMs?: number; everyMs?: number }): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== null && value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 100));
  }
}

/** The `database` of an in-process worker: PostgreSQL at `url`, migrated when the worker opens it. */
export function migratedPostgres(url: string): StartWorkerOptions['database'] {
  let opened: Database | null = null;
  return {
    open: async () => {
      opened = await openDatabase({ url, dataDir: 'unused' });
      await migrate(opened);
      return opened;
    },
    close: async () => opened?.close(),
  };
}

/** `fetch` with a bearer token against a worker's HTTP server. */
export function api(base: string, token: string | null = ADMIN_TOKEN) {
  /** `body` goes as JSON; `raw` as it is, with its content type (a body the API should refuse). */
  return async (
    path: string,
    init: { method?: string; body?: unknown; raw?: { readonly contentType: string; readonly text: string } } = {},
  ): Promise<{ status: number; body: unknown; text: string; headers: Headers }> => {
    const sent = init.raw ?? (init.body === undefined ? null : { contentType: 'application/json', text: JSON.stringify(init.body) });
    const response = await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(sent ? { 'content-type': sent.contentType } : {}),
      },
      ...(sent ? { body: sent.text } : {}),
    });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    return { status: response.status, body, text, headers: response.headers };
  };
}

/**
 * A worker started in this process on `services`' config file and PostgreSQL, with the messages it logs
 * (info and up); `configPollMs`: how often it re-reads the file (by default, as the worker does).
 */
export async function startLoggedWorker(
  services: { readonly dir: Pick<ConfigDir, 'configPath'>; readonly postgresUrl: string },
  options: Pick<StartWorkerOptions, 'configPollMs'> = {},
): Promise<{ worker: RunningWorker; messages: () => string[] }> {
  const [{ startWorker }, { loadConfig }, { createLogger }, { capturedLog, logLines }] = await Promise.all([
    import('../../../src/worker.ts'), import('../../../src/config/index.ts'), import('../../../src/logging.ts'), import('../../support/log-lines.ts'),
  ]);
  const log = capturedLog();
  const worker = await startWorker({
    config: await loadConfig({ path: services.dir.configPath }),
    logger: createLogger({ level: 'info', destination: log.destination }),
    database: migratedPostgres(services.postgresUrl),
    shutdownTimeoutMs: 5_000,
    ...options,
  });
  return { worker, messages: () => logLines(log.text()).map((line) => line.msg) };
}
