// A SCIM application that throttles, goes away, or is served by two deliverers at once: nothing is lost,
// nothing is created twice, a sync never fails for it, and each account ends as seatsync decided.
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logging.ts';
import { openDatabase } from '../../../src/store/db.ts';
import { repositoriesOf } from '../../../src/store/repositories.ts';
import { withChannels } from '../../../src/notify/delivery-channels.ts';
import { deliverTargets } from '../../../src/targets/deliver-targets.ts';
import { people } from '../../support/config-builder.ts';
import { appUsers, makeDue, startTargetFixture, type TargetFixture } from './target-fixture.ts';

const pendingRows = async (f: TargetFixture) =>
  (await f.db.query<{ status: string; next_attempt_at: Date; last_error: string | null }>(
    `SELECT status, next_attempt_at, last_error FROM outbox WHERE target IS NOT NULL AND status <> 'sent' ORDER BY id`,
  )).rows;

describe('SCIM delivery under failure', () => {
  let f: TargetFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('honours Retry-After of a 429 and stops the pass; a storm of 429s ends with every user once', async () => {
    f = await startTargetFixture({ people: people(12), seats: 10 });
    await f.sync();
    f.scim.throttle(4, 120);
    const started = Date.now();
    // Four requests at once (a target's parallel deliveries), each answered 429: the rest are not tried,
    // and everything waits for Retry-After.
    expect(await f.deliver()).toEqual({ sent: 0, failed: 0, retrying: 4 });
    expect(f.scim.requests.map((r) => r.status)).toEqual([429, 429, 429, 429]);
    const rows = await pendingRows(f);
    expect(rows).toHaveLength(12);
    for (const row of rows) expect(row.next_attempt_at.getTime()).toBeGreaterThanOrEqual(started + 119_000);
    expect(await f.deliver()).toEqual({ sent: 0, failed: 0, retrying: 0 });

    // The storm: 25 throttled answers spread over the next passes.
    f.scim.throttle(25, 1);
    let passes = 0;
    while ((await pendingRows(f)).length > 0 && passes < 60) {
      await makeDue(f.db);
      await f.deliver();
      passes += 1;
    }
    expect(await pendingRows(f)).toEqual([]);
    expect(f.scim.store.users.size).toBe(12);
    expect(f.scim.count('POST', '/Users')).toBe(12);
    expect(Object.values(appUsers(f.scim)).filter(Boolean)).toHaveLength(10);
  });

  it('the application down for a while: syncs succeed, changes wait, then arrive in order and once', async () => {
    f = await startTargetFixture({ people: people(5), seats: 3 });
    await f.sync();
    await f.deliver();
    await f.scim.down();
    // While it is down: u001 disabled (u004 gets its seat), then u001 back (waits), u002 removed (u001 gets it).
    f.csv.write(people(5).map((p) => (p.id === 'u001' ? { ...p, enabled: false } : p)));
    expect((await f.sync()).runs[0]?.status).toBe('ok');
    expect(await f.deliver()).toMatchObject({ sent: 0, retrying: 2 });
    f.csv.write(people(5));
    expect((await f.sync()).runs[0]?.status).toBe('ok');
    f.csv.write(people(5).filter((p) => p.id !== 'u002'));
    expect((await f.sync()).runs[0]?.status).toBe('ok');
    const waiting = await pendingRows(f);
    expect(waiting.length).toBeGreaterThanOrEqual(4);
    expect(waiting[0]?.last_error).toMatch(/^connection: .*unreachable/);

    await f.scim.up();
    await makeDue(f.db);
    await f.deliver();
    expect(await pendingRows(f)).toEqual([]);
    const states = (await f.db.query<{ username: string; state: string }>('SELECT username, state FROM accounts ORDER BY username')).rows;
    expect(Object.fromEntries(states.map((s) => [s.username, s.state]))).toEqual({ u001: 'blocked', u002: 'removed', u003: 'active', u004: 'active', u005: 'active' });
    expect(appUsers(f.scim)).toEqual({ u001: false, u002: false, u003: true, u004: true, u005: true });
    expect(f.scim.count('POST', '/Users')).toBe(5);
  });

  it('two deliverers on one outbox: every user created once, each account in its last state', async () => {
    f = await startTargetFixture({ people: people(40), seats: 30 });
    await f.sync();
    f.csv.write(people(40).map((p) => (Number(p.id.slice(1)) % 4 === 0 ? { ...p, enabled: false } : p)));
    await f.sync();
    const queued = (await f.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE target IS NOT NULL')).rows[0]?.n;
    expect(queued).toBe(40 + 17); // the first sync's 40, then 10 disabled and the 7 they made room for
    const config = await f.config();
    const url = config.database.url as string;
    const other = await openDatabase({ url, dataDir: 'unused' });
    try {
      // Two replicas: each its own database connection and its own adapters.
      const results = await Promise.all([
        withChannels(config, silentLogger(), (channels) => deliverTargets({ channels, outbox: repositoriesOf(f!.db).outbox, logger: silentLogger(), worker: 'a', limit: 5 })),
        withChannels(config, silentLogger(), (channels) => deliverTargets({ channels, outbox: repositoriesOf(other).outbox, logger: silentLogger(), worker: 'b', limit: 5 })),
      ]);
      expect(results[0].sent + results[1].sent).toBe(57);
      expect(results[0].sent).toBeGreaterThan(0);
      expect(results[1].sent).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
    expect(f.scim.count('POST', '/Users')).toBe(40);
    const states = (await f.db.query<{ username: string; state: string }>('SELECT username, state FROM accounts')).rows;
    const expected = Object.fromEntries(states.map((s) => [s.username, s.state === 'active']));
    expect(appUsers(f.scim)).toEqual(Object.fromEntries(Object.entries(expected).sort(([a], [b]) => a.localeCompare(b))));
  });
});
