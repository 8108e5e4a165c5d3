// A first sync whose allocation decides everything at the end: two protected VIPs need a pool of one
// seat, so the stored state (the protected newcomers) is not settled and no new requester is decided as
// it comes. The last step then carries all 45,002 new accounts at once, inserted in several statements
// (staging-store.ts `insertNew`), each with several distinct seat states numbered per statement. Read
// order differs from creation order, so every statement mixes active and blocked staff. Every account
// must be inserted once, with the first-come-first-served state (SPEC rule 3), its audit row, and the
// id of its place in the file. Both databases.
import { describe, expect, it } from 'vitest';
import type { CsvPerson } from '../../support/config-builder.ts';
import { WRITE_BATCH } from '../../../src/store/array-params.ts';
import { DATABASE_KINDS, openTestDatabase } from '../../support/databases.ts';
import { type ExpectedAccount, firstSyncOf, storedMismatches } from '../../support/large-run.ts';

const NOW = Date.UTC(2025, 5, 1, 12);
const CREATED_FROM = Date.UTC(2020, 0, 1);
const MINUTE_MS = 60_000;
const STAFF = 45_000;
const PRIMARY_SEATS = 25_000;
/** Read position of staff member i's creation rank: a bijection (7919 is prime to 45,000), far from read order. */
const rankOf = (i: number): number => (i * 7919) % STAFF;
/**
 * Where the VIPs are read (one in the first insert statement, one in the second) and what they get: the
 * one created first takes the seat, the other is activated over it (protected).
 */
const VIP_ROWS = [
  { at: 5, createdMinute: 2, reason: 'new' },
  { at: 20_010, createdMinute: 1, reason: 'protected' },
] as const;


/** The file in read order, with the state each account must get. */
function scenario(): { people: CsvPerson[]; expected: ExpectedAccount[] } {
  const rows: { person: CsvPerson; expected: ExpectedAccount }[] = Array.from({ length: STAFF }, (_, i) => {
    const rank = rankOf(i);
    const id = `s${String(i).padStart(5, '0')}`;
    const activeNow = rank < PRIMARY_SEATS;
    return {
      person: { id, createdAt: new Date(CREATED_FROM + rank * MINUTE_MS).toISOString() },
      expected: activeNow
        ? { state: 'active', held: ['primary'], waitingFor: [], waitingSince: null, activatedAt: NOW, reason: 'new' }
        : { state: 'blocked', held: [], waitingFor: ['primary'], waitingSince: NOW, activatedAt: null, reason: 'seats' },
    };
  });
  for (const [v, { at, createdMinute, reason }] of VIP_ROWS.entries()) {
    rows.splice(at, 0, {
      person: { id: `vip${v}`, createdAt: new Date(CREATED_FROM - createdMinute * MINUTE_MS).toISOString(), groups: ['VIPs'] },
      expected: { state: 'active', held: ['vip'], waitingFor: [], waitingSince: null, activatedAt: NOW, reason },
    });
  }
  return { people: rows.map((r) => r.person), expected: rows.map((r) => r.expected) };
}

describe.each(DATABASE_KINDS)('a first sync decided in one final step of 45,002 new accounts, on %s', (kind) => {
  it('inserts each account once with the allocated state, its audit row and its id in read order', async () => {
    const t = await openTestDatabase(kind);
    try {
      const { people, expected } = scenario();
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
      }, NOW);
      // The last step must need more than one insert statement of the store's batch size.
      expect(people.length).toBeGreaterThan(WRITE_BATCH);
      expect(run).toMatchObject({ outcome: 'applied', created: people.length });
      // Not 'as they came': nothing was decided before `finish`, whose step holds every new account.
      expect(allocation).toBe('around settled');

      const stored = await storedMismatches(t.db, people, expected);
      expect(stored).toEqual({ accounts: people.length, audit: people.length, ids: [], states: [], auditRows: [] });
      // The scenario holds what it is meant to: blocked staff, and both VIP decisions.
      const reasons = new Map<string, number>();
      for (const e of expected) {
        const key = `${e.state}/${e.reason}/${e.held.join()}`;
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
      }
      expect(Object.fromEntries(reasons)).toEqual({ 'active/new/primary': PRIMARY_SEATS, 'blocked/seats/': STAFF - PRIMARY_SEATS, 'active/new/vip': 1, 'active/protected/vip': 1 });
    } finally {
      await t.drop();
    }
  }, 60_000);
});
