// A transaction's statements may be sent before the one before them has finished (the first sync's
// apply sends a slice's insert while the database runs the previous one): they run in the order sent,
// a failure fails its own statement's promise and, with its own error (not PostgreSQL's 25P02 "current
// transaction is aborted"), those of the statements after it, and pg is never handed a query while it runs one
// (pg 8 prints a DeprecationWarning once per process, pg 9 refuses), so the test runs in a process of its
// own; and a failure nobody awaited makes the COMMIT fail, not pass for one.
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createPostgresDatabase } from '../../support/databases.ts';

const DB_MODULE = new URL('../../../src/store/db.ts', import.meta.url).href;

let database: { url: string; drop: () => Promise<void> };
beforeEach(async () => {
  database = await createPostgresDatabase();
});
afterEach(async () => {
  await database.drop();
});

it('runs statements sent ahead in the order sent, without handing pg a query while it runs one', async () => {
  const script = join(tmpdir(), `seatsync-statement-order-${process.pid}.mjs`);
  writeFileSync(
    script,
    `import { openDatabase } from ${JSON.stringify(DB_MODULE)};
const db = await openDatabase({ url: process.env.DB_URL, dataDir: 'unused' });
const order = [];
await db.transaction(async (tx) => {
  await tx.query('CREATE TEMP TABLE t (n int)');
  // Sent at once, none awaited before the last: the first keeps the connection busy for 200 ms.
  const sent = [
    tx.query('SELECT pg_sleep(0.2)').then(() => order.push('sleep')),
    tx.query('INSERT INTO t VALUES (1)').then(() => order.push('insert 1')),
    tx.copyRows('t', ['n'], '2\\n3\\n').then((rows) => order.push('copy ' + rows)),
    tx.query('SELECT sum(n)::int AS s FROM t').then((r) => order.push('sum ' + r.rows[0].s)),
  ];
  await Promise.all(sent);
}, { end: 'rollback' });
const failed = await db.transaction(async (tx) => {
  const bad = tx.query('SELECT 1/0');
  const after = tx.query('SELECT 1');
  return [await bad.then(() => 'ok', (e) => e.message), await after.then(() => 'ok', (e) => e.message)];
}, { end: 'rollback' }).catch((e) => ['transaction', e.message]);
// A failure nobody awaited: PostgreSQL answers the COMMIT with ROLLBACK, which must not pass for a commit.
const unawaited = await db.transaction(async (tx) => {
  tx.query('SELECT 1/0').catch(() => undefined);
  return 'committed';
}).catch((e) => e.message);
console.log(JSON.stringify({ order, failed, unawaited }));
await db.close();
`,
  );
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [script], { env: { ...process.env, DB_URL: database.url }, timeout: 60_000 }).finally(() =>
    rmSync(script, { force: true }),
  );
  expect(JSON.parse(stdout)).toEqual({
    order: ['sleep', 'insert 1', 'copy 2', 'sum 6'],
    failed: ['division by zero', 'division by zero'],
    unawaited: 'the transaction was rolled back at COMMIT: one of its statements had failed',
  });
  expect(stderr).not.toContain('DeprecationWarning');
});
