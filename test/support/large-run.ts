// Helpers of the tests that check a large first sync row by row: the large first syncs' clock, directory
// and expected states; and comparisons that name the first rows that differ (a full diff of 45,000 rows would
// say nothing).
import { expect } from 'vitest';
import type { SeatState } from '../../src/domain/types.ts';
import { WRITE_BATCH } from '../../src/store/array-params.ts';
import type { Database, Queryable } from '../../src/store/db.ts';
import type { SourceRunResult } from '../../src/sync/sync-source.ts';
import { aConfig, aCsvFile, aFileSource, type CsvPerson } from './config-builder.ts';
import { syncWithAllocation } from './sync.ts';

/** The first sync of a CSV file source of `people` built from `setup`, at `now`: the run's result and how its allocation ran. */
export async function firstSyncOf(
  db: Database,
  people: readonly CsvPerson[],
  setup: Pick<Parameters<typeof aConfig>[0], 'pools' | 'profiles' | 'policy'>,
  now: number,
): Promise<{ run: SourceRunResult | undefined; allocation: unknown }> {
  const config = aConfig({ sources: [aFileSource('hr', aCsvFile(people).path)], ...setup });
  const { report, allocation } = await syncWithAllocation(db, config, { now });
  return { run: report.runs[0], allocation };
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

/** The seat state a new account must be stored with (no grace), and the reason its audit row gives. */
export type ExpectedAccount = Omit<SeatState, 'graceUntil'> & { readonly reason: string };

/** When a large first sync runs: the time its new accounts are activated or start waiting. */
export const LARGE_RUN_NOW = Date.UTC(2025, 5, 1, 12);
/** The users of a large first sync's directory: its last step needs several insert statements (WRITE_BATCH). */
export const LARGE_RUN_USERS = 45_000;
const CREATED_FROM = Date.UTC(2020, 0, 1);
const MINUTE_MS = 60_000;

/** Creation rank of the user read at position i: a bijection of the users (7919 is prime to 45,000), far from read order. */
export const creationRankOf = (i: number): number => (i * 7919) % LARGE_RUN_USERS;

/** The creation time of the user of creation rank `rank`, a minute after the one before (a negative rank: before them all). */
export const createdAtOfRank = (rank: number): string => new Date(CREATED_FROM + rank * MINUTE_MS).toISOString();

/** A new account given a seat of `pool` by the large first sync, for `reason` (`new`, or `protected` over the pool's size). */
export const activatedIn = (pool: string, reason = 'new'): ExpectedAccount => ({
  state: 'active', held: [pool], waitingFor: [], waitingSince: null, activatedAt: LARGE_RUN_NOW, reason,
});

/** A new account that the large first sync leaves waiting for a seat of `pool`. */
export const waitingIn = (pool: string): ExpectedAccount => ({
  state: 'blocked', held: [], waitingFor: [pool], waitingSince: LARGE_RUN_NOW, activatedAt: null, reason: 'seats',
});

/**
 * Checks a large scenario's fixture before its sync: the step it is about, of `rows` new accounts, needs
 * more than one insert statement of the store's batch size, and its expected states are counted as `counts`
 * (`state/reason/pools` → accounts).
 */
export function checkLargeScenario(scenario: { readonly rows: number; readonly expected: readonly ExpectedAccount[] }, counts: Readonly<Record<string, number>>): void {
  expect(scenario.rows, 'new accounts of the step under test').toBeGreaterThan(WRITE_BATCH);
  const found = new Map<string, number>();
  for (const e of scenario.expected) {
    const key = `${e.state}/${e.reason}/${[...e.held, ...e.waitingFor].join()}`;
    found.set(key, (found.get(key) ?? 0) + 1);
  }
  expect(Object.fromEntries(found), 'expected states of the scenario').toEqual(counts);
}

/**
 * How the accounts of a first sync differ from what was expected, for the users in read order: ids
 * (1, 2, … in read order), states (no grace), and one audit row per account.
 */
export async function storedMismatches(
  db: Queryable,
  people: readonly { readonly id: string }[],
  expected: readonly ExpectedAccount[],
): Promise<{ accounts: number; audit: number; ids: string[]; states: string[]; auditRows: string[] }> {
  const accounts = await db.query<Omit<ExpectedAccount, 'reason'> & { id: number; externalId: string; graceUntil: number | null }>(
    `SELECT id, external_id AS "externalId", state, held, waiting_for AS "waitingFor",
            (extract(epoch from waiting_since) * 1000)::float8 AS "waitingSince",
            (extract(epoch from activated_at) * 1000)::float8 AS "activatedAt",
            (extract(epoch from grace_until) * 1000)::float8 AS "graceUntil"
     FROM accounts ORDER BY id`,
  );
  const audit = await db.query<{ accountId: number; fromState: string | null; toState: string; reason: string; details: unknown }>(
    `SELECT account_id AS "accountId", from_state AS "fromState", to_state AS "toState", reason, details FROM audit ORDER BY account_id, id`,
  );
  const states = accounts.rows.map(({ state, held, waitingFor, waitingSince, activatedAt, graceUntil }) => ({ state, held, waitingFor, waitingSince, activatedAt, graceUntil }));
  return {
    accounts: accounts.rows.length,
    audit: audit.rows.length,
    ids: mismatches(accounts.rows.map((a) => [a.id, a.externalId]), people.map((p, i) => [i + 1, p.id])),
    states: mismatches(states, expected.map(({ reason: _reason, ...state }) => ({ ...state, graceUntil: null }))),
    auditRows: mismatches(
      audit.rows,
      expected.map((e, i) => ({ accountId: i + 1, fromState: null, toState: e.state, reason: e.reason, details: { held: e.held, waitingFor: e.waitingFor } })),
    ),
  };
}
