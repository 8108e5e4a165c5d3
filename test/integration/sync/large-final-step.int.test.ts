// A first sync whose allocation decides everything at the end: two protected VIPs need a pool of one
// seat, so the stored state (the protected newcomers) is not settled and no new requester is decided as
// it comes. The last step then carries all 45,002 new accounts at once, inserted in several statements
// (staging-store.ts `insertNew`), each with several distinct seat states numbered per statement. Read
// order differs from creation order, so every statement mixes active and blocked staff. Every account
// must be inserted once, with the first-come-first-served state (SPEC rule 3), its audit row, and the
// id of its place in the file. Both databases.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CsvPerson } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import {
  activatedIn, checkLargeScenario, createdAtOfRank, creationRankOf, type ExpectedAccount, firstSyncOf, LARGE_RUN_NOW, LARGE_RUN_USERS, storedMismatches,
  waitingIn,
} from '../../support/large-run.ts';

const PRIMARY_SEATS = 25_000;
/**
 * Where the VIPs are read (one in the first insert statement, one in the second), how many minutes before
 * the staff they were created, and what they get: the one created first takes the seat, the other is
 * activated over it (protected).
 */
const VIP_ROWS = [
  { at: 5, createdMinutesBefore: 2, reason: 'new' },
  { at: 20_010, createdMinutesBefore: 1, reason: 'protected' },
] as const;

/** The file in read order, with the state each account must get. */
function scenarioOf(): { people: CsvPerson[]; expected: ExpectedAccount[] } {
  const rows: { person: CsvPerson; expected: ExpectedAccount }[] = Array.from({ length: LARGE_RUN_USERS }, (_, i) => {
    const rank = creationRankOf(i);
    return {
      person: { id: `s${String(i).padStart(5, '0')}`, createdAt: createdAtOfRank(rank) },
      expected: rank < PRIMARY_SEATS ? activatedIn('primary') : waitingIn('primary'),
    };
  });
  for (const [v, { at, createdMinutesBefore, reason }] of VIP_ROWS.entries()) {
    rows.splice(at, 0, {
      person: { id: `vip${v}`, createdAt: createdAtOfRank(-createdMinutesBefore), groups: ['VIPs'] },
      expected: activatedIn('vip', reason),
    });
  }
  return { people: rows.map((r) => r.person), expected: rows.map((r) => r.expected) };
}

let scenario: ReturnType<typeof scenarioOf>;
beforeAll(() => {
  scenario = scenarioOf();
  // The last step holds every new account: blocked staff, and both VIP decisions.
  checkLargeScenario({ rows: scenario.people.length, expected: scenario.expected }, {
    'active/new/primary': PRIMARY_SEATS,
    'blocked/seats/primary': LARGE_RUN_USERS - PRIMARY_SEATS,
    'active/new/vip': 1,
    'active/protected/vip': 1,
  });
});

describe.each(DATABASE_KINDS)('a first sync decided in one final step of 45,002 new accounts, on %s', (kind) => {
  const t = testDatabaseOf(kind);
  it('inserts each account once with the allocated state, its audit row and its id in read order', async () => {
    const { people, expected } = scenario;
    const { run, allocation } = await firstSyncOf(t.db, people, {
      pools: [
        { name: 'primary', seats: PRIMARY_SEATS, notify: null },
        { name: 'vip', seats: 1, notify: null },
      ],
      profiles: [
        { name: 'vip', when: { memberOf: ['vips'] }, pools: ['vip'] },
        { name: 'staff', when: null, pools: ['primary'] },
      ],
      policy: { graceDays: 0, maxRemovals: { percent: 100 }, protect: { memberOf: ['vips'] }, purgeRemovedAfterMs: null },
    }, LARGE_RUN_NOW);
    expect(run).toMatchObject({ outcome: 'applied', created: people.length });
    // Not 'as they came': nothing was decided before `finish`, whose step holds every new account.
    expect(allocation).toBe('around settled');

    const stored = await storedMismatches(t.db, people, expected);
    expect(stored).toEqual({ accounts: people.length, audit: people.length, ids: [], states: [], auditRows: [] });
  }, 60_000);
});
