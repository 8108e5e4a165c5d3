// When a scheduled source counts as overdue, as `status`, the API and the metrics read it (status.ts
// `statusView`, `sourceSchedules`): they only read what a worker recorded when it scheduled the sources
// (run-store.ts `recordSchedules`), and write nothing; a source no worker has scheduled is not overdue.
// A database upgraded through migration 012 knows its sources from their runs, without their schedule:
// a source whose last run is old is overdue at once, before and after a worker records the schedule.
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '../../../src/store/migrations.ts';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { repositoriesOf } from '../../../src/store/repositories.ts';
import { schedulesOf, sourceSchedules, sourcesNotScheduled, statusView } from '../../../src/sync/status.ts';
import { aConfig, aFileSource } from '../../support/config-builder.ts';
import { createPostgresDatabase, DATABASE_KINDS, testDatabaseOf, type DatabaseKind } from '../../support/databases.ts';

const HOUR = 3_600_000;
/** `hr`, hourly. */
const config = aConfig({ sources: [{ ...aFileSource('hr', '/nowhere/hr.csv'), schedule: { everyMs: HOUR } }] });

const rowsOf = async (db: Database): Promise<{ source: string; schedule: string | null; schedule_at: Date }[]> =>
  (await db.query<{ source: string; schedule: string | null; schedule_at: Date }>('SELECT source, schedule, schedule_at FROM source_first_seen ORDER BY source')).rows;

/** An ok run of `source` that started `ago` ms before now; returns its start. */
async function pastRun(db: Database, source: string, ago: number): Promise<Date> {
  const started = new Date(Date.now() - ago);
  await db.query(`INSERT INTO runs (source, status, trigger, started_at, finished_at) VALUES ($1, 'ok', 'schedule', $2, $2::timestamptz + interval '1 minute')`, [source, started.toISOString()]);
  return started;
}

describe.each(DATABASE_KINDS)('overdue sources, read without writing, on %s', (kind) => {
  const t = testDatabaseOf(kind);

  it('writes nothing when status, the API or the metrics read, and calls a source no worker scheduled not overdue', async () => {
    const repos = repositoriesOf(t.db);
    await pastRun(t.db, 'hr', 2 * 24 * HOUR);
    const status = await statusView(repos, config);
    expect(status.sources[0]).toMatchObject({ name: 'hr', lastRun: { status: 'ok' }, overdueSince: null });
    expect(await sourceSchedules(repos, config, new Date())).toEqual({ overdue: new Set(), firstSeen: new Map() });
    expect(await rowsOf(t.db)).toEqual([]);

    // A worker schedules it: from then on the run after the last one counts, and reading still writes nothing.
    const scheduledAt = new Date(Date.now() - 3 * 24 * HOUR);
    await repos.runs.recordSchedules(schedulesOf(config), scheduledAt);
    const recorded = await rowsOf(t.db);
    expect(recorded).toEqual([{ source: 'hr', schedule: `every ${HOUR}ms`, schedule_at: scheduledAt }]);
    expect((await statusView(repos, config)).sources[0]?.overdueSince).not.toBeNull();
    expect(await sourceSchedules(repos, config, new Date())).toEqual({ overdue: new Set(['hr']), firstSeen: new Map([['hr', scheduledAt]]) });
    expect(await rowsOf(t.db)).toEqual(recorded);
  });

  it('takes the config\'s schedule where the recorded one is a text this version does not write (another version\'s, or edited by hand)', async () => {
    const repos = repositoriesOf(t.db);
    const last = await pastRun(t.db, 'hr', 2 * 24 * HOUR);
    await repos.runs.recordSchedules(schedulesOf(config), new Date(Date.now() - 3 * 24 * HOUR));
    await t.db.query(`UPDATE source_first_seen SET schedule = 'cron 61 * * * *' WHERE source = 'hr'`);
    const status = await statusView(repos, config);
    expect(status.sources.map((s) => [s.name, s.overdueSince])).toEqual([['hr', new Date(last.getTime() + HOUR).toISOString()]]);
  });

  it('counts a schedule edited while no worker runs by the one a worker set, and says which sources no worker has scheduled', async () => {
    const repos = repositoriesOf(t.db);
    const last = await pastRun(t.db, 'hr', 2 * 24 * HOUR);
    const daily = aConfig({ sources: [{ ...aFileSource('hr', '/nowhere/hr.csv'), schedule: { cron: '0 3 * * *' } }, { ...aFileSource('crm', '/nowhere/crm.csv'), schedule: { everyMs: HOUR } }] });
    expect(await sourcesNotScheduled(repos, daily)).toEqual(new Set(['hr', 'crm']));
    // A worker set hr hourly three days ago; the config now says daily at 03:00, which no worker has set.
    await repos.runs.recordSchedules(schedulesOf(config), new Date(Date.now() - 3 * 24 * HOUR));
    const recorded = await rowsOf(t.db);
    // The hourly run after the last one was due an hour after it, and nothing has run since.
    const status = await statusView(repos, daily);
    expect(status.sources.map((s) => [s.name, s.overdueSince])).toEqual([['hr', new Date(last.getTime() + HOUR).toISOString()], ['crm', null]]);
    expect((await sourceSchedules(repos, daily, new Date())).overdue).toEqual(new Set(['hr']));
    expect(await sourcesNotScheduled(repos, daily)).toEqual(new Set(['crm']));
    // Turned off in the config: never overdue, whatever a worker set.
    const off = aConfig({ sources: [{ ...aFileSource('hr', '/nowhere/hr.csv'), schedule: null }] });
    expect((await statusView(repos, off)).sources[0]?.overdueSince).toBeNull();
    expect(await sourcesNotScheduled(repos, off)).toEqual(new Set());
    expect(await rowsOf(t.db)).toEqual(recorded);
  });

  it('counts a source taken out of the config and put back from when a worker put it back', async () => {
    const repos = repositoriesOf(t.db);
    const crm = aFileSource('crm', '/nowhere/crm.csv');
    const both = aConfig({ sources: [...config.sources, { ...crm, schedule: { everyMs: HOUR } }] });
    await repos.runs.recordSchedules(schedulesOf(both), new Date(Date.now() - 4 * 24 * HOUR));
    await pastRun(t.db, 'hr', 3 * 24 * HOUR);
    // hr taken out three days ago, while it was on time.
    await repos.runs.recordSchedules(schedulesOf(aConfig({ sources: [{ ...crm, schedule: { everyMs: HOUR } }] })), new Date(Date.now() - 3 * 24 * HOUR + 1000));
    // Put back, the same schedule: no worker has set it yet, then one has, just now; overdue neither way.
    expect((await statusView(repos, both)).sources[0]?.overdueSince).toBeNull();
    expect(await sourcesNotScheduled(repos, both)).toEqual(new Set(['hr']));
    await repos.runs.recordSchedules(schedulesOf(both), new Date());
    expect((await statusView(repos, both)).sources[0]?.overdueSince).toBeNull();
    expect(await sourcesNotScheduled(repos, both)).toEqual(new Set());
  });
});

