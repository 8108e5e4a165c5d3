// `GET /api/v1/audit`: the audit trail a page at a time, from the newest entries back.
import type { FastifyInstance } from 'fastify';
import { resolveAccount } from '../sync/admin-actions.ts';
import { auditSourceProblem } from '../sync/audit-source.ts';
import { INSTANT_EXAMPLES, parseInstant } from '../domain/iso-time.ts';
import { isRunId, MAX_RUN_ID } from '../domain/run-id.ts';
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
    const { account, since, run, reason, source, to, limit, cursor } = request.query;
    const sourceProblem = source === undefined ? null : await auditSourceProblem(deps.repos.runs, source, deps.config().sources.map((s) => s.name));
    if (sourceProblem !== null) throw new ApiError(400, 'unknown-source', sourceProblem);
    if (run !== undefined && !isRunId(run)) throw new ApiError(400, 'validation', `run: not a run's id: "${run}" (at most ${MAX_RUN_ID})`);
    const sinceDate = since === undefined ? undefined : parseInstant(since);
    if (sinceDate === null) throw new ApiError(400, 'validation', `since: not a date: "${since}" (${INSTANT_EXAMPLES})`);
    const beforeId = cursor === undefined ? undefined : decodeCursor('audit', cursor);
    const accountIds = account === undefined ? undefined : [(await resolveAccount(deps.repos.accounts, account)).id];
    const { entries, more } = await deps.repos.audit.list({
      limit,
      ...(sinceDate ? { since: sinceDate } : {}),
      ...(beforeId ? { beforeId } : {}),
      ...(accountIds ? { accountIds } : {}),
      ...(run ? { runId: run } : {}),
      ...(reason ? { reason } : {}),
      ...(source ? { source } : {}),
      ...(to ? { to } : {}),
    });
    const oldest = entries[0];
    return { items: entries, nextCursor: more && oldest ? encodeCursor('audit', oldest.id) : null };
  });
}
