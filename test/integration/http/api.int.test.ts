// The HTTP API of `seatsync run` (SPEC §6) against real PostgreSQL and Redis, the worker running in this
// process: probes, bearer tokens and roles, syncs through the queue with progress, accounts (JSON and
// CSV), admin actions, audit, metrics, the OpenAPI document, JSON errors and request logs.
import { Writable } from 'node:stream';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncJobView } from '../../../jobs/job-view.ts';
import type { HeldReport } from '../../../src/domain/hold.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { formatCount } from '../../../src/domain/counted.ts';
import { inlineSchema } from '../../../src/http/api-route.ts';
import type { StatusView } from '../../../src/sync/status.ts';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { startWorker, type RunningWorker } from '../../../src/worker.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import {
  ADMIN_TOKEN, aConfigDir, api, clearPrefix, manyPeople, migratedPostgres, READ_TOKEN, requireRedis, uniquePrefix, waitFor,
} from '../worker/worker-fixtures.ts';

const USERS = 60_000;
const SEATS = 10;

describe('HTTP API', () => {
  const prefix = uniquePrefix('http');
  let pg: { url: string; drop: () => Promise<void> };
  let db: Database;
  let worker: RunningWorker;
  let logs = '';
  let admin: ReturnType<typeof api>;
  let reader: ReturnType<typeof api>;
  let anonymous: ReturnType<typeof api>;
  let firstSync: { id: string; sawProgress: SyncJobView; done: SyncJobView };
  let dir: ReturnType<typeof aConfigDir>;

  beforeAll(async () => {
    await requireRedis();
    pg = await createPostgresDatabase();
    dir = aConfigDir();
    const hr = dir.writeCsv('hr', manyPeople(USERS, 'u'));
    // A second source with the same usernames as the first three of hr: ambiguous references.
    const crm = dir.writeCsv('crm', manyPeople(3, 'u'));
    dir.writeConfig({ databaseUrl: pg.url, prefix, sources: { hr, crm }, seats: { primary: SEATS } });
    const config = await loadConfig({ path: dir.configPath });
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((logs += chunk.toString()), done()) });
    worker = await startWorker({
      config,
      logger: pino({ level: 'info' }, sink),
      database: migratedPostgres(pg.url),
    });
    db = await openDatabase({ url: pg.url, dataDir: 'unused' });
    admin = api(worker.url, ADMIN_TOKEN);
    reader = api(worker.url, READ_TOKEN);
    anonymous = api(worker.url, null);

    const accepted = await admin('/api/v1/syncs', { method: 'POST', body: { source: 'hr' } });
    expect(accepted.status).toBe(202);
    const id = (accepted.body as { id: string }).id;
    expect(accepted.headers.get('location')).toBe(`/api/v1/syncs/${id}`);
    const sawProgress = await waitFor(async () => {
      const view = (await reader(`/api/v1/syncs/${id}`)).body as SyncJobView;
      return view.state === 'active' && view.progress?.phase === 'read' && view.progress.read > 0 ? view : null;
    }, { what: 'progress of the first sync', everyMs: 20 });
    const done = await waitFor(async () => {
      const view = (await reader(`/api/v1/syncs/${id}`)).body as SyncJobView;
      return view.state === 'completed' ? view : null;
    }, { what: 'the first sync to complete', timeoutMs: 90_000 });
    await admin('/api/v1/syncs', { method: 'POST', body: { source: 'crm' } }).then(async (r) => {
      const crmId = (r.body as { id: string }).id;
      await waitFor(async () => ((await reader(`/api/v1/syncs/${crmId}`)).body as SyncJobView).state === 'completed', { what: 'the crm sync' });
    });
    firstSync = { id, sawProgress, done };
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await db?.close();
    await pg?.drop();
    await clearPrefix(prefix);
  });

  it('answers the probes without a token', async () => {
    expect(await anonymous('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await anonymous('/readyz')).toMatchObject({ status: 200, body: { status: 'ready', checks: { database: 'ok', redis: 'ok' } } });
  });

  it('serves the console without data, under a CSP that allows only its own scripts and styles', async () => {
    const res = await fetch(`${worker.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).toContain('<script type="module" src="assets/console.js"></script>');
    expect(html).not.toMatch(/<script>|<style>| style=/);
    expect(html).not.toContain('u000001'); // no account data in the page itself
    const script = await fetch(`${worker.url}/assets/console.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain('api/v1/');
    expect((await fetch(`${worker.url}/assets/console.css`)).status).toBe(200);
    expect((await fetch(`${worker.url}/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it('refuses a request without a token or with an unknown one (401), and a write with a read token (403)', async () => {
    const none = await anonymous('/api/v1/status');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: 'unauthorized' } });
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await api(worker.url, 'not-a-token')('/api/v1/status')).status).toBe(401);
    expect((await api(worker.url, `${ADMIN_TOKEN}x`)('/api/v1/status')).status).toBe(401);
    const forbidden = await reader('/api/v1/syncs', { method: 'POST', body: {} });
    expect(forbidden).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await reader('/api/v1/accounts/u000001/block', { method: 'POST' })).status).toBe(403);
    expect((await reader('/api/v1/status')).status).toBe(200);
  });

  it('queues a sync with 202 and its job id, then shows its progress and result', () => {
    expect(firstSync.sawProgress).toMatchObject({ id: firstSync.id, state: 'active', sources: ['hr'], trigger: 'api:ops' });
    expect(firstSync.sawProgress.progress).toMatchObject({ phase: 'read', source: 'hr' });
    expect(firstSync.sawProgress.progress!.read).toBeLessThan(USERS);
    expect(firstSync.done.result).toEqual({
      runs: [expect.objectContaining({ source: 'hr', status: 'ok', seen: USERS, created: USERS, activated: SEATS, blocked: USERS - SEATS, dryRun: false })],
      pools: [{ name: 'primary', seats: SEATS, used: SEATS, available: 0, waiting: USERS - SEATS }],
    });
    expect(firstSync.done.progress).toMatchObject({ phase: 'done' });
  });

  it('carries a dry run\'s list of changes in the job result', async () => {
    const accepted = await admin('/api/v1/syncs', { method: 'POST', body: { source: 'crm', dryRun: true } });
    expect(accepted.status).toBe(202);
    const id = (accepted.body as { id: string }).id;
    const done = await waitFor(async () => {
      const view = (await reader(`/api/v1/syncs/${id}`)).body as SyncJobView;
      return view.state === 'completed' ? view : null;
    }, { what: 'the dry run' });
    // Synced before with the same export: nothing would change, and the (empty) list says so.
    expect(done.result?.runs[0]).toMatchObject({ source: 'crm', status: 'ok', dryRun: true, changes: [], changesTotal: 0 });
  });

  it('lists recent jobs and runs, and shows a run by its numeric id', async () => {
    const list = await reader('/api/v1/syncs?limit=5');
    const body = list.body as { jobs: { id: string }[]; runs: { id: string; source: string; status: string; trigger: string }[] };
    expect(body.jobs.map((j) => j.id)).toContain(firstSync.id);
    const hrRun = body.runs.find((r) => r.source === 'hr');
    expect(hrRun).toMatchObject({ status: 'ok', trigger: 'api:ops' });
    expect(await reader(`/api/v1/syncs/${hrRun!.id}`)).toMatchObject({ status: 200, body: { id: hrRun!.id, source: 'hr' } });
    expect(await reader('/api/v1/syncs/999999')).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
    expect((await reader('/api/v1/syncs/nope')).status).toBe(404);
    // A misspelt source filter is named, as for accounts, not answered with every job.
    expect(await reader('/api/v1/syncs?source=nope')).toMatchObject({ status: 400, body: { error: { code: 'unknown-source', message: 'unknown source "nope"; configured: hr, crm' } } });
  });

  it('validates sync requests', async () => {
    expect(await admin('/api/v1/syncs', { method: 'POST', body: { source: 'nope' } })).toMatchObject({ status: 400, body: { error: { code: 'unknown-source' } } });
    expect(await admin('/api/v1/syncs', { method: 'POST', body: { dryRun: 'perhaps' } })).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
    expect(await admin('/api/v1/syncs', { method: 'POST', body: { dryRun: 'true' } })).toMatchObject({ status: 400, body: { error: { code: 'validation', message: 'body/dryRun must be boolean' } } });
  });

  it('refuses a body it cannot read in its own codes and words, never Fastify\'s', async () => {
    const sync = (raw: { contentType: string; text: string }) => admin('/api/v1/syncs', { method: 'POST', raw });
    expect(await sync({ contentType: 'application/json', text: '{"source":' })).toMatchObject({ status: 400, body: { error: { code: 'invalid-json', message: 'the body is not valid JSON' } } });
    expect(await sync({ contentType: 'application/json', text: '' })).toMatchObject({ status: 400, body: { error: { code: 'invalid-json' } } });
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain']) {
      expect(await sync({ contentType, text: 'source=hr' }), contentType).toMatchObject({
        status: 415, body: { error: { code: 'unsupported-media-type', message: 'the body must be JSON (Content-Type: application/json)' } },
      });
    }
    expect(await sync({ contentType: 'application/json', text: JSON.stringify({ source: 'x'.repeat(70_000) }) })).toMatchObject({
      status: 413, body: { error: { code: 'body-too-large', message: 'the body is larger than 64 KiB' } },
    });
  });

  it('answers a method a path does not take with 405 and the methods it takes', async () => {
    const healthz = await anonymous('/healthz', { method: 'POST' });
    expect(healthz).toMatchObject({ status: 405, body: { error: { code: 'method-not-allowed', message: 'POST is not allowed on /healthz; allowed: GET, HEAD' } } });
    expect(healthz.headers.get('allow')).toBe('GET, HEAD');
    const account = await admin('/api/v1/accounts/1', { method: 'DELETE' });
    expect(account).toMatchObject({ status: 405, body: { error: { code: 'method-not-allowed' } } });
    expect(account.headers.get('allow')).toBe('GET, HEAD');
    expect((await admin('/api/v1/syncs', { method: 'PUT', body: {} })).headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await admin('/api/v1/accounts/1/block')).headers.get('allow')).toBe('POST');
    expect(await admin('/api/v1/nothing-here', { method: 'DELETE' })).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
    expect(await admin('/api/v1/syncs', { method: 'POST', body: { sources: ['hr'] } })).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
  });

  it('lists accounts as JSON and streams them as CSV, with the CLI filters', async () => {
    const active = await reader('/api/v1/accounts?state=active&source=hr');
    expect(active.status).toBe(200);
    const rows = (active.body as { items: { username: string; state: string; pools: string[] }[] }).items;
    expect(rows).toHaveLength(SEATS);
    expect(rows.every((a) => a.state === 'active' && a.pools.includes('primary'))).toBe(true);
    const csv = await reader('/api/v1/accounts?format=csv&state=blocked&pool=primary');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id,source,externalId,username,/);
    expect(lines).toHaveLength(1 + USERS - SEATS + 3);
    expect(await reader('/api/v1/accounts?state=bogus')).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
    expect(await reader('/api/v1/accounts?pool=bogus')).toMatchObject({ status: 400, body: { error: { code: 'unknown-pool' } } });
    expect(await reader('/api/v1/accounts?source=nope')).toMatchObject({ status: 400, body: { error: { code: 'unknown-source', message: 'unknown source "nope"; configured: hr, crm' } } });
  });

  it('blocks and unblocks an account as the token, and records it in the audit trail', async () => {
    const blocked = await admin('/api/v1/accounts/u000005/block', { method: 'POST' });
    expect(blocked).toMatchObject({ status: 200, body: { changed: true, account: { username: 'u000005', state: 'suspended' } } });
    // Its seat went to the first waiting account at once.
    const used = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM accounts WHERE held ? 'primary'`);
    expect(used.rows[0]?.n).toBe(SEATS);
    expect(await admin('/api/v1/accounts/u000005/block', { method: 'POST' })).toMatchObject({ status: 200, body: { changed: false } });
    const audit = await reader('/api/v1/audit?account=u000005');
    const entries = (audit.body as { items: { actor: string; to: string; reason: string }[] }).items;
    expect(entries.some((e) => e.actor === 'api:ops' && e.to === 'suspended')).toBe(true);
    expect(await admin('/api/v1/accounts/u000005/unblock', { method: 'POST' })).toMatchObject({ status: 200, body: { changed: true } });
  });

  it('searches accounts by part of the username, name or email, page by page', async () => {
    type Page = { items: { username: string }[]; nextCursor: string | null };
    const first = await reader('/api/v1/accounts?q=U00001&source=hr&limit=4');
    expect(first.status).toBe(200);
    const page1 = first.body as Page;
    expect(page1.items.map((a) => a.username)).toEqual(['u000010', 'u000011', 'u000012', 'u000013']);
    const second = (await reader(`/api/v1/accounts?q=U00001&source=hr&limit=4&cursor=${page1.nextCursor ?? ''}`)).body as Page;
    expect(second.items.map((a) => a.username)).toEqual(['u000014', 'u000015', 'u000016', 'u000017']);
    const last = (await reader('/api/v1/accounts?q=u000019&limit=4')).body as Page;
    expect(last).toMatchObject({ items: [{ username: 'u000019' }], nextCursor: null });
    // LIKE wildcards in the search are plain characters.
    expect(((await reader('/api/v1/accounts?q=u_00001&limit=4')).body as Page).items).toEqual([]);
    expect(((await reader('/api/v1/accounts?q=%25&limit=4')).body as Page).items).toEqual([]);
    const csv = await reader('/api/v1/accounts?format=csv&q=u00002&source=hr');
    expect(csv.text.trimEnd().split('\n')).toHaveLength(1 + 10);
    expect(await reader(`/api/v1/accounts?q=${'x'.repeat(201)}`)).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
    expect((await reader('/api/v1/accounts?limit=0')).status).toBe(400);
    expect((await reader('/api/v1/accounts?limit=5&cursor=abc')).status).toBe(400);
  });

  it('lists the waiting queue in the order seats are given, each with why it waits', async () => {
    const queue = await reader('/api/v1/queue?limit=3');
    expect(queue.status).toBe(200);
    const body = queue.body as { total: number; entries: { position: number; username: string; why: string; pools: { name: string; ahead: number }[] }[] };
    expect(body.total).toBe(USERS - SEATS + 3);
    expect(body.entries.map((e) => e.position)).toEqual([1, 2, 3]);
    expect(body.entries[2]?.why).toBe(`primary is full (${SEATS} of ${SEATS} seats in use), 2 ahead waiting for it; 3rd of ${formatCount(body.total)} in the queue`);
    const third = body.entries[2]?.username ?? '';
    const later = await reader('/api/v1/queue?offset=2&limit=1');
    expect((later.body as typeof body).entries.map((e) => e.username)).toEqual([third]);
    expect((await reader('/api/v1/queue?limit=100000')).status).toBe(400);
  });

  it('explains an account: state, profile and rule, queue standing, latest audit entries', async () => {
    const blocked = await reader('/api/v1/accounts/u000500/explain');
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({
      account: { username: 'u000500', state: 'blocked' },
      explanation: {
        state: 'blocked',
        profile: { name: 'staff', position: 1, of: 1, pools: ['primary'] },
        protectedBy: { admin: false, policy: false },
        queue: { total: USERS - SEATS + 3, pools: [{ name: 'primary', seats: SEATS, used: SEATS, full: true }] },
      },
      audit: [{ to: 'blocked', reason: 'seats' }],
    });
    const explained = blocked.body as { explanation: { summary: string; queue: { position: number } } };
    expect(explained.explanation.summary).toMatch(/^waiting for a seat: primary is full \(10 of 10 seats in use\), [\d,]+ ahead waiting for it; [\d,]+th of [\d,]+ in the queue$/);
    const position = explained.explanation.queue.position;
    const atPosition = (await reader(`/api/v1/queue?offset=${position - 1}&limit=1`)).body as { entries: { username: string }[] };
    expect(atPosition.entries[0]?.username).toBe('u000500');
    expect(await reader('/api/v1/accounts/nobody/explain')).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
    expect(await reader('/api/v1/accounts/u000001/explain')).toMatchObject({ status: 409, body: { error: { code: 'ambiguous' } } });
  });

  it('stores the reason an admin gives with the audit entry of the action', async () => {
    const done = await admin('/api/v1/accounts/u000007/protect', { method: 'POST', body: { reason: '  on-call this week ' } });
    expect(done).toMatchObject({ status: 200, body: { changed: true, account: { protected: true } } });
    const entries = ((await reader('/api/v1/audit?account=u000007')).body as { items: { reason: string; comment: string | null }[] }).items;
    expect(entries.at(-1)).toMatchObject({ reason: 'protect', comment: 'on-call this week' });
    expect(await admin('/api/v1/accounts/u000007/unprotect', { method: 'POST', body: { reason: 'x'.repeat(501) } })).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
    expect(await admin('/api/v1/accounts/u000007/unprotect', { method: 'POST', body: { reason: 'two\nlines' } })).toMatchObject({
      status: 400, body: { error: { code: 'invalid-reason', message: 'reason: contains a control character (a line break, tab or NUL); write it on one line' } },
    });
    expect(await reader('/api/v1/accounts/u000007/unprotect', { method: 'POST', body: { reason: 'no' } })).toMatchObject({ status: 403 });
    // A body's types are taken as sent: a number is not the text of a reason.
    expect(await admin('/api/v1/accounts/u000007/protect', { method: 'POST', body: { reason: 123 } })).toMatchObject({ status: 400, body: { error: { code: 'validation', message: 'body/reason must be string' } } });
    expect(await admin('/api/v1/accounts/u000007/unprotect', { method: 'POST' })).toMatchObject({ status: 200, body: { changed: true } });
    const explained = (await reader('/api/v1/accounts/u000007/explain')).body as { audit: { reason: string; comment: string | null }[] };
    expect(explained.audit.slice(-2).map((a) => [a.reason, a.comment])).toEqual([['protect', 'on-call this week'], ['unprotect', null]]);
  });

  it('says when each source runs next: never, without a schedule', async () => {
    expect(await reader('/api/v1/schedules')).toMatchObject({ status: 200, body: { sources: [{ name: 'hr', nextRunAt: null }, { name: 'crm', nextRunAt: null }] } });
  });

  it('tells a token its name and role', async () => {
    expect(await reader('/api/v1/me')).toMatchObject({ status: 200, body: { name: 'viewer', role: 'read' } });
    expect(await admin('/api/v1/me')).toMatchObject({ status: 200, body: { name: 'ops', role: 'admin' } });
    expect((await anonymous('/api/v1/me')).status).toBe(401);
  });

  it('filters the audit trail by run', async () => {
    const runs = ((await reader('/api/v1/syncs?source=crm')).body as { runs: { id: string }[] }).runs;
    const runId = runs[0]?.id ?? '';
    const entries = ((await reader(`/api/v1/audit?run=${runId}`)).body as { items: { runId: string; source: string }[] }).items;
    expect(entries).toHaveLength(3);
    expect(entries.every((e) => e.runId === runId && e.source === 'crm')).toBe(true);
    expect((await reader('/api/v1/audit?run=latest')).status).toBe(400);
  });

  it('names every bad audit filter value in one 400, as seatsync audit does, before the schema would stop at the first', async () => {
    const answer = await reader('/api/v1/audit?reason=nope&to=gone&limit=0&run=latest&since=yesterday&account=u000005');
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
    const parts = (answer.body as { error: { message: string } }).error.message.split('; ');
    expect(parts.map((part) => /^\w+/.exec(part)?.[0])).toEqual(['since', 'reason', 'to', 'run', 'limit']);
    expect(parts).toEqual([
      expect.stringContaining('not a date: "yesterday"'),
      expect.stringContaining('not "nope"'),
      expect.stringContaining('not "gone"'),
      expect.stringContaining('not "latest"'),
      'limit must be a whole number from 1 to 10000, not "0"',
    ]);
    // One bad value alone: its own sentence; a value given twice or a parameter the route lacks: the schema's word, still a 400.
    expect(await reader('/api/v1/audit?limit=20000')).toMatchObject({ status: 400, body: { error: { code: 'validation', message: 'limit must be a whole number from 1 to 10000, not "20000"' } } });
    expect(await reader('/api/v1/audit?reason=nope&reason=admin')).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
    expect(await reader('/api/v1/audit?to=gone&sinse=2026-01-01')).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
  });

  it('answers 404 for an unknown account, 409 for an ambiguous one, 400 for a bad action or date', async () => {
    expect(await admin('/api/v1/accounts/nobody/protect', { method: 'POST' })).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
    expect(await admin('/api/v1/accounts/u000001/protect', { method: 'POST' })).toMatchObject({ status: 409, body: { error: { code: 'ambiguous' } } });
    expect((await admin('/api/v1/accounts/u000001/delete', { method: 'POST' })).status).toBe(400);
    expect(await reader('/api/v1/audit?since=yesterday-ish')).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
    // A date that does not exist is refused, not rolled over to March 2.
    expect(await reader('/api/v1/audit?since=2026-02-30')).toMatchObject({ status: 400, body: { error: { code: 'validation', message: 'since: not a date: "2026-02-30" (use e.g. 2026-01-31 or 2026-01-31T12:00:00Z)' } } });
    expect(await reader('/api/v1/nothing-here')).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
  });

  it('serves status in the SPEC shape', async () => {
    const status = await reader('/api/v1/status');
    expect(status.body).toMatchObject({
      pools: [{ name: 'primary', seats: SEATS, used: SEATS, available: 0 }],
      sources: [{ name: 'hr', lastRun: { status: 'ok', seen: USERS } }, { name: 'crm', lastRun: { status: 'ok', seen: 3 } }],
      outbox: { pending: 0, failed: 0 },
    });
  });

  it('exports pool gauges, run metrics and process metrics', async () => {
    const metrics = await anonymous('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.text).toContain(`seatsync_pool_seats{pool="primary"} ${SEATS}`);
    expect(metrics.text).toContain(`seatsync_pool_used{pool="primary"} ${SEATS}`);
    expect(metrics.text).toMatch(/seatsync_pool_waiting\{pool="primary"\} \d+/);
    expect(metrics.text).toContain('seatsync_runs_total{source="hr",status="ok"} 1');
    expect(metrics.text).toContain(`seatsync_users_seen{source="hr"} ${USERS}`);
    expect(metrics.text).toMatch(/seatsync_run_duration_seconds_count\{source="hr",status="ok"\} 1/);
    expect(metrics.text).toContain('seatsync_outbox_pending 0');
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
  });

  it('serves an OpenAPI 3.1 document describing every route', async () => {
    const doc = (await anonymous('/api/v1/openapi.json')).body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/api/v1/accounts', '/api/v1/accounts/{id}', '/api/v1/accounts/{id}/{action}', '/api/v1/accounts/{id}/explain', '/api/v1/audit',
        '/api/v1/me', '/api/v1/queue', '/api/v1/schedules', '/api/v1/status', '/api/v1/syncs', '/api/v1/syncs/{id}',
      ].sort(),
    );
    expect(Object.keys(doc.paths['/api/v1/syncs'] ?? {}).sort()).toEqual(['get', 'post']);
  });

  it('says why a run was held in the job result and in the status: here an empty read, held whatever the threshold', async () => {
    dir.writeCsv('crm', []);
    const accepted = await admin('/api/v1/syncs', { method: 'POST', body: { source: 'crm' } });
    const id = (accepted.body as { id: string }).id;
    const done = await waitFor(async () => {
      const view = (await reader(`/api/v1/syncs/${id}`)).body as SyncJobView;
      return view.state === 'completed' ? view : null;
    }, { what: 'the held crm sync' });
    const held: HeldReport = { wouldDisable: 0, wouldRemove: 3, total: 3, threshold: 5, reason: 'empty-read' };
    expect(done.result?.runs).toEqual([expect.objectContaining({ source: 'crm', status: 'held', removed: 0, held })]);
    const status = (await reader('/api/v1/status')).body as StatusView;
    const sources = status.sources;
    expect(sources.find((s) => s.name === 'crm')?.lastRun).toEqual(expect.objectContaining({ status: 'held', seen: 0, held }));
    // Only a held run has the field.
    expect(sources.find((s) => s.name === 'hr')?.lastRun).not.toHaveProperty('held');
    expect(((await reader(`/api/v1/syncs/${firstSync.id}`)).body as SyncJobView).result?.runs[0]).not.toHaveProperty('held');
    // The document declares all of it: validated strictly (formats are the contract test's), an undeclared property would fail.
    const components = ((await anonymous('/api/v1/openapi.json')).body as { components: { schemas: Record<string, unknown> } }).components.schemas;
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const strict = (name: string) => ajv.compile(inlineSchema({ $ref: `#/components/schemas/${name}` }, { components, forbidUndeclared: true }) as object);
    const [validJob, validStatus] = [strict('SyncJob'), strict('Status')];
    expect([validJob(done), validStatus(status)], ajv.errorsText([...(validJob.errors ?? []), ...(validStatus.errors ?? [])])).toEqual([true, true]);
    expect(validJob({ ...done, result: { ...done.result, runs: [{ ...done.result?.runs[0], held: { ...held, extra: 1 } }] } })).toBe(false);
  });

  it('logs requests without their tokens', () => {
    expect(logs).toContain('"url":"/api/v1/status"');
    expect(logs).not.toContain(ADMIN_TOKEN);
    expect(logs).not.toContain(READ_TOKEN);
  });
});
