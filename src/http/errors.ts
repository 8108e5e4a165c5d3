// Every API error is `{ "error": { "code", "message" } }` with its HTTP status, mapped here once from
// the domain's error classes.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { unknownNames } from '../domain/names.ts';
import { AdminActionError } from '../sync/admin-action-error.ts';
import { TEXT_INPUT } from './api-schemas.ts';

export type ApiErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'validation'
  | 'bad-request'
  | 'bad-url'
  | 'invalid-json'
  | 'unsupported-media-type'
  | 'body-too-large'
  | 'unknown-source'
  | 'unknown-pool'
  | 'ambiguous'
  | 'invalid-state'
  | 'unavailable'
  | 'internal';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  /** Every ApiError is an answer the API decided on (a 503 while Redis is away), never a bug. */
  readonly expected = true;
  constructor(status: number, code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/**
 * A source or pool a request names must be one the config has (as in the CLI): a misspelt name is a
 * mistake to name, not an empty or unfiltered list. Nothing to check when the request names none.
 */
export function requireConfigured(kind: 'source' | 'pool', name: string | undefined, configured: readonly string[]): void {
  const unknown = name === undefined ? null : unknownNames(kind, [name], configured);
  if (unknown !== null) throw new ApiError(400, kind === 'source' ? 'unknown-source' : 'unknown-pool', unknown);
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json').send({ error: { code, message } } satisfies ErrorBody);
}

const ADMIN_STATUS: Record<AdminActionError['code'], number> = { 'not-found': 404, ambiguous: 409, 'invalid-state': 409, 'invalid-reason': 400 };

/** The largest request body the API reads (Fastify's `bodyLimit`); a larger one is answered 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Fastify's own refusals of a request body, in the API's codes and words: a client never sees a
 * Fastify code (FST_ERR_…). Any other 4xx of Fastify's is `bad-request` with its message.
 */
const BODY_ERRORS: Readonly<Record<string, { readonly code: ApiErrorCode; readonly message: string }>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid-json', message: 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid-json', message: 'the body is empty although Content-Type is application/json: send {} or no Content-Type' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported-media-type', message: 'the body must be JSON (Content-Type: application/json)' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'body-too-large', message: `the body is larger than ${BODY_LIMIT_BYTES / 1024} KiB` },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'bad-request', message: 'the body is not as long as its Content-Length says' },
};

/** Every method a route can have; a path that has some of them answers the others 405. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Errors Fastify raises before routing (a path that is not valid percent-encoded UTF-8, a parameter
 * longer than the router takes): the standard error body too, instead of Fastify's own.
 */
export function frameworkError(error: FastifyError, _request: unknown, reply: FastifyReply): FastifyReply {
  return sendError(reply, error.statusCode ?? 400, 'bad-url', error.message);
}

interface SchemaError {
  readonly instancePath?: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}

/**
 * Request validation messages that name the parameter and say what is wrong in words: `querystring/since
 * must not contain control characters` rather than the pattern that says so.
 */
export function schemaErrorMessage(errors: readonly SchemaError[], dataVar: string): Error {
  const parts = errors.map((e) => {
    const where = `${dataVar}${e.instancePath ?? ''}`;
    if (e.keyword === 'pattern' && e.params.pattern === TEXT_INPUT.pattern) return `${where} must not contain control characters (such as NUL or a line break)`;
    if (e.keyword === 'additionalProperties') return `${where} has no parameter "${String(e.params.additionalProperty)}"`;
    return `${where} ${e.message ?? 'is not valid'}`;
  });
  return new Error(parts.join(', '));
}

/** Installs the JSON error and not-found handlers on `app` (and the plugins registered after). */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof ApiError) {
      // A 5xx the API chose (Redis away): the on-call engineer sees one line for it, without a stack.
      if (error.status >= 500) request.log.warn({ err: error }, 'request not served');
      return sendError(reply, error.status, error.code, error.message);
    }
    if (error instanceof AdminActionError) return sendError(reply, ADMIN_STATUS[error.code], error.code, error.message);
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) return sendError(reply, 400, 'validation', fastifyError.message);
    const status = fastifyError.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const known = BODY_ERRORS[fastifyError.code];
      return sendError(reply, status, known?.code ?? 'bad-request', known?.message ?? fastifyError.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, 'internal', 'internal error (see the server log)');
  });
  // Fastify answers a method a path lacks with 404 (fastify/fastify#862); its router, asked for the
  // path's other methods, tells a 405 from a 404.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = METHODS.filter((method) => method !== request.method && app.findRoute({ method, url: path }) !== null);
    if (allowed.length === 0) return sendError(reply, 404, 'not-found', `no route ${request.method} ${path}`);
    return sendError(reply.header('allow', allowed.join(', ')), 405, 'method-not-allowed', `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`);
  });
}
