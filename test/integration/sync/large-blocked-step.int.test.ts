// A first sync into a settled (empty) store whose pools are far smaller than the directory: new users are
// decided as they come, 20,000 at a time, and those who find no seat are kept for the allocation's end
// (`finish`), whose step then carries more than 20,000 blocked accounts, inserted in several statements
// (staging-store.ts `insertNew`) with two distinct states (waiting for `primary` or for `extranet`). Read
// order differs from creation order. Every account must be inserted once, with the first-come-first-served
// state (SPEC rule 3), its audit row, and the id of its place in the file. Both databases.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CsvPerson } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import {
  activatedIn, checkLargeScenario, createdAtOfRank, creationRankOf, type ExpectedAccount, firstSyncOf, LARGE_RUN_NOW, LARGE_RUN_USERS, storedMismatches,
  waitingIn,
} from '../../support/large-run.ts';

const SEATS = { primary: 6_000, extranet: 3_000 } as const;
const BLOCKED = LARGE_RUN_USERS - SEATS.primary - SEATS.extranet;
/** Every third user (by read position) is a partner, who needs `extranet`; the others need `primary`. */
const poolOf = (i: number): 'primary' | 'extranet' => (i % 3 === 0 ? 'extranet' : 'primary');

/** The file in read order, with the state each account must get: the oldest of each pool's users take its seats. */
function scenarioOf(): { people: CsvPerson[]; expected: ExpectedAccount[] } {
  const byAge = Array.from({ length: LARGE_RUN_USERS }, (_, i) => i).sort((a, b) => creationRankOf(a) - creationRankOf(b));
  const granted = new Set<number>();
  const taken = { primary: 0, extranet: 0 };
  for (const i of byAge) {
    const pool = poolOf(i);
    if (taken[pool] < SEATS[pool]) {
      taken[pool] += 1;
      granted.add(i);
    }
  }
  const people: CsvPerson[] = [];
  const expected: ExpectedAccount[] = [];
  for (let i = 0; i < LARGE_RUN_USERS; i++) {
    const pool = poolOf(i);
    people.push({ id: `u${String(i).padStart(5, '0')}`, createdAt: createdAtOfRank(creationRankOf(i)), ...(pool === 'extranet' ? { groups: ['Partners'] } : {}) });
    expected.push(granted.has(i) ? activatedIn(pool) : waitingIn(pool));
  }
  return { people, expected };
}

let scenario: ReturnType<typeof scenarioOf>;
beforeAll(() => {
  scenario = scenarioOf();
  // The last step holds the blocked accounts of both pools; every third user is a partner.
  checkLargeScenario({ rows: BLOCKED, expected: scenario.expected }, {
    'active/new/primary': SEATS.primary,
    'active/new/extranet': SEATS.extranet,
    'blocked/seats/primary': (LARGE_RUN_USERS * 2) / 3 - SEATS.primary,
    'blocked/seats/extranet': LARGE_RUN_USERS / 3 - SEATS.extranet,
  });
});

describe.each(DATABASE_KINDS)('a first sync whose last step holds more than 20,000 blocked accounts, on %s', (kind) => {
  const t = testDatabaseOf(kind);
  it('inserts each account once with the allocated state, its audit row and its id in read order', async () => {
    const { people, expected } = scenario;
    const { run, allocation } = await firstSyncOf(t.db, people, {
      pools: [
        { name: 'primary', seats: SEATS.primary, notify: null },
        { name: 'extranet', seats: SEATS.extranet, notify: null },
      ],
      profiles: [
        { name: 'partner', when: { memberOf: ['partners'] }, pools: ['extranet'] },
        { name: 'staff', when: null, pools: ['primary'] },
      ],
    }, LARGE_RUN_NOW);
    expect(run).toMatchObject({ outcome: 'applied', created: LARGE_RUN_USERS, activated: SEATS.primary + SEATS.extranet, blocked: BLOCKED });
    // Decided as they came (the store was settled); the blocked ones at the end, in one step.
    expect(allocation).toBe('as they came');

    const stored = await storedMismatches(t.db, people, expected);
    expect(stored).toEqual({ accounts: people.length, audit: people.length, ids: [], states: [], auditRows: [] });
  }, 60_000);
});
