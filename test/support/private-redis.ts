// A Redis server of a test's own on a spare port (see ports.ts; the suite's shared Redis keeps its
// configuration and its data): `redis-server` with the given extra arguments, keeping nothing on disk, so
// `crash()` then `start()` brings it back empty, the worst case for a worker. `pause()` freezes it
// (SIGSTOP): connections stay open and nothing answers, as with a hung server.
import { spawnLogged, stopProcess } from './openldap.ts';
import { retryOnPortTaken, SAME_PORT, serverReady, sparePort, type ServerSigns } from './ports.ts';

const INSTALL_HINT = 'apt-get install redis-server';

/** What redis-server prints once it listens and takes commands, and when its port is taken. */
export const REDIS_SIGNS: ServerSigns = { ready: /Ready to accept connections/, taken: /Address already in use/ };

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
  let port = 0;
  let server: ReturnType<typeof spawnLogged> | null = null;

  const launch = async (): Promise<void> => {
    const child = spawnLogged('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs]);
    const spawned = new Promise<never>((_resolve, reject) => child.once('error', (error) => reject(new Error(`cannot start redis-server (${INSTALL_HINT}): ${error.message}`))));
    spawned.catch(() => undefined);
    try {
      await Promise.race([spawned, serverReady(child, REDIS_SIGNS, 15_000)]);
    } catch (error) {
      if (child.pid !== undefined) await stopProcess(child, 'SIGKILL');
      throw error;
    }
    server = child;
  };
  const url = (): string => `redis://127.0.0.1:${port}`;
  // First start: on a spare port, another one when it is taken meanwhile. Later starts: on the same port
  // (the URL in the worker's config), waiting while something else holds it.
  await retryOnPortTaken(async () => {
    port = await sparePort();
    await launch();
  });
  const start = (): Promise<void> => retryOnPortTaken(launch, SAME_PORT);
  const crash = async (): Promise<void> => {
    const child = server;
    server = null;
    if (child !== null) await stopProcess(child, 'SIGKILL');
  };

  return {
    url: url(),
    start,
    crash,
    pause: () => server?.kill('SIGSTOP'),
    resume: () => server?.kill('SIGCONT'),
    stop: crash,
  };
}
