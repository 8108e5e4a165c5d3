// SPEC §8: a sync survives PostgreSQL going down mid-run. On a private server (the machine's is shared by
// the suite) stopped at once in the middle of a read: the run fails and applies nothing, the next run
// (same process, same connection pool) applies everything once the server is back, and the cut-off
// run does not stay `running` for ever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { migrate } from '../../../src/store/migrations.ts';
import { aConfig, aCsvFile, aFileSource, people } from '../../support/config-builder.ts';
import { pausingSources } from '../../support/paused-source.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.ts';
import { syncWithAllocation } from '../../support/sync.ts';

const USERS = 5_000;

let pg: PrivatePostgres;
let db: Database;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  db = await openDatabase({ url: pg.url, dataDir: 'unused' });
  await migrate(db);
}, 60_000);

afterAll(async () => {
  await db?.close();
  await pg?.close();
});

const count = async (sql: string): Promise<number> => (await db.query<{ n: number }>(sql)).rows[0]?.n ?? -1;

describe('PostgreSQL stopping in the middle of a sync', () => {
  it('fails the run without applying anything; the next run applies it all and marks the cut-off run failed', async () => {
    const csv = aCsvFile(people(USERS));
    const config = aConfig({ sources: [aFileSource('hr', csv.path)], pools: [{ name: 'primary', seats: 4_000, notify: null }] });
    let crashed = false;
    const { report: cut } = await syncWithAllocation(db, config, {
      createSource: pausingSources(config, 2, async () => {
        await pg.crash();
        crashed = true;
      }),
    });
    expect(crashed).toBe(true);
    expect(cut.runs[0]).toMatchObject({ status: 'failed', created: 0, activated: 0 });

    await pg.start();
    expect(await count('SELECT count(*)::int AS n FROM accounts')).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM audit')).toBe(0);
    // The cut-off run could not record its end: it is still `running` until a later run looks.
    expect(await count(`SELECT count(*)::int AS n FROM runs WHERE status = 'running'`)).toBe(1);

    const { report: again } = await syncWithAllocation(db, config);
    expect(again.runs[0]).toMatchObject({ status: 'ok', seen: USERS, created: USERS, activated: 4_000, blocked: USERS - 4_000 });
    expect(await count('SELECT count(*)::int AS n FROM accounts')).toBe(USERS);
    expect(await count(`SELECT count(*)::int AS n FROM accounts WHERE state = 'active'`)).toBe(4_000);
    const runs = await db.query<{ status: string; error: string | null }>('SELECT status, error FROM runs ORDER BY id');
    expect(runs.rows).toEqual([
      { status: 'failed', error: expect.stringMatching(/^interrupted/) as unknown },
      { status: 'ok', error: null },
    ]);
  }, 120_000);

  it('does not mark a run failed while it is still working', async () => {
    const csv = aCsvFile(people(3_000));
    const config = aConfig({ sources: [aFileSource('ops', csv.path)], pools: [{ name: 'primary', seats: 10_000, notify: null }] });
    let marked = -1;
    const { report } = await syncWithAllocation(db, config, {
      // A second run of the same source looks for cut-off runs while the first is mid-read.
      createSource: pausingSources(config, 1, async () => {
        const { report: other } = await syncWithAllocation(db, config);
        expect(other.runs[0]?.status).toBe('ok');
        marked = await count(`SELECT count(*)::int AS n FROM runs WHERE source = 'ops' AND status = 'failed'`);
      }),
    });
    expect(marked).toBe(0);
    // The second run created the accounts; the first finds them as it read them.
    expect(report.runs[0]).toMatchObject({ status: 'ok', seen: 3_000 });
    const runs = await db.query<{ status: string }>(`SELECT status FROM runs WHERE source = 'ops' ORDER BY id`);
    expect(runs.rows.map((r) => r.status)).toEqual(['ok', 'ok']);
  }, 60_000);
});
