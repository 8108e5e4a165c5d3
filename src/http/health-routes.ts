// Probes and metrics, without authentication: `/healthz` (the process answers), `/readyz` (it can do its
// work: database and Redis reachable, not shutting down), `/metrics` (Prometheus text format).
import type { FastifyInstance } from 'fastify';
import { withDeadline } from '../deadline.ts';
import type { HttpDeps } from './server.ts';

/** A probe that hangs is a failed probe. */
const CHECK_TIMEOUT_MS = 2_000;

async function check(run: () => Promise<unknown>): Promise<string> {
  try {
    await withDeadline(run(), CHECK_TIMEOUT_MS, () => new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`));
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

// The probes' answers, serialized with these like the API's (they are not part of `/api/v1`'s document:
// orchestrators, not API clients, read them).
const healthz = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } } as const;
const readyz = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    checks: {
      type: 'object',
      required: ['database', 'redis', 'shuttingDown'],
      properties: { database: { type: 'string' }, redis: { type: 'string' }, shuttingDown: { type: 'boolean' } },
    },
  },
} as const;

export function registerHealthRoutes(app: FastifyInstance, deps: HttpDeps): void {
  // Probes run every few seconds: their request logs would drown everything else.
  const quiet = { logLevel: 'warn' as const };
  app.get('/healthz', { ...quiet, schema: { response: { 200: healthz } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { ...quiet, schema: { response: { 200: readyz, 503: readyz } } }, async (_request, reply) => {
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
