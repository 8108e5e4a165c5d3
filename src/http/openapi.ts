// The OpenAPI 3.1 document of `/api/v1` (`GET /api/v1/openapi.json`), built from the same operation
// table and schemas the routes are registered with (api-operations.ts, api-schemas.ts).
import { API_OPERATIONS, API_PREFIX, responsesOf, type ApiOperation } from './api-operations.ts';
import { responseSchemas, type Schema } from './api-schemas.ts';

interface ObjectSchema {
  readonly properties: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
}

/** The properties of a params or query schema, as OpenAPI parameter objects. */
function parametersOf(schema: Schema | undefined, where: 'path' | 'query'): Schema[] {
  if (schema === undefined) return [];
  const { properties, required = [] } = schema as unknown as ObjectSchema;
  return Object.entries(properties).map(([name, s]) => {
    const { description, ...rest } = s as Schema & { description?: string };
    return { name, in: where, required: where === 'path' || required.includes(name), schema: rest, ...(description ? { description } : {}) };
  });
}

function operationObject(op: ApiOperation): Schema {
  const responses: Record<string, Schema> = {};
  for (const [status, answer] of Object.entries(responsesOf(op))) {
    const json = { 'application/json': { schema: { $ref: `#/components/schemas/${answer.schema}` } } };
    responses[status] = { description: answer.description, content: answer.csv ? { ...json, 'text/csv': { schema: { type: 'string' } } } : json };
  }
  const parameters = [...parametersOf(op.params, 'path'), ...parametersOf(op.query, 'query')];
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: false, content: { 'application/json': { schema: op.body } } } } : {}),
    responses,
  };
}

export function openApiDocument(options: { publicUrl: string | null }): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const op of API_OPERATIONS) {
    const path = (paths[`${API_PREFIX}${op.path}`] ??= {});
    path[op.method.toLowerCase()] = operationObject(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'seatsync API',
      version: '1',
      description:
        'Seat usage, accounts, audit trail and manual syncs of seatsync. Every path needs `Authorization: Bearer TOKEN`; ' +
        'tokens with role `read` may only use GET. Errors are `{ "error": { "code", "message" } }`; a method a path ' +
        'does not take is answered 405 (`method-not-allowed`) with an `Allow` header naming those it takes. ' +
        'Lists that can grow without bound come a page at a time: pass the `nextCursor` of one page as `cursor` for the next.',
    },
    ...(options.publicUrl ? { servers: [{ url: options.publicUrl.replace(/\/+$/, '') }] } : {}),
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: responseSchemas,
    },
    paths,
  };
}
