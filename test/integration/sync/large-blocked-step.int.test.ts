// A first sync into a settled (empty) store whose pools are far smaller than the directory: new users are
// decided as they come, 20,000 at a time, and those who find no seat are kept for the allocation's end
// (`finish`), whose step then carries more than 20,000 blocked accounts, inserted in several statements
// (staging-store.ts `insertNew`) with two distinct states (waiting for `primary` or for `extranet`). Read
// order differs from creation order. Every account must be inserted once, with the first-come-first-served
// state (SPEC rule 3), its audit row, and the id of its place in the file. Both databases.
import { describe, expect, it } from 'vitest';
import type { CsvPerson } from '../../support/config-builder.ts';
import { WRITE_BATCH } from '../../../src/store/array-params.ts';
import { DATABASE_KINDS, openTestDatabase } from '../../support/databases.ts';
import { type ExpectedAccount, firstSyncOf, storedMismatches } from '../../support/large-run.ts';

const NOW = Date.UTC(2025, 5, 1, 12);
const CREATED_FROM = Date.UTC(2020, 0, 1);
const MINUTE_MS = 60_000;
const USERS = 45_000;
const SEATS = { primary: 6_000, extranet: 3_000 } as const;
/** Creation rank of the user read at position i: a bijection (7919 is prime to 45,000), far from read order. */
const rankOf = (i: number): number => (i * 7919) % USERS;
/** Every third user (by read position) is a partner, who needs `extranet`; the others need `primary`. */
const poolOf = (i: number): 'primary' | 'extranet' => (i % 3 === 0 ? 'extranet' : 'primary');


/** The file in read order, with the state each account must get: the oldest of each pool's users take its seats. */
function scenario(): { people: CsvPerson[]; expected: ExpectedAccount[] } {
  const byAge = Array.from({ length: USERS }, (_, i) => i).sort((a, b) => rankOf(a) - rankOf(b));
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
  for (let i = 0; i < USERS; i++) {
    const pool = poolOf(i);
    people.push({ id: `u${String(i).padStart(5, '0')}`, createdAt: new Date(CREATED_FROM + rankOf(i) * MINUTE_MS).toISOString(), ...(pool === 'extranet' ? { groups: ['Partners'] } : {}) });
    expected.push(
      granted.has(i)
        ? { state: 'active', held: [pool], waitingFor: [], waitingSince: null, activatedAt: NOW, reason: 'new' }
        : { state: 'blocked', held: [], waitingFor: [pool], waitingSince: NOW, activatedAt: null, reason: 'seats' },
    );
  }
  return { people, expected };
}

describe.each(DATABASE_KINDS)('a first sync whose last step holds more than 20,000 blocked accounts, on %s', (kind) => {
  it('inserts each account once with the allocated state, its audit row and its id in read order', async () => {
    const t = await openTestDatabase(kind);
    try {
      const { people, expected } = scenario();
      const { run, allocation } = await firstSyncOf(t.db, people, {
        pools: [
          { name: 'primary', seats: SEATS.primary, notify: null },
          { name: 'extranet', seats: SEATS.extranet, notify: null },
        ],
        profiles: [
          { name: 'partner', when: { memberOf: ['partners'] }, pools: ['extranet'] },
          { name: 'staff', when: null, pools: ['primary'] },
        ],
      }, NOW);
      // The last step must need more than one insert statement of the store's batch size.
      expect(USERS - SEATS.primary - SEATS.extranet).toBeGreaterThan(WRITE_BATCH);
      expect(run).toMatchObject({ outcome: 'applied', created: USERS, activated: SEATS.primary + SEATS.extranet, blocked: USERS - SEATS.primary - SEATS.extranet });
      // Decided as they came (the store was settled); the blocked ones at the end, in one step.
      expect(allocation).toBe('as they came');

      const stored = await storedMismatches(t.db, people, expected);
      expect(stored).toEqual({ accounts: people.length, audit: people.length, ids: [], states: [], auditRows: [] });
    } finally {
      await t.drop();
    }
  }, 60_000);
});
