// The store port on both databases: repositories bound to a transaction write in it and end with it, a
// session's repositories share its connection (a run's staging table is seen by its transaction), and a
// run whose lock its session holds is not taken for interrupted; both drivers type a column alike; and
// an account's protection reads as the domain decides it, in the view and in the allocation's load.
import { describe, expect, it } from 'vitest';
import { isProtected } from '../../../src/domain/protection.ts';
import { storeOf, type StagedRow } from '../../../src/store/repositories.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';

const aStagedRow = (seq: number, externalId: string): StagedRow => ({
  seq, externalId, username: externalId, email: null, displayName: null, dn: null, enabled: true, directoryCreatedAt: null, directoryCreatedMs: null,
  groupsJson: '[]', attributesJson: '{}', profile: null, policyProtected: false, dataHash: `h-${externalId}`, queueKey: `k${seq}`,
});

describe.each(DATABASE_KINDS)('store repositories on %s', (kind) => {
  const t = testDatabaseOf(kind);

  it('get the same JavaScript type for a column from either driver (the stores hand rows on as read)', async () => {
    const { rows } = await t.db.query<Record<string, unknown>>(
      "SELECT 1::int8 AS big, count(*) AS counted, 2::int AS small, 1.5::float8 AS real, now() AS at, '[1]'::jsonb AS doc FROM (VALUES (1)) v",
    );
    const row = rows[0] ?? {};
    expect(Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value instanceof Date ? 'Date' : typeof value]))).toEqual({
      big: 'string', counted: 'string', small: 'number', real: 'number', at: 'Date', doc: 'object',
    });
  });

  it('read an account as protected where the domain says so, in the view (SQL) and in the allocation\'s load', async () => {
    const flags = [false, true].flatMap((adminProtected) => [false, true].map((policyProtected) => ({ adminProtected, policyProtected })));
    await t.db.query(
      `INSERT INTO accounts (source, external_id, username, enabled, data_hash, state, admin_protected, policy_protected)
       SELECT 'protection', 'p' || n, 'p' || n, true, 'x', 'active', a, p FROM unnest($1::bool[], $2::bool[]) WITH ORDINALITY AS f(a, p, n)`,
      [flags.map((f) => f.adminProtected), flags.map((f) => f.policyProtected)],
    );
    const store = storeOf(t.db);
    const expected = flags.map((f, i) => [`p${i + 1}`, isProtected(f)]);
    const viewed = [];
    for await (const account of store.accounts.list({ source: 'protection' })) viewed.push([account.username, account.protected]);
    expect(viewed).toEqual(expected);
    const loaded = await store.transaction((tx) => tx.seats.load());
    const names = new Set(expected.map(([name]) => name));
    expect(loaded.filter((a) => names.has(a.username)).map((a) => [a.username, a.protected])).toEqual(expected);
  });

  it('write in the transaction they are bound to, and roll back with it', async () => {
    const store = storeOf(t.db);
    const runId = await store.runs.create({ source: 'dir', trigger: 'test', allowRemovals: false });
    const seen = await store.transaction(
      async (tx) => {
        await tx.cursors.save('dir', { cursor: { usn: 7 }, runId, mapping: 'm1' });
        return tx.cursors.load('dir');
      },
      { end: 'rollback' },
    );
    expect(seen?.mapping).toBe('m1');
    expect(await store.cursors.load('dir')).toBeNull();
    await store.transaction((tx) => tx.cursors.save('dir', { cursor: { usn: 8 }, runId, mapping: 'm2' }));
    expect((await store.cursors.load('dir'))?.mapping).toBe('m2');
  });

  it("keep a source's mapping rules when its read leaves no cursor, and list them for the sources named", async () => {
    const store = storeOf(t.db);
    const runId = await store.runs.create({ source: 'csv', trigger: 'test', allowRemovals: false });
    await store.transaction((tx) => tx.cursors.save('csv', { cursor: { usn: 1 }, runId, mapping: 'm1' }));
    await store.transaction((tx) => tx.cursors.save('csv', { cursor: null, runId, mapping: 'm3' }));
    expect(await store.cursors.load('csv')).toEqual({ cursor: null, mapping: 'm3' });
    await store.transaction((tx) => tx.cursors.save('other', { cursor: null, runId, mapping: 'm4' }));
    expect(await store.cursors.mappings(['csv', 'never-ran'])).toEqual(['m3']);
    expect(await store.cursors.mappings(['other', 'csv'])).toEqual(['m3', 'm4']);
  });

  it('share the connection of a session: its staging table is read by its transaction', async () => {
    const store = storeOf(t.db);
    const counted = await store.session(async (conn) => {
      const staging = conn.staging('probe1', 'dir');
      await staging.create();
      try {
        await staging.addUsers([aStagedRow(1, 'a'), aStagedRow(2, 'b'), aStagedRow(3, 'a')]);
        expect(await staging.dropRepeatedIds()).toBe(1);
        await staging.analyze();
        return (await conn.transaction((tx) => tx.staging('probe1', 'dir').summary({ sweep: false, unseenIds: [] }))).newCount;
      } finally {
        await staging.drop();
      }
    });
    expect(counted).toBe(2);
  });

  it('leave a run whose session holds its lock running, and mark one without a lock failed', async () => {
    const store = storeOf(t.db);
    const working = await store.runs.create({ source: 'locks', trigger: 'test', allowRemovals: false });
    const cutOff = await store.runs.create({ source: 'locks', trigger: 'test', allowRemovals: false });
    await store.session(async (conn) => {
      await conn.runs.lock(working);
      try {
        // PGlite has one connection: its session lock is the caller's own, which a try-lock takes again.
        if (kind === 'postgres') expect(await store.runs.failInterrupted({ source: 'locks' })).toBe(1);
        else expect(await store.runs.failInterrupted({ source: 'locks', exceptId: working })).toBe(1);
      } finally {
        await conn.runs.unlock(working);
      }
    });
    expect((await store.runs.get(cutOff))?.status).toBe('failed');
    expect((await store.runs.get(working))?.status).toBe('running');
  });

  it('tell the sources with a run at work: a running run whose lock is held, not one cut off', async () => {
    const store = storeOf(t.db);
    const working = await store.runs.create({ source: 'at-work', trigger: 'test', allowRemovals: false });
    await store.runs.create({ source: 'cut-off', trigger: 'test', allowRemovals: false });
    await store.session(async (conn) => {
      await conn.runs.lock(working);
      try {
        expect(await store.runs.atWork(['at-work', 'cut-off', 'never'])).toEqual(new Set(['at-work']));
      } finally {
        await conn.runs.unlock(working);
      }
    });
    expect(await store.runs.atWork(['at-work', 'cut-off'])).toEqual(new Set());
  });

  it('record when a worker first scheduled a source: recorded once, the first time stays, a renamed source is new', async () => {
    const store = storeOf(t.db);
    const t1 = new Date('2026-01-01T00:00:00.000Z');
    const t2 = new Date('2026-01-05T00:00:00.000Z');
    const a = { source: 'seen-a', schedule: 'off' };
    const b = { source: 'seen-b', schedule: 'off' };
    await store.runs.recordSchedules([a], t1);
    expect(await store.runs.firstSeen(['seen-a', 'seen-b'])).toEqual(new Map([['seen-a', { at: t1, schedule: 'off', scheduleAt: t1 }]]));
    await store.runs.recordSchedules([a, b], t2);
    expect(await store.runs.firstSeen(['seen-a', 'seen-b'])).toEqual(new Map([
      ['seen-a', { at: t1, schedule: 'off', scheduleAt: t1 }], ['seen-b', { at: t2, schedule: 'off', scheduleAt: t2 }],
    ]));
  });

  it('read without writing: a source no worker scheduled has no entry, and reading records nothing', async () => {
    const store = storeOf(t.db);
    const count = async (): Promise<number> => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM source_first_seen')).rows[0]?.n ?? -1;
    expect(await store.runs.firstSeen(['never'])).toEqual(new Map());
    expect(await count()).toBe(0);
  });

  it('keep when a worker first scheduled a source\'s current schedule: a changed schedule from then, the source\'s own time unchanged', async () => {
    const store = storeOf(t.db);
    const t1 = new Date('2026-02-01T00:00:00.000Z');
    const t2 = new Date('2026-02-03T00:00:00.000Z');
    const t3 = new Date('2026-02-05T00:00:00.000Z');
    const t4 = new Date('2026-02-07T00:00:00.000Z');
    const off = { source: 'sched', schedule: 'off' };
    const cron2 = { source: 'sched', schedule: 'cron 0 2 * * *' };
    const cron3 = { source: 'sched', schedule: 'cron 0 3 * * *' };
    await store.runs.recordSchedules([off], t1);
    expect(await store.runs.firstSeen(['sched'])).toEqual(new Map([['sched', { at: t1, schedule: 'off', scheduleAt: t1 }]]));
    // From off to a cron: the cron counts from t2; recorded again later, it stays at t2.
    await store.runs.recordSchedules([cron2], t2);
    expect(await store.runs.firstSeen(['sched'])).toEqual(new Map([['sched', { at: t1, schedule: 'cron 0 2 * * *', scheduleAt: t2 }]]));
    await store.runs.recordSchedules([cron2], t3);
    expect(await store.runs.firstSeen(['sched'])).toEqual(new Map([['sched', { at: t1, schedule: 'cron 0 2 * * *', scheduleAt: t2 }]]));
    // From one cron to another.
    await store.runs.recordSchedules([cron3], t4);
    expect(await store.runs.firstSeen(['sched'])).toEqual(new Map([['sched', { at: t1, schedule: 'cron 0 3 * * *', scheduleAt: t4 }]]));
  });

  it('record the sources left out of a worker\'s config as off, so one put back is scheduled from then', async () => {
    const store = storeOf(t.db);
    const t1 = new Date('2026-03-01T00:00:00.000Z');
    const t2 = new Date('2026-03-03T00:00:00.000Z');
    const t3 = new Date('2026-03-05T00:00:00.000Z');
    const t4 = new Date('2026-03-07T00:00:00.000Z');
    const kept = { source: 'kept', schedule: 'every 3600000ms' };
    const dropped = { source: 'dropped', schedule: 'cron 0 2 * * *' };
    await store.runs.recordSchedules([kept, dropped], t1);
    // Taken out of the config: off from t2; recorded again without it, it stays off from t2.
    await store.runs.recordSchedules([kept], t2);
    await store.runs.recordSchedules([kept], t3);
    expect(await store.runs.firstSeen(['kept', 'dropped'])).toEqual(new Map([
      ['kept', { at: t1, schedule: 'every 3600000ms', scheduleAt: t1 }], ['dropped', { at: t1, schedule: 'off', scheduleAt: t2 }],
    ]));
    // Put back with the same schedule: scheduled from t4, not from t1.
    await store.runs.recordSchedules([kept, dropped], t4);
    expect((await store.runs.firstSeen(['dropped'])).get('dropped')).toEqual({ at: t1, schedule: 'cron 0 2 * * *', scheduleAt: t4 });
    // A config without sources leaves none scheduled.
    await store.runs.recordSchedules([], t4);
    expect([...(await store.runs.firstSeen(['kept', 'dropped'])).values()].map((s) => s.schedule)).toEqual(['off', 'off']);
  });
});
