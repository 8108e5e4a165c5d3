// Versioned migrations, applied in order at start, all in one transaction under an advisory lock (a
// replica that starts at the same moment waits, then finds them applied).
import type { Database } from './db.ts';
import { sql as core } from './migrations/001-core.ts';
import { sql as allocationState } from './migrations/002-allocation-state.ts';
import { sql as graceIndex } from './migrations/003-grace-index.ts';
import { sql as leanAccountWrites } from './migrations/004-lean-account-writes.ts';
import { sql as cursorMapping } from './migrations/005-cursor-mapping.ts';
import { sql as targetOutbox } from './migrations/006-target-outbox.ts';
import { sql as allocationPools } from './migrations/007-allocation-pools.ts';
import { sql as queueIndex } from './migrations/008-queue-index.ts';
import { sql as changedRunIndex } from './migrations/009-changed-run-index.ts';
import { sql as auditRunIndex } from './migrations/010-audit-run-index.ts';
import { sql as cursorRowAlways } from './migrations/011-cursor-row-always.ts';
import { sql as sourceFirstSeen } from './migrations/012-source-first-seen.ts';
import { sql as unreadableAccounts } from './migrations/013-unreadable-accounts.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'core', sql: core },
  { version: 2, name: 'allocation-state', sql: allocationState },
  { version: 3, name: 'grace-index', sql: graceIndex },
  { version: 4, name: 'lean-account-writes', sql: leanAccountWrites },
  { version: 5, name: 'cursor-mapping', sql: cursorMapping },
  { version: 6, name: 'target-outbox', sql: targetOutbox },
  { version: 7, name: 'allocation-pools', sql: allocationPools },
  { version: 8, name: 'queue-index', sql: queueIndex },
  { version: 9, name: 'changed-run-index', sql: changedRunIndex },
  { version: 10, name: 'audit-run-index', sql: auditRunIndex },
  { version: 11, name: 'cursor-row-always', sql: cursorRowAlways },
  { version: 12, name: 'source-first-seen', sql: sourceFirstSeen },
  { version: 13, name: 'unreadable-accounts', sql: unreadableAccounts },
];

/** Arbitrary constant key of the advisory lock that serializes migrations between replicas. */
const MIGRATION_LOCK_KEY = 720_531_001;

export async function migrate(db: Database): Promise<{ applied: number[] }> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const have = new Set(done.rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (have.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return { applied };
  });
}

/** Migrations this build has that the database has not applied, and versions it has that this build does not know. */
export async function migrationState(db: Database): Promise<{ pending: Migration[]; unknown: number[] }> {
  const table = await db.query<{ present: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
  const done = table.rows[0]?.present ? await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version') : { rows: [] };
  const have = new Set(done.rows.map((r) => r.version));
  const known = new Set(MIGRATIONS.map((m) => m.version));
  return { pending: MIGRATIONS.filter((m) => !have.has(m.version)), unknown: [...have].filter((v) => !known.has(v)) };
}
