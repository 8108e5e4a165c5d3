// `/api/v1`: every operation of api-operations.ts behind a bearer token (see auth.ts); the OpenAPI
// document itself needs none.
import type { FastifyInstance } from 'fastify';
import { statusView } from '../sync/status.ts';
import { registerAccountRoutes } from './account-routes.ts';
import { API_PREFIX } from './api-operations.ts';
import { defineRoute } from './api-route.ts';
import { registerAuditRoutes } from './audit-routes.ts';
import { authorize, callerOf } from './auth.ts';
import { ApiError } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { withRedis } from './redis-deadline.ts';
import type { HttpDeps } from './server.ts';
import { registerSyncRoutes } from './sync-routes.ts';

export { API_PREFIX };

export async function registerApi(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.get(`${API_PREFIX}/openapi.json`, async () => openApiDocument({ publicUrl: deps.config().http.publicUrl }));
  await app.register(
    async (api) => {
      // Bodies are JSON only: a text/plain body is refused as an unsupported media type (415), as any other is.
      api.removeContentTypeParser('text/plain');
      api.addHook('onRequest', async (request, reply) => {
        try {
          // Tokens come from the config as last read, so a token added or revoked applies without a restart.
          authorize(request, deps.config().http.tokens);
        } catch (error) {
          if (error instanceof ApiError && error.status === 401) reply.header('www-authenticate', 'Bearer realm="seatsync"');
          throw error;
        }
      });
      defineRoute(api, 'getStatus', async () => statusView(deps.repos, deps.config()));
      defineRoute(api, 'listSchedules', async () => {
        const read = deps.nextScheduledRuns;
        const next = read ? await withRedis('the next scheduled runs are not known', read) : new Map<string, number>();
        const sources = deps.config().sources.map((s) => {
          const at = next.get(s.name);
          return { name: s.name, nextRunAt: at === undefined ? null : new Date(at).toISOString() };
        });
        return { sources };
      });
      // Who the token is: the console shows admin controls only to admin tokens (the API refuses anyway).
      defineRoute(api, 'getCaller', async (request) => callerOf(request));
      registerAccountRoutes(api, deps);
      registerAuditRoutes(api, deps);
      registerSyncRoutes(api, deps);
    },
    { prefix: API_PREFIX },
  );
}
