// A private PostgreSQL server for tests that stop and restart it (the machine's server is shared by the
// whole suite): Debian's server binaries, a cluster made by initdb in a temp dir, a random free port.
// `crash()` is an immediate shutdown (SIGQUIT: no checkpoint, crash recovery at the next start), as when
// the server or its host goes down mid-run. Needs Debian's `postgresql` package (its binaries under
// /usr/lib/postgresql/<version>/bin). As root, the server runs as the `postgres` user.
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, stopProcess, waitForPort } from './openldap.ts';

const INSTALL_HINT = 'apt-get install -y postgresql (the server binaries, under /usr/lib/postgresql/<version>/bin)';

export interface PrivatePostgres {
  /** Superuser URL of its `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** Starts the server again after `crash()` or `stop()`. */
  start(): Promise<void>;
  /** Immediate shutdown: every connection is cut, nothing is flushed beyond what was committed. */
  crash(): Promise<void>;
  /** Stops the server and removes its files. */
  close(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`PostgreSQL server binaries not found under ${root}: ${INSTALL_HINT}`);
  return join(root, newest, 'bin');
}

/** Spawn options that run the child as `postgres` when this process is root (initdb and postgres refuse root). */
function asServerUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  // /etc/passwd: name:x:uid:gid:…
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`no "postgres" user on this machine: ${INSTALL_HINT}`);
  return { uid: Number(uid), gid: Number(gid) };
}

function run(command: string, args: readonly string[], options: { uid?: number; gid?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} failed (${code}):\n${output}`))));
  });
}

/** The port answers before the server takes connections (startup, crash recovery): wait for a query. */
async function waitUntilReady(server: ChildProcess & { output: () => string }, port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`private PostgreSQL not ready on ${port}: ${String(error)}\n${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const user = asServerUser();
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-pg-'));
  if (user.uid !== undefined && user.gid !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'], user);
  const port = await freePort('127.0.0.1');
  let server: (ChildProcess & { output: () => string }) | null = null;

  const start = async (): Promise<void> => {
    const child = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off'],
      { ...user, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const killOnExit = (): void => {
      child.kill('SIGQUIT');
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    server = Object.assign(child, { output: () => output });
    await waitForPort(server, '127.0.0.1', port, 30_000);
    await waitUntilReady(server, port);
  };

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    const child = server;
    server = null;
    if (child !== null) await stopProcess(child, signal);
  };

  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    crash: () => stopWith('SIGQUIT'),
    async close() {
      await stopWith('SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
