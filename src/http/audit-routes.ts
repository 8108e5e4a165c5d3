// `GET /api/v1/audit`: the audit trail a page at a time, from the newest entries back.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AUDIT_PARAMETERS, auditFilterOf, auditValuesOf, type AuditFilterText, type AuditParameter } from '../sync/audit-filter.ts';
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

const nameOf = (parameter: AuditParameter): string => parameter;

/**
 * Before the schema, which stops at the first value it refuses: the filter values as the query gives
 * them, checked as `seatsync audit` checks its options, so that every bad one is named in one answer. A
 * parameter given twice, or not known, is left to the schema.
 */
async function filterValuesFirst(request: FastifyRequest<{ Querystring: AuditQuery }>): Promise<void> {
  // Not read yet: each value as the query string gave it (text, or a list when given twice).
  const query = (request.query ?? {}) as unknown as Readonly<Record<string, unknown>>;
  const given: AuditFilterText = Object.fromEntries(AUDIT_PARAMETERS.flatMap((p) => {
    const value = query[p];
    return typeof value === 'string' ? [[p, value]] : [];
  }));
  const values = auditValuesOf(given, { limit: AUDIT_PAGE, nameOf });
  if ('problems' in values) throw new ApiError(400, 'validation', values.problems.map((p) => p.message).join('; '));
}

export function registerAuditRoutes(api: FastifyInstance, deps: HttpDeps): void {
  defineRoute<{ Querystring: AuditQuery }>(api, 'listAudit', async (request) => {
    const { limit, cursor, ...given } = request.query;
    const { filter, problems } = await auditFilterOf({ ...given, limit: String(limit) }, {
      repos: async () => deps.repos, sources: deps.config().sources.map((s) => s.name), limit: AUDIT_PAGE, nameOf,
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
  }, { preValidation: filterValuesFirst });
}
