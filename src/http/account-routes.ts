// `GET /api/v1/accounts` (a page of accounts, or the whole CSV export streamed), `GET
// /api/v1/accounts/{id}` and the admin actions on one account.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { AccountState } from '../domain/types.ts';
import { ACCOUNT_CSV_COLUMNS, csvLine } from '../sync/account-export.ts';
import type { AccountFilter, AccountView } from '../store/repositories.ts';
import { applyAdminAction, resolveAccount, type AdminAction } from '../sync/admin-actions.ts';
import { explainAccountRef, waitingQueue } from '../sync/explain.ts';
import { storedSourceProblem } from '../sync/stored-source.ts';
import { defineRoute } from './api-route.ts';
import { callerOf } from './auth.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ApiError, requireConfigured } from './errors.ts';
import type { HttpDeps } from './server.ts';

interface AccountsQuery {
  readonly state?: AccountState;
  readonly pool?: string;
  readonly source?: string;
  readonly q?: string;
  readonly format: 'json' | 'csv';
  readonly limit: number;
  readonly cursor?: string;
}

async function* csvOf(rows: AsyncIterable<AccountView>): AsyncGenerator<string> {
  yield `${csvLine(ACCOUNT_CSV_COLUMNS)}\n`;
  for await (const a of rows) yield `${csvLine(ACCOUNT_CSV_COLUMNS.map((c) => a[c]))}\n`;
}

export function registerAccountRoutes(api: FastifyInstance, deps: HttpDeps): void {
  defineRoute<{ Querystring: AccountsQuery }>(api, 'listAccounts', async (request, reply) => {
    const { state, pool, source, q, format, limit, cursor } = request.query;
    const config = deps.config();
    requireConfigured('pool', pool, config.pools.map((p) => p.name));
    // A source taken out of the config that seatsync ran is listed too, as by `seatsync accounts --source`.
    const sourceProblem = source === undefined ? null : await storedSourceProblem(deps.repos.runs, source, config.sources.map((s) => s.name));
    if (sourceProblem !== null) throw new ApiError(400, 'unknown-source', sourceProblem);
    const filter: AccountFilter = { ...(state ? { state } : {}), ...(pool ? { pool } : {}), ...(source ? { source } : {}), ...(q ? { q } : {}) };
    if (format === 'csv') {
      if (cursor !== undefined) throw new ApiError(400, 'validation', 'cursor: the CSV export is one document; page the JSON list instead');
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="accounts.csv"')
        .send(Readable.from(csvOf(deps.repos.accounts.list(filter))));
    }
    const afterId = cursor === undefined ? 0 : Number(decodeCursor('accounts', cursor));
    // One more than asked tells whether another page follows.
    const rows = await deps.repos.accounts.page(filter, { afterId, limit: limit + 1 });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor('accounts', last.id) : null };
  });

  defineRoute<{ Params: { id: string } }>(api, 'getAccount', async (request) => resolveAccount(deps.repos.accounts, request.params.id));

  defineRoute<{ Params: { id: string } }>(api, 'explainAccount', async (request) => explainAccountRef(deps.repos, deps.config(), request.params.id));

  defineRoute<{ Querystring: { offset: number; limit: number } }>(api, 'listQueue', async (request) => waitingQueue(deps.repos, deps.config(), request.query));

  defineRoute<{ Params: { id: string; action: AdminAction }; Body: { reason?: string } | null }>(
    api,
    'changeAccount',
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
    {
      // No body at all means "no reason given".
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
  );
}
