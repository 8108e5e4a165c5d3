// A Redis server of a test's own on a spare port (the suite's shared Redis keeps its configuration):
// `redis-server` with the given extra arguments, no persistence.
import { spawn } from 'node:child_process';
import { closeRedis, connectRedis } from '../../jobs/redis.ts';
import { freePort } from '../integration/worker/worker-fixtures.ts';

export interface PrivateRedis {
  readonly url: string;
  stop(): void;
}

export async function startPrivateRedis(extraArgs: readonly string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    server.on('error', (error) => reject(new Error(`cannot start redis-server (apt-get install redis-server): ${error.message}`)));
    const attempt = (left: number): void => {
      connectRedis(url, { name: 'probe' })
        .then(async (redis) => {
          await closeRedis(redis);
          resolve();
        })
        .catch((error: unknown) => (left > 0 ? setTimeout(() => attempt(left - 1), 100) : reject(error as Error)));
    };
    attempt(50);
  });
  return { url, stop: () => server.kill('SIGKILL') };
}
