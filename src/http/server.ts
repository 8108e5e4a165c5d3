// The HTTP side of `seatsync run`: probes, metrics, the admin API (SPEC §6) and the admin console, on Fastify.
import { AjvCompiler, type BuildCompilerFromPool, type RouteDefinition } from '@fastify/ajv-compiler';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { SyncQueue } from '../../jobs/enqueue.ts';
import type { SeatsyncConfig } from '../config/types.ts';
import type { Logger } from '../logging.ts';
import type { Database, Repositories } from '../store/repositories.ts';
import type { RunNotifier } from '../sync/sync-source.ts';
import { registerApi } from './api-routes.ts';
import { registerConsole } from './console.ts';
import { BODY_LIMIT_BYTES, frameworkError, installErrorHandlers, schemaErrorMessage } from './errors.ts';
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

/**
 * Fastify's own validators (its Ajv compiler: its defaults, its formats), one kind per part of a request.
 * Path parameters and query strings are text on the wire, coerced to their schema's types (`?limit=5`);
 * a JSON body has types of its own and is taken as sent (`"reason": 123` is a 400, not the text "123").
 */
function validatorsByPart(): BuildCompilerFromPool {
  const pool = AjvCompiler();
  return (externalSchemas, options) => {
    // The package types a compiler as (schema) => validator; Fastify calls it with the route's definition.
    type Compile = (route: RouteDefinition) => unknown;
    const compilerWith = (coerceTypes: boolean): Compile =>
      pool(externalSchemas, { ...options, customOptions: { ...options?.customOptions, coerceTypes } } as typeof options) as unknown as Compile;
    const asSent = compilerWith(false);
    const coerced = compilerWith(true);
    return ((route: RouteDefinition) => (route.httpPart === 'body' ? asSent : coerced)(route)) as unknown as ReturnType<BuildCompilerFromPool>;
  };
}

export async function createHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Request logs carry method, URL, status and timing, never headers; the logger redacts
    // `authorization` anyway, should a header ever be logged.
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Bodies are small JSON documents; anything bigger is a mistake or an attack.
    bodyLimit: BODY_LIMIT_BYTES,
    forceCloseConnections: 'idle',
    frameworkErrors: frameworkError,
    schemaErrorFormatter: (errors, dataVar) => schemaErrorMessage(errors as never, dataVar),
    ajv: { customOptions: { removeAdditional: false, useDefaults: true } },
    schemaController: { compilersFactory: { buildValidator: validatorsByPart() } },
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

