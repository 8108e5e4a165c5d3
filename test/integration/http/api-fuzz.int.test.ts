// Odd input never gets a 5xx (SPEC §8): fast-check fills every path and query parameter of every
// operation in the served OpenAPI document with hostile values (huge numbers, NUL bytes, absurd
// dates, invalid UTF-8 and percent escapes, SQL and path fragments, repeated parameters) and sends
// them to a running `seatsync run` with an admin token. Every answer is below 500, and every error
// is the standard `{ "error": { "code", "message" } }` body.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './api-server.ts';

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query';
}
interface Document {
  readonly paths: Record<string, Record<string, { operationId: string; parameters?: Parameter[] }>>;
}

/** Values known to have broken APIs like this one: each is also sent in every parameter, not only at random. */
const KNOWN_BAD = [
  '', ' ', '\u0000', 'x\u0000', '\u007f', '99999999999999999999', '2147483648', '9223372036854775808', '99999-01-01',
  '+275760-09-13', '1e400', 'Infinity', '-Infinity', 'NaN', '-0', '0x10', '1.5', '../../etc/passwd', "' OR 1=1 --", 'null', '[]',
  '{}', 'true', '\uFFFF', 'bm9wZQ', 'a'.repeat(5000),
  // Cursors: not base64 of a cursor, one of a negative id, ids past an integer and a bigint, and good ones.
  ...['accounts:99999999999999999999', 'audit:-1', 'accounts:2147483648', 'accounts:9223372036854775807', 'audit:9223372036854775808', 'audit:1', 'accounts:1']
    .map((c) => Buffer.from(c).toString('base64url')),
];

const nastyText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.double().map(String),
  fc.integer({ min: -300_000, max: 300_000 }).map((year) => `${year}-01-01`),
  fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString())),
  fc.constantFrom(...KNOWN_BAD),
);

/** A URL-encoded value; lone surrogates cannot be encoded and go out as an invalid UTF-8 escape instead. */
function encoded(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

/** A good value of each path parameter, beside a bad one in another. */
const PLAIN: Record<string, string> = { id: '1', action: 'protect' };

const rawEscapes = fc.constantFrom('%', '%zz', '%FF', '%C0%80', '%00', '%2F', '%25');
const value = fc.oneof({ arbitrary: nastyText.map(encoded), weight: 5 }, { arbitrary: rawEscapes, weight: 1 });

describe('the API under hostile parameters', () => {
  let server: ApiServer;
  let doc: Document;

  beforeAll(async () => {
    server = await startApiServer('fuzz');
    doc = (await server.anonymous('/api/v1/openapi.json')).body as Document;
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('answers every operation with a 2xx or a 4xx with the error body, never a 5xx', async () => {
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    ).filter(({ op }) => (op.parameters ?? []).length > 0);
    expect(operations.map((o) => o.op.operationId).sort()).toEqual(
      ['changeAccount', 'explainAccount', 'getAccount', 'getSync', 'listAccounts', 'listAudit', 'listQueue', 'listSyncs'],
    );
    for (const { path, method, op } of operations) {
      const params = op.parameters ?? [];
      const pathParams = params.filter((p) => p.in === 'path');
      const queryParams = params.filter((p) => p.in === 'query');
      const request = fc.record({
        path: fc.tuple(...pathParams.map(() => value)),
        query: fc.tuple(...queryParams.map(() => fc.array(value, { maxLength: 2 }))),
      });
      const send = async (pathValues: readonly string[], query: readonly (readonly string[])[]): Promise<void> => {
        let url = path;
        pathParams.forEach((p, i) => (url = url.replace(`{${p.name}}`, pathValues[i] ?? '')));
        const pairs = queryParams.flatMap((p, i) => (query[i] ?? []).map((v) => `${p.name}=${v}`));
        const target = `${url}${pairs.length > 0 ? `?${pairs.join('&')}` : ''}`;
        const res = await server.admin(target, { method });
        if (res.status >= 500) throw new Error(`${method} ${target} answered ${res.status}: ${res.text.slice(0, 300)}`);
        if (res.status >= 400) {
          expect(res.body, `${method} ${target}`).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
        }
      };
      // Every known bad value in every parameter (the other path parameters good, the other query
      // parameters left out), so that each reaches the handler; then values at random.
      const good = pathParams.map((p) => PLAIN[p.name] ?? '1');
      for (const bad of KNOWN_BAD.map(encoded)) {
        for (let i = 0; i < pathParams.length; i++) await send(good.map((g, j) => (j === i ? bad : g)), []);
        for (let i = 0; i < queryParams.length; i++) await send(good, queryParams.map((_, j) => (j === i ? [bad] : [])));
      }
      await fc.assert(
        fc.asyncProperty(request, async ({ path: pathValues, query }) => send(pathValues, query)),
        { numRuns: 150 },
      );
    }
  }, 300_000);
});
