// `seatsync check` tests the database (connect, migrations current) and Redis (connect,
// maxmemory-policy) besides the sources, says what it tested, and exits 1 when one of them fails.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, requireRedis, uniquePrefix } from '../integration/worker/worker-fixtures.ts';
import { runCli } from '../support/cli.ts';
import { closedPort } from '../support/closed-port.ts';
import { createPostgresDatabase } from '../support/databases.ts';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.ts';

interface Step {
  name: string;
  ok: boolean;
  detail: string;
}
interface CheckJson {
  database: { ok: boolean; kind: string; steps: Step[] };
  redis: { ok: boolean; steps: Step[] };
  sources: { source: string; ok: boolean }[];
}

describe('seatsync check on the database and Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-check-'));
  const csv = join(dir, 'staff.csv');
  const databases: { url: string; drop: () => Promise<void> }[] = [];
  let evicting: PrivateRedis;

  function config(databaseUrl: string, redisUrl = REDIS_URL): string {
    const path = join(dir, `seatsync-${databases.length}-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, [
      `database: { url: "${databaseUrl}" }`,
      `redis: { url: "${redisUrl}", prefix: ${uniquePrefix('check')} }`,
      `sources: [{ name: staff, kind: file, path: "${csv}" }]`,
      'pools: { primary: { seats: 1 } }',
      'profiles: [{ name: staff, pools: [primary] }]',
      '',
    ].join('\n'));
    return path;
  }

  async function database(): Promise<string> {
    const db = await createPostgresDatabase();
    databases.push(db);
    return db.url;
  }

  beforeAll(async () => {
    await requireRedis();
    writeFileSync(csv, 'id,username\n1,ada\n');
    evicting = await startPrivateRedis(['--maxmemory-policy', 'allkeys-lru']);
  });

  afterAll(async () => {
    await evicting?.stop();
    for (const db of databases) await db.drop();
  });

  it('says what it tested when all is well: connection, migrations, Redis and its policy', async () => {
    const url = await database();
    const path = config(url);
    expect((await runCli(['status', '--config', path])).code).toBe(0); // migrates the new database
    const human = await runCli(['check', '--config', path]);
    expect(human.code, human.stdout + human.stderr).toBe(0);
    expect(human.stdout).toMatch(/database \(PostgreSQL\): OK\n {2}✓ connect: postgres:\/\/\S+ \(PostgreSQL \d+/);
    expect(human.stdout).toMatch(/✓ migrations: current \(all \d+ applied\)/);
    expect(human.stdout).toMatch(/redis \(for seatsync run and resync\): OK\n {2}✓ connect: redis:\/\/127\.0\.0\.1:\d+ \(Redis [\d.]+\), key prefix sstest-check-/);
    expect(human.stdout).toContain('✓ maxmemory-policy: noeviction');
    const json = JSON.parse((await runCli(['check', '--json', '--config', path])).stdout) as CheckJson;
    expect(json.database).toMatchObject({ ok: true, kind: 'postgres', steps: [{ name: 'connect', ok: true }, { name: 'migrations', ok: true }] });
    expect(json.redis).toMatchObject({ ok: true, steps: [{ name: 'connect', ok: true }, { name: 'maxmemory-policy', ok: true, detail: 'noeviction' }] });
  });

  it('names the migrations a new database still needs, and migrates nothing itself', async () => {
    const url = await database();
    const result = await runCli(['check', '--json', '--config', config(url)]);
    expect(result.code).toBe(0);
    const step = (JSON.parse(result.stdout) as CheckJson).database.steps[1];
    expect(step).toMatchObject({ name: 'migrations', ok: true, detail: expect.stringMatching(/^0 of \d+ applied; 1 core, .* will be applied when seatsync next starts$/) });
    const client = new pg.Client(url);
    await client.connect();
    const tables = await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
    await client.end();
    expect(tables.rows[0]).toEqual({ n: 0 });
  });

  it('fails on a database migrated by a newer seatsync', async () => {
    const url = await database();
    const path = config(url);
    expect((await runCli(['status', '--config', path])).code).toBe(0);
    const client = new pg.Client(url);
    await client.connect();
    await client.query(`INSERT INTO schema_migrations (version, name) VALUES (999, 'from-the-future')`);
    await client.end();
    const result = await runCli(['check', '--config', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✗ migrations: the database has migrations 999 that this seatsync does not know');
  });

  it('fails naming what it could not reach, and an evicting Redis', async () => {
    const away = `postgres://postgres@127.0.0.1:${await closedPort()}/none`;
    const result = await runCli(['check', '--config', config(away, evicting.url)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`database (PostgreSQL): FAILED\n  ✗ connect: cannot connect to PostgreSQL at ${away}: connect ECONNREFUSED`);
    expect(result.stdout).toContain('✗ maxmemory-policy: "allkeys-lru": Redis may evict queued jobs under memory pressure; set maxmemory-policy noeviction');
    expect(result.stdout).toMatch(/source staff \(file\): OK/);
  });
});
