// A first sync whose allocation decides everything at the end: two protected VIPs need a pool of one
// seat, so the stored state (the protected newcomers) is not settled and no new requester is decided as
// it comes. The last step then carries all 45,002 new accounts at once, inserted in several statements
// (staging-store.ts `insertNew`), each with several distinct seat states numbered per statement. Read
// order differs from creation order, so every statement mixes active and blocked staff. Every account
// must be inserted once, with the first-come-first-served state (SPEC rule 3), its audit row, and the
// id of its place in the file. Both databases.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logging.ts';
import { createSourceFactory } from '../../../src/sources/factory.ts';
import { runSync } from '../../../src/sync/run-sync.ts';
import { aConfig, aCsvFile, aFileSource, type CsvPerson } from '../../support/config-builder.ts';
import { DATABASE_KINDS, openTestDatabase } from '../../support/databases.ts';

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

interface Expected {
  readonly state: string;
  readonly held: readonly string[];
  readonly waitingFor: readonly string[];
  readonly waitingSince: number | null;
  readonly activatedAt: number | null;
  readonly reason: string;
}

/** The file in read order, with the state each account must get. */
function scenario(): { people: CsvPerson[]; expected: Expected[] } {
  const rows: { person: CsvPerson; expected: Expected }[] = Array.from({ length: STAFF }, (_, i) => {
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

/** The first few rows whose value differs from the expected one, as `index: actual ≠ expected`. */
function mismatches<T>(actual: readonly T[], expected: readonly T[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < Math.max(actual.length, expected.length) && found.length < 5; i++) {
    const a = JSON.stringify(actual[i]);
    const e = JSON.stringify(expected[i]);
    if (a !== e) found.push(`${i}: ${a} ≠ ${e}`);
  }
  return found;
}

describe.each(DATABASE_KINDS)('a first sync decided in one final step of 45,002 new accounts, on %s', (kind) => {
  it('inserts each account once with the allocated state, its audit row and its id in read order', async () => {
    const t = await openTestDatabase(kind);
    try {
      const { people, expected } = scenario();
      const csv = aCsvFile(people);
      const config = aConfig({
        sources: [aFileSource('hr', csv.path)],
        pools: [
          { name: 'primary', seats: PRIMARY_SEATS, notify: null },
          { name: 'vip', seats: 1, notify: null },
        ],
        profiles: [
          { name: 'vip', when: { memberOf: ['vips'] }, pools: ['vip'] },
          { name: 'staff', when: null, pools: ['primary'] },
        ],
        policy: { graceDays: 0, maxRemovals: { percent: 100 }, protect: { memberOf: ['vips'] }, purgeRemovedAfterMs: null },
      });
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const report = await runSync(
        { db: t.db, config, logger: pino({ level: 'info' }, sink), createSource: createSourceFactory(config, silentLogger()) },
        { sources: [], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'test', now: () => NOW },
      );
      expect(report.runs[0]).toMatchObject({ outcome: 'applied', created: people.length });
      // Not 'as they came': nothing was decided before `finish`, whose step holds every new account.
      const finished = lines.map((line) => JSON.parse(line) as { msg?: string; allocation?: unknown }).find((entry) => entry.msg === 'sync finished');
      expect(finished?.allocation).toBe('around settled');

      const accounts = await t.db.query<Expected & { id: number; externalId: string; graceUntil: number | null }>(
        `SELECT id, external_id AS "externalId", state, held, waiting_for AS "waitingFor",
                (extract(epoch from waiting_since) * 1000)::float8 AS "waitingSince",
                (extract(epoch from activated_at) * 1000)::float8 AS "activatedAt",
                (extract(epoch from grace_until) * 1000)::float8 AS "graceUntil"
         FROM accounts ORDER BY id`,
      );
      expect(accounts.rows.length).toBe(people.length);
      expect(mismatches(accounts.rows.map((a) => [a.id, a.externalId]), people.map((p, i) => [i + 1, p.id]))).toEqual([]);
      const states = accounts.rows.map(({ state, held, waitingFor, waitingSince, activatedAt, graceUntil }) => ({ state, held, waitingFor, waitingSince, activatedAt, graceUntil }));
      expect(mismatches(states, expected.map(({ reason: _reason, ...state }) => ({ ...state, graceUntil: null })))).toEqual([]);

      const audit = await t.db.query<{ accountId: number; fromState: string | null; toState: string; reason: string; details: unknown }>(
        `SELECT account_id AS "accountId", from_state AS "fromState", to_state AS "toState", reason, details FROM audit ORDER BY account_id, id`,
      );
      const expectedAudit = expected.map((e, i) => ({ accountId: i + 1, fromState: null, toState: e.state, reason: e.reason, details: { held: e.held, waitingFor: e.waitingFor } }));
      expect(audit.rows.length).toBe(expectedAudit.length);
      expect(mismatches(audit.rows, expectedAudit)).toEqual([]);
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
