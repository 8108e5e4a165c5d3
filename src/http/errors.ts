// Every API error is `{ "error": { "code", "message" } }` with its HTTP status, mapped here once from
// the domain's error classes.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { AdminActionError } from '../sync/admin-action-error.ts';
import { TEXT_INPUT } from './api-schemas.ts';

export type ApiErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'validation'
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
  if (name === undefined || configured.includes(name)) return;
  throw new ApiError(400, kind === 'source' ? 'unknown-source' : 'unknown-pool', `unknown ${kind} "${name}"; configured: ${configured.join(', ') || '(none)'}`);
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json').send({ error: { code, message } } satisfies ErrorBody);
}

const ADMIN_STATUS: Record<AdminActionError['code'], number> = { 'not-found': 404, ambiguous: 409, 'invalid-state': 409, 'invalid-reason': 400 };

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
    if (status !== undefined && status >= 400 && status < 500) return sendError(reply, status, fastifyError.code ?? 'bad-request', fastifyError.message);
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, 'internal', 'internal error (see the server log)');
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'not-found', `no route ${request.method} ${request.url.split('?')[0]}`));
}