/** A database of `kind` with migrations 1–11 applied, as a release before migration 012 left it. */
async function migratedThrough011(kind: DatabaseKind): Promise<{ db: Database; drop: () => Promise<void> }> {
  const pg = kind === 'postgres' ? await createPostgresDatabase() : null;
  const db = await openDatabase({ url: pg?.url ?? null, dataDir: pg ? 'unused' : 'memory://' });
  await db.exec('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
  for (const m of MIGRATIONS.filter((m) => m.version <= 11)) {
    await db.exec(m.sql);
    await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
  }
  return { db, drop: async () => { await db.close(); await pg?.drop(); } };
}

describe.each(DATABASE_KINDS)('a source whose last run is old, after an upgrade through migration 012, on %s', (kind) => {
  it('is overdue at once, before and after a worker records its schedule', async () => {
    const { db, drop } = await migratedThrough011(kind);
    try {
      const first = await pastRun(db, 'hr', 3 * 24 * HOUR);
      const last = await pastRun(db, 'hr', 2 * 24 * HOUR);
      expect(await migrate(db)).toEqual({ applied: MIGRATIONS.filter((m) => m.version >= 12).map((m) => m.version) });
      const repos = repositoriesOf(db);
      // The run after the last one was due an hour after it started.
      const due = new Date(last.getTime() + HOUR).toISOString();
      expect((await statusView(repos, config)).sources[0]?.overdueSince).toBe(due);
      expect((await sourceSchedules(repos, config, new Date())).overdue).toEqual(new Set(['hr']));
      expect(await rowsOf(db)).toEqual([{ source: 'hr', schedule: null, schedule_at: first }]);

      // A worker starts and records the schedule: the one the runs were made under, from their time.
      await repos.runs.recordSchedules(schedulesOf(config), new Date());
      expect(await rowsOf(db)).toEqual([{ source: 'hr', schedule: `every ${HOUR}ms`, schedule_at: first }]);
      expect((await statusView(repos, config)).sources[0]?.overdueSince).toBe(due);
      // A schedule changed after that counts from when it is recorded.
      const daily = aConfig({ sources: [{ ...aFileSource('hr', '/nowhere/hr.csv'), schedule: { cron: '0 3 * * *' } }] });
      await repos.runs.recordSchedules(schedulesOf(daily), new Date());
      expect((await statusView(repos, daily)).sources[0]?.overdueSince).toBeNull();
    } finally {
      await drop();
    }
  });
});
