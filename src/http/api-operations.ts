// Every operation of `/api/v1`, in one table: its method and path, the schemas of its parameters and
// body, and each status it answers with the schema of that answer. The routes are registered from this
// table (api-route.ts: Fastify validates the request and serializes the answer with these schemas) and
// the OpenAPI document is built from it (openapi.ts). A new route adds its entry here and registers
// its handler with `defineRoute`.
import { requestSchemas, type ResponseSchemaName, type Schema } from './api-schemas.ts';
import { BODY_LIMIT_BYTES } from './errors.ts';

export const API_PREFIX = '/api/v1';

export interface OperationResponse {
  readonly description: string;
  /** The JSON body's schema; errors are always `Error`. */
  readonly schema: ResponseSchemaName;
  /** Also answers `text/csv` (a string) with this status. */
  readonly csv?: boolean;
}

export interface ApiOperation {
  readonly operationId: string;
  readonly method: 'GET' | 'POST';
  /** OpenAPI path under `/api/v1`, with `{param}` placeholders. */
  readonly path: string;
  readonly summary: string;
  readonly params?: Schema;
  readonly query?: Schema;
  readonly body?: Schema;
  /** Statuses specific to the operation; 400, 401 and 403 are added by `responsesOf`. */
  readonly responses: Readonly<Record<string, OperationResponse>>;
}

const ok = (schema: ResponseSchemaName, description: string): OperationResponse => ({ schema, description });
const error = (description: string): OperationResponse => ({ schema: 'Error', description });

const NOT_FOUND_ACCOUNT = error('no account matches the reference');
const AMBIGUOUS = error('the reference matches several accounts: use the numeric id');
/** The sync routes read and write jobs in Redis. */
const REDIS_AWAY = error('Redis is not reachable (answered within about 2 s; a sync is not queued)');
const REDIS_AWAY_READ = error('Redis is not reachable (answered within about 2 s)');

export const API_OPERATIONS = [
  {
    operationId: 'getStatus',
    method: 'GET',
    path: '/status',
    summary: 'Pools, last run per source, outbox',
    responses: { '200': ok('Status', 'status') },
  },
  {
    operationId: 'listSchedules',
    method: 'GET',
    path: '/schedules',
    summary: 'When the worker\'s schedules run each source next',
    responses: { '200': ok('Schedules', 'each configured source and its next scheduled run'), '503': REDIS_AWAY_READ },
  },
  {
    operationId: 'getCaller',
    method: 'GET',
    path: '/me',
    summary: 'The name and role of the token',
    responses: { '200': ok('Caller', 'the caller') },
  },
  {
    operationId: 'listAccounts',
    method: 'GET',
    path: '/accounts',
    summary: 'List accounts a page at a time, or export them all as CSV',
    query: requestSchemas.accountsQuery,
    responses: { '200': { ...ok('AccountPage', 'a page of accounts (or, with `format=csv`, the whole export)'), csv: true } },
  },
  {
    operationId: 'getAccount',
    method: 'GET',
    path: '/accounts/{id}',
    summary: 'One account, by id, username, email or directory id',
    params: requestSchemas.accountParams,
    responses: { '200': ok('Account', 'the account'), '404': NOT_FOUND_ACCOUNT, '409': AMBIGUOUS },
  },
  {
    operationId: 'explainAccount',
    method: 'GET',
    path: '/accounts/{id}/explain',
    summary: 'Why one account is in its state: profile and its rule, seats held or awaited, queue position, latest audit entries',
    params: requestSchemas.accountParams,
    responses: { '200': ok('Explanation', 'the account and its explanation'), '404': NOT_FOUND_ACCOUNT, '409': AMBIGUOUS },
  },
  {
    operationId: 'listQueue',
    method: 'GET',
    path: '/queue',
    summary: 'The accounts waiting for a seat, in the order seats will be given, each with why it waits',
    query: requestSchemas.queueQuery,
    responses: { '200': ok('QueuePage', 'one page of the queue') },
  },
  {
    operationId: 'changeAccount',
    method: 'POST',
    path: '/accounts/{id}/{action}',
    summary: 'Block (suspend), unblock, protect or unprotect one account',
    params: requestSchemas.accountActionParams,
    body: requestSchemas.accountActionBody,
    responses: {
      '200': ok('AccountActionResult', 'the account after the action'),
      '404': NOT_FOUND_ACCOUNT,
      '409': error('the reference matches several accounts, or the action does not apply to the account'),
    },
  },
  {
    operationId: 'listSyncs',
    method: 'GET',
    path: '/syncs',
    summary: 'Recent sync jobs and runs, newest first',
    query: requestSchemas.syncsQuery,
    responses: { '200': ok('SyncList', 'jobs and runs, newest first'), '503': REDIS_AWAY },
  },
  {
    operationId: 'requestSync',
    method: 'POST',
    path: '/syncs',
    summary: 'Queue a sync (coalesced with a queued sync of the same sources and options)',
    body: requestSchemas.syncBody,
    responses: { '202': ok('SyncAccepted', 'queued'), '503': REDIS_AWAY },
  },
  {
    operationId: 'getSync',
    method: 'GET',
    path: '/syncs/{id}',
    summary: 'A sync job (state, progress, result) by job id, or a run record by run id',
    params: requestSchemas.syncParams,
    responses: { '200': ok('SyncJobOrRun', 'the job or run'), '404': error('no such job or run'), '503': REDIS_AWAY },
  },
  {
    operationId: 'listAudit',
    method: 'GET',
    path: '/audit',
    summary: 'The audit trail a page at a time: the newest entries first come, each page newest last',
    query: requestSchemas.auditQuery,
    responses: { '200': ok('AuditPage', 'a page of audit entries'), '404': NOT_FOUND_ACCOUNT, '409': AMBIGUOUS },
  },
] as const satisfies readonly ApiOperation[];

export type OperationId = (typeof API_OPERATIONS)[number]['operationId'];

export function operation(id: OperationId): ApiOperation {
  const found = API_OPERATIONS.find((o) => o.operationId === id);
  if (!found) throw new Error(`no API operation ${id}`);
  return found;
}

/** Answers of an operation that takes a body, to a body it cannot read (errors.ts BODY_ERRORS). */
const BODY_REFUSED = {
  '413': error(`the body is larger than ${BODY_LIMIT_BYTES / 1024} KiB (\`body-too-large\`)`),
  '415': error('the body is not JSON (`unsupported-media-type`): send `Content-Type: application/json`'),
};

/**
 * Every status the operation answers: its own, 400 when it takes input, 413 and 415 when it takes a
 * body, 401 always, 403 for writes.
 */
export function responsesOf(op: ApiOperation): Readonly<Record<string, OperationResponse>> {
  const takesInput = op.params !== undefined || op.query !== undefined || op.body !== undefined;
  return {
    ...op.responses,
    ...(takesInput ? { '400': error(`bad parameter or body (the message names it)${op.body ? '; `invalid-json` for a body that is not valid JSON' : ''}`) } : {}),
    ...(op.body ? BODY_REFUSED : {}),
    '401': error('missing or unknown token'),
    ...(op.method === 'GET' ? {} : { '403': error('the token has role read') }),
  };
}
