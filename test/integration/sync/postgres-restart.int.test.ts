// SPEC §8: a sync survives PostgreSQL going down mid-run. On a private server (the machine's is shared by
// the suite) stopped at once in the middle of a read: the run fails and applies nothing, the next run
// (same process, same connection pool) applies everything once the server is back, and the cut-off
// run does not stay `running` for ever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logging.ts';
import { createSourceFactory } from '../../../src/sources/factory.ts';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { migrate } from '../../../src/store/migrations.ts';
import { runSync } from '../../../src/sync/run-sync.ts';
import { aConfig, aCsvFile, aFileSource, people } from '../../support/config-builder.ts';
import { pausingSources } from '../../support/paused-source.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.ts';

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
    const options = { sources: [], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'test' };
    let crashed = false;
    const cut = await runSync(
      {
        db, config, logger: silentLogger(),
        createSource: pausingSources(config, 2, async () => {
          await pg.crash();
          crashed = true;
        }),
      },
      options,
    );
    expect(crashed).toBe(true);
    expect(cut.runs[0]).toMatchObject({ status: 'failed', created: 0, activated: 0 });

    await pg.start();
    expect(await count('SELECT count(*)::int AS n FROM accounts')).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM audit')).toBe(0);
    // The cut-off run could not record its end: it is still `running` until a later run looks.
    expect(await count(`SELECT count(*)::int AS n FROM runs WHERE status = 'running'`)).toBe(1);

    const again = await runSync({ db, config, logger: silentLogger(), createSource: createSourceFactory(config, silentLogger()) }, options);
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
    const options = { sources: [], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'test' };
    let marked = -1;
    const report = await runSync(
      {
        db, config, logger: silentLogger(),
        // A second run of the same source looks for cut-off runs while the first is mid-read.
        createSource: pausingSources(config, 1, async () => {
          const other = await runSync({ db, config, logger: silentLogger(), createSource: createSourceFactory(config, silentLogger()) }, options);
          expect(other.runs[0]?.status).toBe('ok');
          marked = await count(`SELECT count(*)::int AS n FROM runs WHERE source = 'ops' AND status = 'failed'`);
        }),
      },
      options,
    );
    expect(marked).toBe(0);
    // The second run created the accounts; the first finds them as it read them.
    expect(report.runs[0]).toMatchObject({ status: 'ok', seen: 3_000 });
    const runs = await db.query<{ status: string }>(`SELECT status FROM runs WHERE source = 'ops' ORDER BY id`);
    expect(runs.rows.map((r) => r.status)).toEqual(['ok', 'ok']);
  }, 60_000);
});
