// The API answers what its OpenAPI document says: every operation of the served document is called
// against a running `seatsync run` once for each status it documents, and each body is validated
// with a JSON Schema 2020-12 validator (ajv) against the document's schema for that status, strictly:
// a property the schema does not declare fails (unless the schema allows others, as a run's `details`
// does), as does a required one missing. Fastify serializes each answer with the same schemas, which
// drops undeclared properties; the strict check fails a body that goes out any other way. The document
// itself is validated with swagger-parser. Paging walks both paged lists to their end.
// The server has lived through every kind of run, account state and target (api-server.ts, `everyShape`),
// and the cases fetch each: every property of every response schema must appear, not null, in some
// validated body (`partsOf`, NEVER_PRODUCED lists the exceptions). Since the serializer drops what a
// schema lacks, jobs, runs, the queue, status, accounts, audit and explanations are also compared with
// what the worker holds or the CLI prints.
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { findSyncJob } from '../../../jobs/job-view.ts';
import { openSyncQueue } from '../../../jobs/queues.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { ACCOUNT_STATES } from '../../../src/domain/types.ts';
import { inlineSchema } from '../../../src/http/api-route.ts';
import { openDatabase } from '../../../src/store/db.ts';
import { repositoriesOf } from '../../../src/store/repositories.ts';
import { waitingQueue } from '../../../src/sync/explain.ts';
import { runCli } from '../../support/cli.ts';
import { REDIS_URL, waitFor } from '../worker/worker-fixtures.ts';
import { startApiServer, type ApiClient, type ApiServer } from './api-server.ts';

interface ResponseObject {
  readonly content?: Record<string, { schema: { $ref?: string } }>;
}
interface OperationObject {
  readonly operationId: string;
  readonly responses: Record<string, ResponseObject>;
}
interface Document {
  readonly paths: Record<string, Record<string, OperationObject>>;
  readonly components: { schemas: Record<string, unknown> };
}

type Case = (s: ApiServer) => ReturnType<ApiClient>;

/**
 * Statuses this test cannot provoke against the suite's shared Redis: the sync routes' 503 needs Redis
 * stopped, which test/e2e/worker/redis-down.e2e.test.ts does with a private one.
 */
const TESTED_ELSEWHERE = ['listSyncs 503', 'requestSync 503', 'getSync 503', 'listSchedules 503'];

const post = { method: 'POST' } as const;

/** A part of a response schema that no case produces, and why (see `partsOf`). */
const NEVER_PRODUCED: Record<string, string> = {
  'SyncJob.progress.source':
    'set only while a job runs (an ended job\'s progress is `done`, source null); api.int.test.ts reads a running job\'s progress through the API',
  'Status.sources[].overdueSince':
    'set only once a scheduled run is late (this suite\'s runs are fresh); source-overdue.e2e.test.ts reads it through the API after moving the last run back',
};

type SchemaNode = { readonly [keyword: string]: unknown };
const NO_BODY = Symbol('no body');
const isNode = (v: unknown): v is SchemaNode => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Marks in `parts` each part of an inlined schema (components titled with their names) and whether
 * `body` has it: a property (`Run.error`), present and not null, and an array's items (`Account.pools[]`),
 * at least one. A `oneOf` is followed into the branches `matches` accepts the body for; with NO_BODY,
 * only the parts are listed.
 */
function partsOf(
  schema: unknown, body: unknown, parts: Map<string, boolean>, matches: (branch: SchemaNode, body: unknown) => boolean, at = '',
): void {
  if (!isNode(schema)) return;
  const here = typeof schema.title === 'string' ? schema.title : at;
  const mark = (part: string, seen: boolean): void => void parts.set(part, (parts.get(part) ?? false) || seen);
  if (Array.isArray(schema.oneOf)) {
    for (const branch of schema.oneOf) partsOf(branch, body !== NO_BODY && matches(branch as SchemaNode, body) ? body : NO_BODY, parts, matches, here);
  }
  if (isNode(schema.properties)) {
    for (const [name, property] of Object.entries(schema.properties)) {
      const value = isNode(body) ? body[name] : undefined;
      const seen = value !== undefined && value !== null;
      mark(`${here}.${name}`, seen);
      partsOf(property, seen ? value : NO_BODY, parts, matches, `${here}.${name}`);
    }
  }
  if (isNode(schema.items)) {
    const items = Array.isArray(body) ? body : [];
    mark(`${here}[]`, items.length > 0);
    partsOf(schema.items, NO_BODY, parts, matches, `${here}[]`);
    for (const item of items) partsOf(schema.items, item, parts, matches, `${here}[]`);
  }
}

