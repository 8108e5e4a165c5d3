// The OpenAPI 3.1 document of `/api/v1` (`GET /api/v1/openapi.json`). Request parameters come from the
// same schemas the routes validate with (api-schemas.ts).
import { requestSchemas, responseSchemas } from './api-schemas.ts';

type Schema = Record<string, unknown>;

const ref = (name: keyof typeof responseSchemas): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description: string): Schema => ({ description, content: { 'application/json': { schema } } });
const error = (description: string): Schema => json(ref('Error'), description);

const COMMON_ERRORS = { '401': error('missing or unknown token') };
const WRITE_ERRORS = { ...COMMON_ERRORS, '403': error('the token has role read') };
/** Routes that read or write sync jobs in Redis. */
const REDIS_ERRORS = { '503': error('Redis is not reachable (answered within about 2 s; nothing was queued)') };

/** Query parameters of a request schema, as OpenAPI parameter objects. */
function queryParameters(schema: { properties: Record<string, Schema> }): Schema[] {
  return Object.entries(schema.properties).map(([name, s]) => {
    const { description, ...rest } = s as Schema & { description?: string };
    return { name, in: 'query', required: false, schema: rest, ...(description ? { description } : {}) };
  });
}

const pathId = (description: string): Schema => ({ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description });

export function openApiDocument(options: { publicUrl: string | null }): Schema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'seatsync API',
      version: '1',
      description:
        'Seat usage, accounts, audit trail and manual syncs of seatsync. Every path needs `Authorization: Bearer TOKEN`; ' +
        'tokens with role `read` may only use GET. Errors are `{ "error": { "code", "message" } }`.',
    },
    ...(options.publicUrl ? { servers: [{ url: options.publicUrl.replace(/\/+$/, '') }] } : {}),
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: responseSchemas,
    },
    paths: {
      '/api/v1/status': {
        get: { summary: 'Pools, last run per source, outbox', responses: { '200': json(ref('Status'), 'status'), ...COMMON_ERRORS } },
      },
      '/api/v1/accounts': {
        get: {
          summary: 'List or export accounts',
          parameters: queryParameters(requestSchemas.accountsQuery),
          responses: {
            '200': {
              description: 'accounts (a JSON array, or CSV with `format=csv`)',
              content: { 'application/json': { schema: { type: 'array', items: ref('Account') } }, 'text/csv': { schema: { type: 'string' } } },
            },
            '400': error('bad filter'),
            ...COMMON_ERRORS,
          },
        },
      },
      '/api/v1/accounts/{id}/{action}': {
        post: {
          summary: 'Block (suspend), unblock, protect or unprotect one account',
          parameters: [
            pathId('account id, username or email'),
            { name: 'action', in: 'path', required: true, schema: requestSchemas.accountActionParams.properties.action },
          ],
          responses: {
            '200': json(ref('AccountActionResult'), 'the account after the action'),
            '404': error('no such account'),
            '409': error('the reference matches several accounts, or the action does not apply to the account'),
            ...WRITE_ERRORS,
          },
        },
      },
      '/api/v1/syncs': {
        get: {
          summary: 'Recent sync jobs and runs',
          parameters: queryParameters(requestSchemas.syncsQuery),
          responses: {
            '200': json({ type: 'object', properties: { jobs: { type: 'array', items: ref('SyncJob') }, runs: { type: 'array', items: ref('Run') } } }, 'jobs and runs, newest first'),
            ...COMMON_ERRORS,
            ...REDIS_ERRORS,
          },
        },
        post: {
          summary: 'Queue a sync (coalesced with a queued sync of the same sources and options)',
          requestBody: { required: false, content: { 'application/json': { schema: requestSchemas.syncBody } } },
          responses: { '202': json(ref('SyncAccepted'), 'queued'), '400': error('unknown source or bad body'), ...WRITE_ERRORS, ...REDIS_ERRORS },
        },
      },
      '/api/v1/syncs/{id}': {
        get: {
          summary: 'A sync job (state, progress, result) by job id, or a run record by run id',
          parameters: [pathId('job id (from POST /api/v1/syncs) or numeric run id')],
          responses: {
            '200': json({ oneOf: [ref('SyncJob'), ref('Run')] }, 'the job or run'),
            '404': error('no such job or run'),
            ...COMMON_ERRORS,
            ...REDIS_ERRORS,
          },
        },
      },
      '/api/v1/audit': {
        get: {
          summary: 'The audit trail, newest last',
          parameters: queryParameters(requestSchemas.auditQuery),
          responses: { '200': json({ type: 'array', items: ref('AuditEntry') }, 'audit entries'), '400': error('bad date'), '404': error('no such account'), ...COMMON_ERRORS },
        },
      },
    },
  };
}
