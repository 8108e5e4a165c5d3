// Probes and metrics, without authentication: `/healthz` (the process answers), `/readyz` (it can do its
// work: database and Redis reachable, not shutting down), `/metrics` (Prometheus text format).
import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from './server.ts';

/** A probe that hangs is a failed probe. */
const CHECK_TIMEOUT_MS = 2_000;

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function check(run: () => Promise<unknown>): Promise<string> {
  try {
    await within(run(), CHECK_TIMEOUT_MS);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function registerHealthRoutes(app: FastifyInstance, deps: HttpDeps): void {
  // Probes run every few seconds: their request logs would drown everything else.
  const quiet = { logLevel: 'warn' as const };
  app.get('/healthz', quiet, async () => ({ status: 'ok' }));
  app.get('/readyz', quiet, async (_request, reply) => {
    const [database, redis] = await Promise.all([check(() => deps.db.query('SELECT 1')), check(() => deps.redis.ping())]);
    const shuttingDown = !deps.ready();
    const ok = database === 'ok' && redis === 'ok' && !shuttingDown;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', checks: { database, redis, shuttingDown } });
  });
  app.get('/metrics', quiet, async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
