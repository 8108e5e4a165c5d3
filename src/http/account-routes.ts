// `GET /api/v1/accounts` (JSON or CSV, streamed page by page; or one page with `limit`), why one account
// is in its state (`…/explain`), the waiting queue, the admin actions on one account, and
// `GET /api/v1/audit`.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ACCOUNT_CSV_COLUMNS, csvLine } from '../sync/account-export.ts';
import type { AccountState } from '../domain/types.ts';
import { listAccounts, listAudit, type AccountFilter, type AccountView } from '../store/query-store.ts';
import { applyAdminAction, resolveAccount, type AdminAction } from '../sync/admin-actions.ts';
import { explainAccountRef, waitingQueue } from '../sync/explain.ts';
import { requestSchemas } from './api-schemas.ts';
import { ApiError } from './errors.ts';
import { callerOf } from './auth.ts';
import type { HttpDeps } from './server.ts';

interface AccountsQuery {
  readonly state?: AccountState;
  readonly pool?: string;
  readonly source?: string;
  readonly q?: string;
  readonly format: 'json' | 'csv';
  readonly limit?: number;
  readonly cursor?: string;
}

async function* csvOf(rows: AsyncIterable<AccountView>): AsyncGenerator<string> {
  yield `${csvLine(ACCOUNT_CSV_COLUMNS)}\n`;
  for await (const a of rows) yield `${csvLine(ACCOUNT_CSV_COLUMNS.map((c) => a[c]))}\n`;
}

async function* jsonArrayOf(rows: AsyncIterable<unknown>): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const row of rows) {
    yield `${first ? '' : ','}\n${JSON.stringify(row)}`;
    first = false;
  }
  yield '\n]\n';
}

/** The request's own URL with `cursor` set: the next page keeps every other parameter. */
function nextPageUrl(requestUrl: string, cursor: string): string {
  const url = new URL(requestUrl, 'http://local');
  url.searchParams.set('cursor', cursor);
  return `${url.pathname}${url.search}`;
}

export function registerAccountRoutes(api: FastifyInstance, deps: HttpDeps): void {
  api.get<{ Querystring: AccountsQuery }>('/accounts', { schema: { querystring: requestSchemas.accountsQuery } }, async (request, reply) => {
    const { state, pool, source, q, format, limit, cursor } = request.query;
    const config = deps.config();
    if (pool && !config.pools.some((p) => p.name === pool)) {
      throw new ApiError(400, 'unknown-pool', `unknown pool "${pool}"; configured: ${config.pools.map((p) => p.name).join(', ')}`);
    }
    const filter: AccountFilter = { ...(state ? { state } : {}), ...(pool ? { pool } : {}), ...(source ? { source } : {}), ...(q ? { q } : {}) };
    if (format === 'csv') {
      const rows = listAccounts(deps.db, filter);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="accounts.csv"').send(Readable.from(csvOf(rows)));
    }
    if (limit === undefined) return reply.type('application/json; charset=utf-8').send(Readable.from(jsonArrayOf(listAccounts(deps.db, filter))));
    // One row more than asked tells whether a next page exists.
    const page: AccountView[] = [];
    for await (const a of listAccounts(deps.db, filter, { limit: limit + 1, ...(cursor ? { afterId: Number(cursor) } : {}) })) page.push(a);
    const more = page.length > limit;
    if (more) page.length = limit;
    const last = page.at(-1);
    if (more && last) reply.header('link', `<${nextPageUrl(request.url, String(last.id))}>; rel="next"`);
    return page;
  });

  api.get<{ Params: { id: string } }>('/accounts/:id/explain', { schema: { params: requestSchemas.idParams } }, async (request) =>
    explainAccountRef(deps.db, deps.config(), request.params.id),
  );

  api.get<{ Querystring: { offset: number; limit: number } }>('/queue', { schema: { querystring: requestSchemas.queueQuery } }, async (request) =>
    waitingQueue(deps.db, deps.config(), request.query),
  );

  api.post<{ Params: { id: string; action: AdminAction }; Body: { reason?: string } | null }>(
    '/accounts/:id/:action',
    {
      // No body at all means "no reason given".
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: { params: requestSchemas.accountActionParams, body: requestSchemas.accountActionBody },
    },
    async (request) => {
      const { id, action } = request.params;
      const reason = request.body?.reason;
      const config = deps.config();
      const notifier = deps.notifierFor?.(config);
      const result = await applyAdminAction(
        { db: deps.db, config, ...(notifier ? { notifier } : {}) },
        { action, ref: id, actor: `api:${callerOf(request).name}`, ...(reason !== undefined ? { reason } : {}) },
      );
      return { account: result.account, changed: result.changed };
    },
  );

  api.get<{ Querystring: { account?: string; since?: string; run?: string; limit: number } }>(
    '/audit',
    { schema: { querystring: requestSchemas.auditQuery } },
    async (request) => {
      const { account, since, run, limit } = request.query;
      const sinceDate = since === undefined ? undefined : new Date(since);
      if (sinceDate && Number.isNaN(sinceDate.getTime())) throw new ApiError(400, 'validation', `since: not a date: "${since}" (use e.g. 2026-01-31 or 2026-01-31T12:00:00Z)`);
      const accountIds = account === undefined ? undefined : [(await resolveAccount(deps.db, account)).id];
      return listAudit(deps.db, { limit, ...(sinceDate ? { since: sinceDate } : {}), ...(accountIds ? { accountIds } : {}), ...(run ? { runId: run } : {}) });
    },
  );
}
