// `explain` counts the accounts ahead of one account in the database instead of ranking the queue
// (sync/explain.ts). Whatever the queue holds, the standing it reports must be the one the domain's
// ranking (rankWaiting, the allocation's order) gives: here with 20,000 accounts queued by two syncs of a
// file source with a small pool, then as a property over random queues where waiting time and creation
// tie often and usernames mix the characters whose byte order differs from their UTF-16 order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rankWaiting } from '../../../src/domain/index.ts';
import type { Database } from '../../../src/store/db.ts';
import { repositoriesOf } from '../../../src/store/repositories.ts';
import { explainAccountRef } from '../../../src/sync/explain.ts';
import { poolViews } from '../../../src/sync/status.ts';
import type { SeatsyncConfig } from '../../../src/config/types.ts';
import { aCsvFile, aPartnerConfig, type CsvPerson } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';

/** Usernames that order differently by bytes and by UTF-16 code units, next to plain ones. */
const ODD_PREFIXES = ['x\uE000', 'x\u{1F600}', 'x\uFFFD', 'x\u{10000}', 'X', 'x'];

function person(i: number): CsvPerson {
  const odd = i % 7 === 0 ? ODD_PREFIXES[(i / 7) % ODD_PREFIXES.length] : undefined;
  return {
    id: `e${i}`,
    username: odd === undefined ? `u${i}` : `${odd}${i}`,
    email: `e${i}@example.test`,
    // Few creation days and some unknown: most accounts tie with many others before the username.
    createdAt: i % 5 === 0 ? '' : new Date(Date.UTC(2024, 0, 1 + (i % 13))).toISOString(),
    groups: i % 4 === 0 ? ['Partners'] : [],
    ...(i % 50 === 1 ? { employeeType: 'service' } : {}),
  };
}

/** The standing of each blocked account by the domain's ranking of the whole queue. */
async function rankedByDomain(db: Database, config: SeatsyncConfig) {
  const repos = repositoriesOf(db);
  const [waiting, pools] = await Promise.all([repos.accounts.waiting(), poolViews(repos, config)]);
  return rankWaiting(
    waiting.map((row) => ({ waitingSince: row.waitingSince, waitingFor: row.waitingFor, account: row })),
    pools,
  );
}

async function explainedStanding(db: Database, config: SeatsyncConfig, id: number) {
  return (await explainAccountRef(repositoriesOf(db), config, String(id))).explanation.queue;
}

describe.each(DATABASE_KINDS)('explain on %s', (kind) => {
  const t = testDatabaseOf(kind);
  it('reports the standing the domain ranks for accounts of a queue of 20,000', { timeout: 600_000 }, async () => {
    const file = aCsvFile(Array.from({ length: 20_000 }, (_, i) => person(i + 1)));
    const config = aPartnerConfig(file.path, { primary: 40, extranet: 10 });
    const sync = async () => (await syncWithAllocation(t.db, config)).report;
    expect((await sync()).runs[0]?.status).toBe('ok');
    // A second run queues more accounts behind the first run's, from a later time.
    file.write(Array.from({ length: 20_300 }, (_, i) => person(i + 1)));
    expect((await sync()).runs[0]?.status).toBe('ok');

    const ranked = await rankedByDomain(t.db, config);
    expect(ranked.length).toBeGreaterThan(19_000);
    const odd = ranked.filter((r) => !/^u\d/.test(r.entry.account.username));
    const picks = [
      ranked[0],
      ranked[1],
      ranked[Math.floor(ranked.length / 2)],
      ranked.at(-300),
      ranked.at(-1),
      ...ODD_PREFIXES.map((prefix) => odd.find((r) => r.entry.account.username.startsWith(prefix) && r.standing.position > 5_000)),
      ...odd.slice(0, 3),
    ];
    for (const pick of picks) {
      expect(pick).toBeDefined();
      if (!pick) continue;
      expect({ username: pick.entry.account.username, queue: await explainedStanding(t.db, config, pick.entry.account.id) }).toEqual({
        username: pick.entry.account.username,
        queue: pick.standing,
      });
    }
  });
});

describe('explain over random queues', () => {
  const t = testDatabaseOf('pglite');
  it('reports the position and the pools ahead the domain ranks', { timeout: 600_000 }, async () => {
    const config = aPartnerConfig('/dev/null', { primary: 1, extranet: 1 });
    const times = ['2025-03-01T00:00:00Z', '2025-03-01T00:00:00.001Z', '2025-03-02T00:00:00Z'];
    const entry = fc.record({
      // No waiting time (there should be none): waits from now, behind every other.
      since: fc.option(fc.constantFrom(...times), { nil: null, freq: 8 }),
      created: fc.option(fc.constantFrom(...times), { nil: null }),
      username: fc.array(fc.constantFrom('a', 'b', 'A', '\uE000', '\uFFFD', '\u{10000}', '\u{1F600}', 'é'), { minLength: 1, maxLength: 3 }).map((cs) => cs.join('')),
      pools: fc.constantFrom(['primary'], ['extranet', 'primary'], []),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 25 }), async (queue) => {
        await t.db.query('TRUNCATE accounts RESTART IDENTITY CASCADE');
        await t.db.query(
          `INSERT INTO accounts (source, external_id, username, enabled, data_hash, state, waiting_for, waiting_since, directory_created_at)
           SELECT 'hr', 'e' || n, u.username, true, '', 'blocked', u.pools::jsonb, u.since::timestamptz, u.created::timestamptz
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u(username, pools, since, created, n)`,
          [queue.map((q) => q.username), queue.map((q) => JSON.stringify(q.pools)), queue.map((q) => q.since), queue.map((q) => q.created)],
        );
        for (const { entry, standing } of await rankedByDomain(t.db, config)) {
          expect(await explainedStanding(t.db, config, entry.account.id)).toEqual(standing);
        }
      }),
      { numRuns: 60 },
    );
  });
});
