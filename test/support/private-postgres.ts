// A private PostgreSQL server for tests that stop and restart it (the machine's server is shared by the
// whole suite): Debian's server binaries, a cluster made by initdb in a temp dir, a spare port (ports.ts).
// `crash()` is an immediate shutdown (SIGQUIT: no checkpoint, crash recovery at the next start), as when
// the server or its host goes down mid-run. Needs Debian's `postgresql` package (its binaries under
// /usr/lib/postgresql/<version>/bin). As root, the server runs as the `postgres` user.
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess } from './openldap.ts';
import { retryOnPortTaken, SAME_PORT, serverReady, sparePort, type ServerSigns } from './ports.ts';

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

/** What postgres prints once it takes connections (after startup or crash recovery), and when its port is taken. */
export const POSTGRES_SIGNS: ServerSigns = { ready: /database system is ready to accept connections/, taken: /Address already in use/ };

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const user = asServerUser();
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-pg-'));
  if (user.uid !== undefined && user.gid !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'], user);
  let port = 0;
  let server: (ChildProcess & { output: () => string }) | null = null;

  const launch = async (): Promise<void> => {
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
    const started = Object.assign(child, { output: () => output });
    try {
      await serverReady(started, POSTGRES_SIGNS, 60_000);
    } catch (error) {
      await stopProcess(started, 'SIGQUIT');
      throw error;
    }
    server = started;
  };
  // First start: on a spare port, another one when it is taken meanwhile. Later starts: on the same port
  // (the URL the tests and workers were given), waiting while something else holds it.
  await retryOnPortTaken(async () => {
    port = await sparePort();
    await launch();
  });
  const start = (): Promise<void> => retryOnPortTaken(launch, SAME_PORT);

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    const child = server;
    server = null;
    if (child !== null) await stopProcess(child, signal);
  };

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
