// A run's new accounts reach the allocator from the staging table a slice at a time, in the order of the
// queue key the domain stored with them; behind a settled state they are decided as they come. Slices
// of 4 must leave exactly what one slice of everything leaves: the same states, the same audit rows, the
// same report. Both runs on both databases.
import { describe, expect, it } from 'vitest';
import type { SeatsyncConfig } from '../../../src/config/types.ts';
import type { SyncReport } from '../../../src/sync/run-sync.ts';
import { aCsvFile, aPartnerConfig, type CsvPerson } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf, type SuiteDatabase } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';
import { storedState } from '../../support/stored-state.ts';

const T1 = Date.UTC(2025, 2, 1, 12);
const HOUR_MS = 3_600_000;

/**
 * Ties on creation time and on username, unknown creation times, case, accents, disabled users,
 * partners (two pools), service accounts (no pool) and, unless `admins` is false, protected admins.
 */
function crowd(count: number, first: number, names: readonly string[], options: { admins?: boolean } = {}): CsvPerson[] {
  return Array.from({ length: count }, (_, i) => {
    const n = first + i;
    const kind = n % 7;
    return {
      id: `id-${n}`,
      username: names[n % names.length] ?? `user${n}`,
      createdAt: n % 5 === 0 ? '' : new Date(Date.UTC(2024, 0, 1 + (n % 3))).toISOString(),
      enabled: n % 11 !== 0,
      groups: kind === 1 ? ['Partners'] : kind === 2 && options.admins !== false ? ['Admins'] : [],
      employeeType: kind === 3 ? 'service' : 'employee',
    };
  });
}

const PLAIN_NAMES = ['zoe', 'Zed', 'amy', 'émile', 'bob', 'bob', 'Ann', 'ann', 'chris', 'dana'];
// A name beyond the Basic Multilingual Plane and one in U+E000–U+FFFF, created together: text ordered by
// code point would put them the other way round than the allocation's UTF-16 code units; the stored queue
// key is hex digits, which every database orders as the allocation does.
const ASTRAL = ['\u{1D49C}lice', '\uFF46ull'].map((username, i) => ({ id: `astral-${i}`, username, createdAt: '2023-06-01T00:00:00.000Z' }));

function configFor(path: string): SeatsyncConfig {
  return aPartnerConfig(path, { primary: 14, extranet: 3 });
}

describe.each(DATABASE_KINDS)('new accounts allocated in slices on %s', (kind) => {
  const sliced = testDatabaseOf(kind);
  const whole = testDatabaseOf(kind);

  /** Runs a sync; returns its report and how its allocation ran. */
  const sync = (t: SuiteDatabase, config: SeatsyncConfig, now: number, allocationSlice: number) => syncWithAllocation(t.db, config, { now, allocationSlice });

  const stored = (t: SuiteDatabase) => storedState(t.db);

  /** Runs each list through both databases; returns how the sliced database's allocations ran. */
  async function expectSameRuns(people: readonly CsvPerson[][]): Promise<unknown[]> {
    const paths: unknown[] = [];
    const csv = aCsvFile(people[0] ?? []);
    const config = configFor(csv.path);
    for (const [i, list] of people.entries()) {
      csv.write(list);
      const now = T1 + i * HOUR_MS;
      const a = await sync(sliced, config, now, 4);
      const b = await sync(whole, config, now, 1_000_000);
      const report = (r: SyncReport) => ({ ...r.runs[0], runId: null, durationMs: 0, pools: r.pools });
      expect(report(a.report)).toEqual(report(b.report));
      expect(a.report.runs[0]?.status).toBe('ok');
      // The reference takes the same path, in one slice.
      expect(b.allocation).toBe(a.allocation);
      expect(await stored(sliced)).toEqual(await stored(whole));
      paths.push(a.allocation);
    }
    return paths;
  }

  it('gives the first sync and a later one with more new users the same outcome as one call', async () => {
    const first = crowd(40, 1, PLAIN_NAMES);
    const second = [...first, ...crowd(30, 41, PLAIN_NAMES, { admins: false })];
    // New protected admins could push a full pool over its seats (it would shrink): all at the end.
    const third = [...second, ...crowd(20, 71, PLAIN_NAMES)];
    expect(await expectSameRuns([first, second, third])).toEqual(['as they came', 'as they came', 'one call']);
  });

  it('fails with the error of an insert that fails while the next slice is decided, and applies nothing', async () => {
    // An account written with an id the run reserves for one of its new users: that user's insert fails.
    await sliced.db.query(
      `INSERT INTO accounts (id, source, external_id, username, enabled, data_hash, state) OVERRIDING SYSTEM VALUE
       VALUES (10, 'elsewhere', 'x', 'x', true, 'x', 'removed')`,
    );
    const csv = aCsvFile(crowd(40, 1, PLAIN_NAMES));
    const { report } = await sync(sliced, configFor(csv.path), T1, 4);
    expect(report.runs[0]).toMatchObject({ status: 'failed', created: 0 });
    expect(report.runs[0]?.error).toMatch(/accounts_pkey/);
    const left = await sliced.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM accounts WHERE source <> 'elsewhere'`);
    expect(left.rows[0]?.n).toBe(0);
  });

  it('orders names as the allocation does on every database, whatever their characters', async () => {
    expect(await expectSameRuns([[...crowd(40, 1, PLAIN_NAMES), ...ASTRAL]])).toEqual(['as they came']);
  });
});