/** One request per documented status of every operation. A status added to the document needs a case here. */
const CASES: Record<string, Record<string, Case[]>> = {
  getStatus: { '200': [(s) => s.reader('/api/v1/status')], '401': [(s) => s.anonymous('/api/v1/status')] },
  listAccounts: {
    '200': [
      (s) => s.reader('/api/v1/accounts?limit=2'), (s) => s.reader('/api/v1/accounts?state=blocked'), (s) => s.reader('/api/v1/accounts?format=csv'),
      // Every state: active (u000009 in grace, u000007 protected), blocked, suspended, disabled, removed.
      (s) => s.reader('/api/v1/accounts'),
    ],
    '400': [
      (s) => s.reader('/api/v1/accounts?state=bogus'),
      (s) => s.reader('/api/v1/accounts?source=bogus'),
      (s) => s.reader('/api/v1/accounts?cursor=bm9wZQ'),
      (s) => s.reader('/api/v1/accounts?limit=0'),
      (s) => s.reader('/api/v1/accounts?limit=Infinity'),
      // A well-formed cursor past the largest account id (a PostgreSQL integer).
      (s) => s.reader(`/api/v1/accounts?cursor=${Buffer.from('accounts:2147483648').toString('base64url')}`),
    ],
    '401': [(s) => s.anonymous('/api/v1/accounts')],
  },
  getAccount: {
    '200': [(s) => s.reader('/api/v1/accounts/u000004'), (s) => s.reader('/api/v1/accounts/1')],
    '400': [(s) => s.reader('/api/v1/accounts/x%00')],
    '404': [(s) => s.reader('/api/v1/accounts/nobody'), (s) => s.reader('/api/v1/accounts/99999999999999999999')],
    '409': [(s) => s.reader('/api/v1/accounts/u000001')],
    '401': [(s) => s.anonymous('/api/v1/accounts/u000004')],
  },
  listSchedules: { '200': [(s) => s.reader('/api/v1/schedules')], '401': [(s) => s.anonymous('/api/v1/schedules')] },
  getCaller: { '200': [(s) => s.reader('/api/v1/me'), (s) => s.admin('/api/v1/me')], '401': [(s) => s.anonymous('/api/v1/me')] },
  explainAccount: {
    '200': [(s) => s.reader('/api/v1/accounts/u000004/explain'), (s) => s.reader('/api/v1/accounts/1/explain')],
    '400': [(s) => s.reader('/api/v1/accounts/x%00/explain')],
    '404': [(s) => s.reader('/api/v1/accounts/nobody/explain')],
    '409': [(s) => s.reader('/api/v1/accounts/u000001/explain')],
    '401': [(s) => s.anonymous('/api/v1/accounts/u000004/explain')],
  },
  listQueue: {
    '200': [(s) => s.reader('/api/v1/queue'), (s) => s.reader('/api/v1/queue?offset=1&limit=1')],
    '400': [(s) => s.reader('/api/v1/queue?limit=0'), (s) => s.reader('/api/v1/queue?offset=-1')],
    '401': [(s) => s.anonymous('/api/v1/queue')],
  },
  changeAccount: {
    '200': [(s) => s.admin('/api/v1/accounts/u000005/protect', post), (s) => s.admin('/api/v1/accounts/u000005/unprotect', { method: 'POST', body: { reason: 'contract test' } })],
    '400': [
      (s) => s.admin('/api/v1/accounts/x%00/protect', post), (s) => s.admin('/api/v1/accounts/u000005/delete', post),
      (s) => s.admin('/api/v1/accounts/u000005/protect', { method: 'POST', body: { reason: 'x'.repeat(501) } }),
      (s) => s.admin('/api/v1/accounts/u000005/protect', { method: 'POST', body: { reason: 'two\nlines' } }),
      (s) => s.admin('/api/v1/accounts/u000005/protect', { method: 'POST', body: { reason: 123 } }),
    ],
    '404': [(s) => s.admin('/api/v1/accounts/99999999999999999999/protect', post)],
    '409': [(s) => s.admin('/api/v1/accounts/u000001/protect', post)],
    '413': [(s) => s.admin('/api/v1/accounts/u000005/protect', { method: 'POST', raw: { contentType: 'application/json', text: JSON.stringify({ reason: 'x'.repeat(70_000) }) } })],
    '415': [(s) => s.admin('/api/v1/accounts/u000005/protect', { method: 'POST', raw: { contentType: 'text/xml', text: '<reason/>' } })],
    '401': [(s) => s.anonymous('/api/v1/accounts/u000005/protect', post)],
    '403': [(s) => s.reader('/api/v1/accounts/u000005/protect', post)],
  },
  listSyncs: {
    '200': [(s) => s.reader('/api/v1/syncs?limit=5')],
    '400': [(s) => s.reader('/api/v1/syncs?limit=0'), (s) => s.reader('/api/v1/syncs?limit=1e400'), (s) => s.reader('/api/v1/syncs?source=nope')],
    '401': [(s) => s.anonymous('/api/v1/syncs')],
  },
  requestSync: {
    '202': [(s) => s.admin('/api/v1/syncs', { method: 'POST', body: { source: 'crm', dryRun: true } })],
    '400': [
      (s) => s.admin('/api/v1/syncs', { method: 'POST', body: { source: 'nope' } }), (s) => s.admin('/api/v1/syncs', { method: 'POST', body: { dryRun: 'perhaps' } }),
      (s) => s.admin('/api/v1/syncs', { method: 'POST', raw: { contentType: 'application/json', text: '{"source":' } }),
    ],
    '413': [(s) => s.admin('/api/v1/syncs', { method: 'POST', raw: { contentType: 'application/json', text: JSON.stringify({ source: 'x'.repeat(70_000) }) } })],
    '415': [(s) => s.admin('/api/v1/syncs', { method: 'POST', raw: { contentType: 'application/x-www-form-urlencoded', text: 'source=hr' } })],
    '401': [(s) => s.anonymous('/api/v1/syncs', { method: 'POST', body: {} })],
    '403': [(s) => s.reader('/api/v1/syncs', { method: 'POST', body: {} })],
  },
  getSync: {
    '200': [
      (s) => s.reader(`/api/v1/syncs/${s.firstJobId}`), (s) => s.reader(`/api/v1/syncs/${s.firstRunId}`),
      ...(['failed', 'held', 'dryRun', 'applied'] as const).map((job): Case => (s) => s.reader(`/api/v1/syncs/${s.jobs[job]}`)),
      // Their runs: lab's failed run, crm's held one, hr's with skipped and repaired entries.
      ...(['failed', 'held', 'applied'] as const).map((run): Case => (s) => s.reader(`/api/v1/syncs/${s.runs[run]}`)),
    ],
    '400': [(s) => s.reader('/api/v1/syncs/x%00')],
    '404': [(s) => s.reader('/api/v1/syncs/99999999999999999999999'), (s) => s.reader('/api/v1/syncs/nope')],
    '401': [(s) => s.anonymous(`/api/v1/syncs/${s.firstRunId}`)],
  },
  listAudit: {
    '200': [
      (s) => s.reader('/api/v1/audit?limit=1'), (s) => s.reader('/api/v1/audit?since=2020-01-01&account=u000004'),
      // The whole trail: runs' changes, admin actions with a comment, a block with `takenBy`.
      (s) => s.reader('/api/v1/audit'),
    ],
    '400': [(s) => s.reader('/api/v1/audit?since=99999-01-01'), (s) => s.reader('/api/v1/audit?since=yesterday'), (s) => s.reader('/api/v1/audit?limit=1e400')],
    '404': [(s) => s.reader('/api/v1/audit?account=nobody')],
    '409': [(s) => s.reader('/api/v1/audit?account=u000001')],
    '401': [(s) => s.anonymous('/api/v1/audit')],
  },
};

