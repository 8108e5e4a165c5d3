// `GET /api/v1/audit`: the audit trail a page at a time, from the newest entries back.
import type { FastifyInstance } from 'fastify';
import { auditFilterOf } from '../sync/audit-filter.ts';
import { AUDIT_PAGE } from './api-schemas.ts';
import { defineRoute } from './api-route.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ApiError } from './errors.ts';
import type { HttpDeps } from './server.ts';

interface AuditQuery {
  readonly account?: string;
  readonly since?: string;
  readonly run?: string;
  readonly reason?: string;
  readonly source?: string;
  readonly to?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export function registerAuditRoutes(api: FastifyInstance, deps: HttpDeps): void {
  defineRoute<{ Querystring: AuditQuery }>(api, 'listAudit', async (request) => {
    const { limit, cursor, ...given } = request.query;
    const { filter, problems } = await auditFilterOf({ ...given, limit: String(limit) }, {
      repos: async () => deps.repos, sources: deps.config().sources.map((s) => s.name), limit: AUDIT_PAGE, nameOf: (parameter) => parameter,
    });
    if (filter === null) {
      // A source that is not one is named as every route names it; any other problem is a bad value.
      const code = problems.every((p) => p.parameter === 'source') ? 'unknown-source' : 'validation';
      throw new ApiError(400, code, problems.map((p) => p.message).join('; '));
    }
    const beforeId = cursor === undefined ? undefined : decodeCursor('audit', cursor);
    const { entries, more } = await deps.repos.audit.list({ ...filter, ...(beforeId ? { beforeId } : {}) });
    const oldest = entries[0];
    return { items: entries, nextCursor: more && oldest ? encodeCursor('audit', oldest.id) : null };
  });
}
