// The write half of a first sync's floor: PostgreSQL's own bulk load, `psql \copy`, of exactly the rows
// that sync wrote (its accounts and their audit rows, exported from the database it filled) into tables
// made `LIKE … INCLUDING ALL` (same columns, defaults, constraints and indexes), in one transaction
// committed as the sync's is. Timed from psql's start to its exit, as the sync is.
import { execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const PSQL = '/usr/bin/psql';
const HINT = 'apt-get install -y postgresql-client (or run .ci/install-system.sh)';

/** The tables a first sync fills, each copied into `floor_<table>`. */
const TABLES = ['accounts', 'audit'] as const;

export interface WrittenRows {
  readonly dir: string;
  readonly rows: Readonly<Record<(typeof TABLES)[number], number>>;
}

function psql(databaseUrl: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(PSQL, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', databaseUrl, ...args], { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`psql ${args.join(' ')} failed: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? HINT : stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Exports the accounts and audit rows of a database a first sync just filled, into files under `dir`. */
export async function saveWrittenRows(databaseUrl: string, dir: string): Promise<WrittenRows> {
  const rows = { accounts: 0, audit: 0 };
  for (const table of TABLES) {
    await psql(databaseUrl, ['-c', `\\copy ${table} to '${join(dir, `${table}.copy`)}'`]);
    rows[table] = Number((await psql(databaseUrl, ['-c', `SELECT count(*) FROM ${table}`])).trim());
  }
  return { dir, rows };
}

/** One load of the saved rows into fresh `floor_*` tables of `databaseUrl` (a migrated database); ms. */
export async function timeCopyFloor(databaseUrl: string, saved: WrittenRows): Promise<number> {
  const script = join(saved.dir, 'floor.sql');
  const lines = ['BEGIN;'];
  for (const table of TABLES) lines.push(`CREATE TABLE floor_${table} (LIKE ${table} INCLUDING ALL);`);
  for (const table of TABLES) lines.push(`\\copy floor_${table} from '${join(saved.dir, `${table}.copy`)}'`);
  lines.push('COMMIT;');
  await writeFile(script, `${lines.join('\n')}\n`);
  await psql(databaseUrl, ['-c', TABLES.map((t) => `DROP TABLE IF EXISTS floor_${t};`).join(' ')]);
  const started = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', databaseUrl, '-f', script], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('close', resolve);
  });
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`psql -f ${script} exited ${code}`);
  const loaded = Number((await psql(databaseUrl, ['-c', 'SELECT count(*) FROM floor_accounts'])).trim());
  if (loaded !== saved.rows.accounts) throw new Error(`the floor loaded ${loaded} accounts, expected ${saved.rows.accounts}`);
  await psql(databaseUrl, ['-c', TABLES.map((t) => `DROP TABLE floor_${t};`).join(' ')]);
  return ms;
}