describe('the API against its OpenAPI document', () => {
  let server: ApiServer;
  let doc: Document;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: its default export arrives as the module object under Node's ESM loader.
  type FormatsPlugin = (ajv: Ajv2020) => unknown;
  const formats = addFormatsModule as unknown as FormatsPlugin & { default?: FormatsPlugin };
  (formats.default ?? formats)(ajv);
  const compiled = new Map<string, { schema: SchemaNode; validate: ValidateFunction }>();
  /**
   * A `#/components/schemas/X` reference of the served document inlined, undeclared properties
   * forbidden, each component titled with its name (the coverage check names parts by component), and
   * its validator.
   */
  const compiledOf = (ref: string): { schema: SchemaNode; validate: ValidateFunction } => {
    let found = compiled.get(ref);
    if (!found) {
      const components = Object.fromEntries(Object.entries(doc.components.schemas).map(([name, s]) => [name, { title: name, ...(s as object) }]));
      const schema = inlineSchema({ $ref: ref }, { components, forbidUndeclared: true }) as SchemaNode;
      found = { schema, validate: ajv.compile(schema) };
      compiled.set(ref, found);
    }
    return found;
  };
  const validatorOf = (ref: string): ValidateFunction => compiledOf(ref).validate;
  /** Each part of each documented response schema (see `partsOf`): seen in a validated body yet? */
  const parts = new Map<string, boolean>();

  beforeAll(async () => {
    server = await startApiServer('openapi', { everyShape: true });
    doc = (await server.anonymous('/api/v1/openapi.json')).body as Document;
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('is a valid OpenAPI 3.1 document (swagger-parser) with an operationId on every operation', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    const ids = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((o) => o.operationId));
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has a case in this test for every status of every operation, and no case for a status it does not document', () => {
    const documented = Object.values(doc.paths).flatMap((methods) =>
      Object.values(methods).flatMap((o) => Object.keys(o.responses).map((status) => `${o.operationId} ${status}`)),
    );
    const covered = [
      ...Object.entries(CASES).flatMap(([id, statuses]) => Object.keys(statuses).map((status) => `${id} ${status}`)),
      ...TESTED_ELSEWHERE,
    ];
    expect(covered.sort()).toEqual(documented.sort());
  });

  it('answers every documented status with a body its schema accepts', async () => {
    const failures: string[] = [];
    for (const methods of Object.values(doc.paths)) {
      for (const op of Object.values(methods)) {
        for (const [status, response] of Object.entries(op.responses)) {
          for (const [i, call] of (CASES[op.operationId]?.[status] ?? []).entries()) {
            const res = await call(server);
            const what = `${op.operationId} ${status} case ${i + 1}`;
            if (String(res.status) !== status) {
              failures.push(`${what}: answered ${res.status}: ${res.text.slice(0, 300)}`);
              continue;
            }
            const type = res.headers.get('content-type') ?? '';
            if (type.startsWith('text/csv')) {
              if (!response.content?.['text/csv']) failures.push(`${what}: CSV is not documented`);
              continue;
            }
            const ref = response.content?.['application/json']?.schema.$ref;
            if (!type.startsWith('application/json') || !ref) {
              failures.push(`${what}: content type ${type}, documented ${Object.keys(response.content ?? {}).join(', ')}`);
              continue;
            }
            const { schema, validate } = compiledOf(ref);
            if (validate(res.body)) partsOf(schema, res.body, parts, (branch, body) => ajv.validate(branch, body));
            else failures.push(`${what}: ${ajv.errorsText(validate.errors)} in ${res.text.slice(0, 300)}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('has produced every part of every response schema in some body above, but the few listed with why not', () => {
    for (const methods of Object.values(doc.paths)) {
      for (const op of Object.values(methods)) {
        for (const response of Object.values(op.responses)) {
          const ref = response.content?.['application/json']?.schema.$ref;
          if (ref) partsOf(compiledOf(ref).schema, NO_BODY, parts, () => false);
        }
      }
    }
    const unseen = [...parts].filter(([, seen]) => !seen).map(([part]) => part);
    expect(unseen.filter((part) => !(part in NEVER_PRODUCED)).sort()).toEqual([]);
    // The list names parts that exist and are still never produced.
    expect(Object.keys(NEVER_PRODUCED).filter((part) => !unseen.includes(part))).toEqual([]);
  });

  it('has an account in every state, and a protected one and one in grace among the active', async () => {
    const { items } = (await server.reader('/api/v1/accounts')).body as { items: { state: string; protected: boolean; graceUntil: string | null }[] };
    expect(new Set(items.map((a) => a.state))).toEqual(new Set(ACCOUNT_STATES));
    expect(items.filter((a) => a.state === 'active').map((a) => [a.protected, a.graceUntil !== null])).toEqual(expect.arrayContaining([[true, false], [false, true]]));
  });

  it('tells a job from a run by its kind, each matching exactly one branch of the sync schema', async () => {
    const job = await server.reader(`/api/v1/syncs/${server.firstJobId}`);
    const run = await server.reader(`/api/v1/syncs/${server.firstRunId}`);
    expect(job.body).toMatchObject({ kind: 'job', state: 'completed', result: { runs: [{ source: 'hr', seen: 6 }] } });
    expect(run.body).toMatchObject({ kind: 'run', id: server.firstRunId, source: 'hr', seen: 6 });
    const validate = validatorOf('#/components/schemas/SyncJobOrRun');
    expect([validate(job.body), validate(run.body)]).toEqual([true, true]);
  });

  it("reads the runs the server's syncs recorded: a failed, a held and an applied one with skipped entries", async () => {
    const run = async (id: string | undefined) => (await server.reader(`/api/v1/syncs/${id}`)).body;
    expect(await run(server.runs.failed)).toMatchObject({ kind: 'run', source: 'lab', status: 'failed' });
    expect(await run(server.runs.held)).toMatchObject({ kind: 'run', source: 'crm', status: 'held' });
    expect(await run(server.runs.applied)).toMatchObject({ kind: 'run', source: 'hr', status: 'ok', skipped: 3 });
  });

  it('refuses a property its schema does not declare, at any depth, but not in a map the schema leaves open', async () => {
    const job = (await server.reader(`/api/v1/syncs/${server.firstJobId}`)).body as { progress: object; result: { pools: object[] } };
    const run = (await server.reader(`/api/v1/syncs/${server.firstRunId}`)).body as { details: object };
    const validate = validatorOf('#/components/schemas/SyncJobOrRun');
    const withExtra = <T extends object>(o: T) => ({ ...o, undeclared: 1 });
    expect(validate(withExtra(job))).toBe(false);
    expect(validate({ ...job, progress: withExtra(job.progress) })).toBe(false);
    expect(validate({ ...job, result: { ...job.result, pools: job.result.pools.map(withExtra) } })).toBe(false);
    expect(validate(withExtra(run))).toBe(false);
    expect(validate({ ...run, details: withExtra(run.details) })).toBe(true);
  });

  it('pages accounts forward in id order and audit entries back from the newest, to the end', async () => {
    const all = (await server.reader('/api/v1/accounts')).body as { items: { id: number }[]; nextCursor: string | null };
    expect(all.nextCursor).toBeNull();
    const paged: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = (await server.reader(`/api/v1/accounts?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).body as typeof all;
      expect(page.items.length).toBeLessThanOrEqual(3);
      paged.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
    }
    expect(paged).toEqual(all.items.map((a) => a.id));
    expect(paged).toHaveLength(13); // old's account among them: out of the config, it is kept

    const audit = (await server.reader('/api/v1/audit')).body as { items: { id: string }[]; nextCursor: string | null };
    expect(audit.nextCursor).toBeNull();
    const pages: string[][] = [];
    cursor = '';
    while (cursor !== null) {
      const page = (await server.reader(`/api/v1/audit?limit=4${cursor ? `&cursor=${cursor}` : ''}`)).body as typeof audit;
      pages.push(page.items.map((e) => e.id));
      cursor = page.nextCursor;
    }
    // Each page newest last; the pages go back in time: reversed, they are the whole trail in order.
    expect(pages.reverse().flat()).toEqual(audit.items.map((e) => e.id));
    expect(audit.items.length).toBeGreaterThan(4);
    // A cursor of one list is not a position in the other.
    const accountsCursor = ((await server.reader('/api/v1/accounts?limit=1')).body as typeof all).nextCursor;
    expect(await server.reader(`/api/v1/audit?cursor=${accountsCursor}`)).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
  });

  it('names the parameter and the problem in words in a 400', async () => {
    expect(await server.reader('/api/v1/accounts/x%00')).toMatchObject({ status: 400, body: { error: { code: 'validation', message: 'params/id must not contain control characters (such as NUL or a line break)' } } });
    expect(await server.reader('/api/v1/audit?sinse=2026-01-01')).toMatchObject({ status: 400, body: { error: { message: 'querystring has no parameter "sinse"' } } });
    expect(await server.reader('/api/v1/audit?since=99999-01-01')).toMatchObject({ status: 400, body: { error: { message: 'since: not a date: "99999-01-01" (use e.g. 2026-01-31 or 2026-01-31T12:00:00Z)' } } });
    expect(await server.reader('/api/v1/accounts?limit=20000')).toMatchObject({ status: 400, body: { error: { message: 'querystring/limit must be <= 10000' } } });
  });

  it('sends what the CLI prints, field for field: a field missing from a schema would not go out', async () => {
    // Settle first: no sync may end between the two reads.
    await waitFor(async () => {
      const { jobs } = (await server.reader('/api/v1/syncs?limit=50')).body as { jobs: { state: string }[] };
      return jobs.every((j) => j.state === 'completed' || j.state === 'failed');
    }, { what: 'every queued sync to end' });
    // Also a protected account (u000007), one in grace (u000009) and a suspended one (2).
    const explained = ['u000004', 'u000005', 'u000007', 'u000009', '2'];
    // The CLI's processes run side by side: each answers from the settled database.
    const pairs: [string, (body: unknown) => unknown][] = [
      ['status', (body) => body],
      ['accounts', (body) => (body as { items: unknown[] }).items],
      ['audit', (body) => (body as { items: unknown[] }).items],
      ...explained.map((account): [string, (body: unknown) => unknown] => [`accounts/${account}/explain`, (body) => body]),
    ];
    const cli = await Promise.all(
      pairs.map(([path]) => runCli([...(path.endsWith('/explain') ? ['explain', path.split('/')[1]!] : [path]), '--json', '--config', server.configPath])),
    );
    for (const [i, [path, itemsOf]] of pairs.entries()) {
      const printed = cli[i]!;
      expect(printed.code, printed.stderr).toBe(0);
      expect(itemsOf((await server.reader(`/api/v1/${path}`)).body), path).toEqual(JSON.parse(printed.stdout));
    }
  });

  it('sends every field the worker holds of a job, a run and the queue: none is dropped for want of a schema', async () => {
    const redis = new Redis(REDIS_URL);
    const db = await openDatabase({ url: server.databaseUrl, dataDir: 'unused' });
    try {
      const syncQueue = openSyncQueue(redis, server.prefix);
      for (const id of [server.firstJobId, ...Object.values(server.jobs)]) {
        const held = JSON.parse(JSON.stringify(await findSyncJob(syncQueue, id))) as object;
        expect((await server.reader(`/api/v1/syncs/${id}`)).body).toEqual({ kind: 'job', ...held });
      }
      await syncQueue.close();
      const repos = repositoriesOf(db);
      for (const id of [server.firstRunId, ...Object.values(server.runs)]) {
        const held = JSON.parse(JSON.stringify(await repos.runs.get(id))) as object;
        expect((await server.reader(`/api/v1/syncs/${id}`)).body).toEqual({ kind: 'run', ...held });
      }
      const queue = await waitingQueue(repos, await loadConfig({ path: server.configPath }), { offset: 0, limit: 100 });
      expect(queue.entries.length).toBeGreaterThan(1);
      expect((await server.reader('/api/v1/queue')).body).toEqual(JSON.parse(JSON.stringify(queue)));
    } finally {
      redis.disconnect();
      await db.close();
    }
  });

  it('sends API data with no-store and nosniff, and the console without a referrer', async () => {
    for (const res of [await server.reader('/api/v1/status'), await server.anonymous('/api/v1/status'), await server.reader('/api/v1/accounts?format=csv')]) {
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });
});
