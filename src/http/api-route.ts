// Registers a handler for one operation of api-operations.ts: Fastify validates its parameters, query
// and body with the operation's schemas and serializes each answer with the schema of its status, so
// a field missing from a schema does not go out (and a required one missing fails loudly in tests).
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, RouteGenericInterface } from 'fastify';
import { operation, responsesOf, type ApiOperation, type OperationId } from './api-operations.ts';
import { responseSchemas } from './api-schemas.ts';
import { ApiError } from './errors.ts';

const COMPONENT_REF = /^#\/components\/schemas\/(\w+)$/;

export interface InlineOptions {
  /** The schemas a reference names (default: the API's response schemas; the contract test passes the served document's). */
  readonly components?: Readonly<Record<string, unknown>>;
  /**
   * Forbid undeclared properties: an object schema that lists its properties and says nothing of others
   * gets `additionalProperties: false`. A schema that allows others says so (a run's `details`) and is
   * kept. The contract test validates with this, so a property that goes out undocumented fails it.
   */
  readonly forbidUndeclared?: boolean;
}

/**
 * The schema with every `#/components/schemas/X` reference replaced by X itself (the components hold
 * no cycles). OpenAPI's `discriminator` is left out: it is annotation only for JSON Schema, and
 * Fastify's serializer would reject it as an unknown keyword.
 */
export function inlineSchema(schema: unknown, options: InlineOptions = {}): unknown {
  if (Array.isArray(schema)) return schema.map((item) => inlineSchema(item, options));
  if (schema === null || typeof schema !== 'object') return schema;
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref === 'string') {
    const name = COMPONENT_REF.exec(ref)?.[1];
    const components: Readonly<Record<string, unknown>> = options.components ?? responseSchemas;
    const target = name === undefined ? undefined : components[name];
    if (!target) throw new Error(`unknown schema reference ${ref}`);
    return inlineSchema(target, options);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key !== 'discriminator') out[key] = inlineSchema(value, options);
  }
  if (options.forbidUndeclared && 'properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

export function fastifySchemaOf(op: ApiOperation): FastifySchema {
  const response: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(responsesOf(op))) {
    response[status] = inlineSchema({ $ref: `#/components/schemas/${answer.schema}` });
  }
  return {
    ...(op.params ? { params: op.params } : {}),
    ...(op.query ? { querystring: op.query } : {}),
    ...(op.body ? { body: op.body } : {}),
    response,
  };
}

/** Fastify's `/accounts/:id` for OpenAPI's `/accounts/{id}`. */
export const fastifyPath = (op: ApiOperation): string => op.path.replace(/\{(\w+)\}/g, ':$1');

/**
 * Ajv's type coercion turns a query value such as "1e400" into Infinity and then lets it past the
 * schema's `maximum` (ajv 8.x): every number of a query must be finite, or the request is a 400.
 */
async function finiteQueryNumbers(request: FastifyRequest): Promise<void> {
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new ApiError(400, 'validation', `querystring/${name} must be a finite number`);
  }
}

type Handler<R extends RouteGenericInterface> = (request: FastifyRequest<R>, reply: FastifyReply) => Promise<unknown>;

export function defineRoute<R extends RouteGenericInterface>(
  api: FastifyInstance,
  operationId: OperationId,
  handler: Handler<R>,
  options: { preValidation?: (request: FastifyRequest<R>) => Promise<void> } = {},
): void {
  const op = operation(operationId);
  api.route<R>({
    method: op.method,
    url: fastifyPath(op),
    schema: fastifySchemaOf(op),
    preHandler: finiteQueryNumbers,
    handler: handler as never,
    ...(options.preValidation ? { preValidation: options.preValidation as never } : {}),
  });
}
