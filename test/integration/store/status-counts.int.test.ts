// What `status` counts per source beyond its runs (status.ts `statusView`), on PostgreSQL and PGlite: the
// accounts frozen because their entries are unreadable (migration 013's table joined to the accounts),
// and the sources not in the config that still have accounts not removed, found by a skip scan of the
// accounts' (source, external_id) index.
import { describe, expect, it } from 'vitest';
import type { Database } from '../../../src/store/db.ts';
import { repositoriesOf } from '../../../src/store/repositories.ts';
import { statusView } from '../../../src/sync/status.ts';
import { aConfig, aFileSource } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';

const config = aConfig({ sources: [aFileSource('hr', '/nowhere/hr.csv'), aFileSource('lab', '/nowhere/lab.csv')] });

/** An account of `source` in `state`, holding `held`; returns its id. */
async function anAccount(db: Database, source: string, externalId: string, options: { state: string; held?: readonly string[] }): Promise<number> {
  const result = await db.query<{ id: number }>(
    `INSERT INTO accounts (source, external_id, username, enabled, data_hash, state, held, present)
     VALUES ($1, $2, $2, true, 'h', $3, $4::jsonb, $3 <> 'removed') RETURNING id`,
    [source, externalId, options.state, JSON.stringify(options.held ?? [])],
  );
  return result.rows[0]!.id;
}

describe.each(DATABASE_KINDS)('status counts of frozen accounts and unconfigured sources, on %s', (kind) => {
  const t = testDatabaseOf(kind);

  it('counts zero of both in an empty database', async () => {
    const status = await statusView(repositoriesOf(t.db), config);
    expect(status.sources.map((s) => [s.name, s.frozen])).toEqual([['hr', { accounts: 0, holdingSeats: 0 }], ['lab', { accounts: 0, holdingSeats: 0 }]]);
    expect(status.unconfiguredSources).toEqual([]);
  });

  it('counts each source\'s frozen accounts and those holding seats, and lists the unconfigured sources with accounts not removed', async () => {
    const frozen = [
      await anAccount(t.db, 'hr', 'h1', { state: 'active', held: ['primary'] }),
      await anAccount(t.db, 'hr', 'h2', { state: 'blocked' }),
      await anAccount(t.db, 'crm', 'c1', { state: 'active', held: ['primary'] }),
    ];
    await anAccount(t.db, 'hr', 'h3', { state: 'active', held: ['primary'] });
    await anAccount(t.db, 'crm', 'c2', { state: 'active', held: ['primary', 'extranet'] });
    await anAccount(t.db, 'crm', 'c3', { state: 'removed' });
    await anAccount(t.db, 'archive', 'x1', { state: 'removed' });
    await anAccount(t.db, 'zeta', 'z1', { state: 'blocked' });
    await t.db.query(`INSERT INTO unreadable_accounts (account_id, source) VALUES ($1, 'hr'), ($2, 'hr'), ($3, 'crm')`, frozen);

    const status = await statusView(repositoriesOf(t.db), config);
    expect(status.sources.map((s) => [s.name, s.frozen])).toEqual([['hr', { accounts: 2, holdingSeats: 1 }], ['lab', { accounts: 0, holdingSeats: 0 }]]);
    // archive has only removed accounts: nothing left to release.
    expect(status.unconfiguredSources).toEqual([{ name: 'crm', accounts: 2, holdingSeats: 2 }, { name: 'zeta', accounts: 1, holdingSeats: 0 }]);
  });
});
