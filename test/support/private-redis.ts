// A Redis server of a test's own on a spare port (the suite's shared Redis keeps its configuration and its
// data): `redis-server` with the given extra arguments, keeping nothing on disk, so `crash()` then `start()`
// brings it back empty, the worst case for a worker. `pause()` freezes it (SIGSTOP): connections stay
// open and nothing answers, as with a hung server.
import { closeRedis, connectRedis } from '../../jobs/redis.ts';
import { freePort } from '../integration/worker/worker-fixtures.ts';
import { spawnLogged, stopProcess, waitForPort } from './openldap.ts';

const INSTALL_HINT = 'apt-get install redis-server';

export interface PrivateRedis {
  readonly url: string;
  /** Starts the server again, empty, on the same port after `crash()`. */
  start(): Promise<void>;
  /** Kills the server (SIGKILL): every connection is cut and every key lost. */
  crash(): Promise<void>;
  /** Freezes the server until `resume()`. */
  pause(): void;
  resume(): void;
  /** Kills the server; the same as `crash()`, for an afterAll. */
  stop(): Promise<void>;
}

export async function startPrivateRedis(extraArgs: readonly string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: ReturnType<typeof spawnLogged> | null = null;

  const start = async (): Promise<void> => {
    const child = spawnLogged('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs]);
    const spawned = new Promise<never>((_resolve, reject) => child.once('error', (error) => reject(new Error(`cannot start redis-server (${INSTALL_HINT}): ${error.message}`))));
    server = child;
    await Promise.race([spawned, waitForPort(child, '127.0.0.1', port, 15_000)]);
    // The port answers a moment before the server takes commands.
    await closeRedis(await connectRedis(url, { name: 'probe' }));
  };
  const crash = async (): Promise<void> => {
    const child = server;
    server = null;
    if (child !== null) await stopProcess(child, 'SIGKILL');
  };

  await start();
  return {
    url,
    start,
    crash,
    pause: () => server?.kill('SIGSTOP'),
    resume: () => server?.kill('SIGCONT'),
    stop: crash,
  };
}
