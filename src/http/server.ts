// The HTTP side of `seatsync run`: probes, metrics, the admin API (SPEC §6) and the admin console, on Fastify.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { SyncQueue } from '../../jobs/enqueue.ts';
import type { SeatsyncConfig } from '../config/types.ts';
import type { Logger } from '../logging.ts';
import type { Database, Repositories } from '../store/repositories.ts';
import type { RunNotifier } from '../sync/sync-source.ts';
import { registerApi } from './api-routes.ts';
import { registerConsole } from './console.ts';
import { frameworkError, installErrorHandlers, schemaErrorMessage } from './errors.ts';
import { registerHealthRoutes } from './health-routes.ts';
import type { Metrics } from './metrics.ts';

export interface HttpDeps {
  /** The config as last read (tokens, pools and sources follow config changes without a restart). */
  readonly config: () => SeatsyncConfig;
  /** For `/readyz` and the admin actions (each in its own transaction). */
  readonly db: Database;
  /** The database's repositories, built once by the composition root: the API reads through them. */
  readonly repos: Repositories;
  readonly redis: Redis;
  readonly syncQueue: SyncQueue;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** When each scheduled source runs next (epoch ms), from the job schedulers (absent: not shown). */
  readonly nextScheduledRuns?: () => Promise<ReadonlyMap<string, number>>;
  /** Writes the emails an admin action causes (built by the composition root; absent: none). */
  readonly notifierFor?: (config: SeatsyncConfig) => RunNotifier | undefined;
  /** False once shutdown began (`/readyz` answers 503 so load balancers stop sending work). */
  readonly ready: () => boolean;
}

export async function createHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Request logs carry method, URL, status and timing, never headers; the logger redacts
    // `authorization` anyway, should a header ever be logged.
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Bodies are small JSON documents; anything bigger is a mistake or an attack.
    bodyLimit: 64 * 1024,
    forceCloseConnections: 'idle',
    frameworkErrors: frameworkError,
    schemaErrorFormatter: (errors, dataVar) => schemaErrorMessage(errors as never, dataVar),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
  });
  // Every answer is live data, a probe or an error: nothing for a browser or proxy to keep, and no
  // body to be sniffed into another type than the one declared.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
  });
  installErrorHandlers(app);
  registerHealthRoutes(app, deps);
  registerConsole(app);
  await registerApi(app, deps);
  return app;
}

