// A first sync stages its users page by page and applies them after the read, in one short transaction:
// the page size must not change what it leaves (accounts, states, audit rows, report), a user read twice
// or also reported deleted is handled as in one page, and a read that fails half-way leaves nothing.
// The source is the file source built from config by the factory, re-paged into small pages, with
// repeats and a deletion added.
import { describe, expect, it } from 'vitest';
import type { SeatsyncConfig } from '../../../src/config/types.ts';
import { silentLogger } from '../../../src/logging.ts';
import type { DirectorySource, SourceItem, SourceReader } from '../../../src/sources/directory-source.ts';
import { createSourceFactory } from '../../../src/sources/factory.ts';
import type { SyncReport } from '../../../src/sync/run-sync.ts';
import { aCsvFile, aPartnerConfig, type CsvPerson } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf, type SuiteDatabase } from '../../support/databases.ts';
import { storedState } from '../../support/stored-state.ts';
import { syncWithAllocation } from '../../support/sync.ts';

const T1 = Date.UTC(2025, 2, 1, 12);
const HOUR_MS = 3_600_000;

/** Staff, partners (two pools), service accounts (no pool), disabled users, protected admins, ties on creation. */
function crowd(count: number, first: number): CsvPerson[] {
  return Array.from({ length: count }, (_, i) => {
    const n = first + i;
    const kind = n % 7;
    return {
      id: `id-${n}`,
      username: `user${n % 13}-${n}`,
      createdAt: n % 5 === 0 ? '' : new Date(Date.UTC(2024, 0, 1 + (n % 3))).toISOString(),
      enabled: n % 11 !== 0,
      groups: kind === 1 ? ['Partners'] : kind === 2 ? ['Admins'] : [],
      employeeType: kind === 3 ? 'service' : 'employee',
    };
  });
}

function configFor(path: string): SeatsyncConfig {
  return aPartnerConfig(path, { primary: 20, extranet: 3 });
}

interface Shape {
  /** Items per page. */
  readonly pageSize: number;
  /** Items added at the end of the read (repeats of earlier users, deletions). */
  readonly extra?: readonly SourceItem[];
  /** The read fails after this many pages. */
  readonly failAfterPages?: number;
}

/** The file source, its items re-paged and amended as `shape` says. */
function reshaped(source: DirectorySource, shape: Shape): DirectorySource {
  async function* read(options: Parameters<DirectorySource['read']>[0]): SourceReader {
    const items: SourceItem[] = [];
    const reader = source.read(options);
    let next = await reader.next();
    while (!next.done) {
      items.push(...next.value.items);
      next = await reader.next();
    }
    items.push(...(shape.extra ?? []));
    for (let start = 0, page = 0; start < items.length; start += shape.pageSize, page += 1) {
      if (page === shape.failAfterPages) throw Object.assign(new Error('connection lost mid-read'), { code: 'connect' });
      yield { items: items.slice(start, start + shape.pageSize) };
    }
    return next.value;
  }
  return { ...source, read };
}

describe.each(DATABASE_KINDS)('a first sync read in pages, on %s', (kind) => {
  const early = testDatabaseOf(kind);
  const late = testDatabaseOf(kind);

  /** Runs a sync of the one configured source, re-paged as `shape` says. */
  async function sync(t: SuiteDatabase, config: SeatsyncConfig, shape: Shape, options: { now: number }): Promise<SyncReport> {
    const factory = createSourceFactory(config, silentLogger());
    return (await syncWithAllocation(t.db, config, { createSource: (name) => reshaped(factory(name), shape), now: options.now })).report;
  }

  const stored = async (t: SuiteDatabase) => ({
    ...(await storedState(t.db, {
      accounts: [
        'external_id', 'username', 'email', 'display_name', 'enabled', 'profile', 'policy_protected', 'present', 'data_hash', 'state', 'held',
        'waiting_for', 'waiting_since', 'activated_at', 'grace_until', 'first_seen_run', 'last_changed_run',
      ],
      audit: ['from_state', 'to_state', 'reason', 'actor', 'run_id', 'details'],
    })),
    orphanAudit: Number((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit WHERE account_id NOT IN (SELECT id FROM accounts)')).rows[0]?.n),
    outbox: (await t.db.query(`SELECT kind, payload FROM outbox ORDER BY id`)).rows,
  });

  const comparable = (r: SyncReport) => ({ ...r.runs[0], durationMs: 0, pools: r.pools });

  /** Small pages and one large page leave the same. */
  async function expectSame(config: SeatsyncConfig, shape: Shape, options: { now: number }) {
    const a = await sync(early, config, shape, options);
    const b = await sync(late, config, { ...shape, pageSize: 10_000 }, options);
    expect(a.runs[0]?.status).toBe('ok');
    expect(comparable(a)).toEqual(comparable(b));
    expect(await stored(early)).toEqual(await stored(late));
    return a;
  }

  it('leaves what a read in one page leaves; later runs too', async () => {
    const people = crowd(70, 1);
    const csv = aCsvFile(people);
    const config = configFor(csv.path);
    const first = await expectSame(config, { pageSize: 9 }, { now: T1 });
    expect(first.runs[0]).toMatchObject({ seen: 70, created: 70 });
    expect(first.runs[0]?.blocked).toBeGreaterThan(0);
    expect(first.runs[0]?.activated).toBeGreaterThan(20);

    csv.write([...people.slice(10), ...crowd(15, 71)]);
    const second = await expectSame(config, { pageSize: 9 }, { now: T1 + HOUR_MS });
    expect(second.runs[0]).toMatchObject({ created: 15, removed: 10 });
  });

  it('keeps the first of an id read twice and leaves out a user the read also reports deleted', async () => {
    const people = crowd(30, 1);
    const config = configFor(aCsvFile(people).path);
    const factory = createSourceFactory(config, silentLogger());
    const items: SourceItem[] = [];
    for await (const page of factory('hr').read({ cursor: null, forceFull: true, groupsOfInterest: [], attributes: [] })) items.push(...page.items);
    const users = items.flatMap((i) => (i.kind === 'user' ? [i.user] : []));
    const extra: SourceItem[] = [
      // id-4 again, renamed: the first occurrence counts.
      { kind: 'user', user: { ...users[3]!, username: 'renamed-later', displayName: 'Renamed later' } },
      // id-2 again, in the same page as the first repeat.
      { kind: 'user', user: users[1]! },
      { kind: 'deleted', externalId: 'id-7' },
    ];
    const report = await expectSame(config, { pageSize: 8, extra }, { now: T1 });
    expect(report.runs[0]).toMatchObject({ seen: 30, created: 29, skipped: 2 });
    const names = (await early.db.query<{ external_id: string; username: string }>(`SELECT external_id, username FROM accounts WHERE external_id IN ('id-4', 'id-7')`)).rows;
    expect(names).toEqual([{ external_id: 'id-4', username: users[3]!.username }]);
  });

  it('leaves nothing when the read fails half-way, and the next run starts over', async () => {
    const people = crowd(40, 1);
    const config = configFor(aCsvFile(people).path);
    const failed = await sync(early, config, { pageSize: 6, failAfterPages: 4 }, { now: T1 });
    expect(failed.runs[0]).toMatchObject({ status: 'failed', errorCode: 'connect' });
    const counts = await early.db.query<{ accounts: number; audit: number; cursors: number }>(
      `SELECT (SELECT count(*)::int FROM accounts) AS accounts, (SELECT count(*)::int FROM audit) AS audit,
              (SELECT count(*)::int FROM source_cursors) AS cursors`,
    );
    expect(counts.rows[0]).toEqual({ accounts: 0, audit: 0, cursors: 0 });
    const retried = await sync(early, config, { pageSize: 6 }, { now: T1 });
    expect(retried.runs[0]).toMatchObject({ status: 'ok', created: 40 });
  });

  it('names the entry of an existing account the read returns twice, and keeps its first occurrence', async () => {
    const people = crowd(12, 1);
    const config = configFor(aCsvFile(people).path);
    await sync(early, config, { pageSize: 5 }, { now: T1 });
    const factory = createSourceFactory(config, silentLogger());
    const items: SourceItem[] = [];
    for await (const page of factory('hr').read({ cursor: null, forceFull: true, groupsOfInterest: [], attributes: [] })) items.push(...page.items);
    const again = items.flatMap((i) => (i.kind === 'user' ? [i.user] : []))[3]!;
    const report = await sync(early, config, { pageSize: 5, extra: [{ kind: 'user', user: { ...again, displayName: 'Second occurrence' } }] }, { now: T1 + 60_000 });
    expect(report.runs[0]).toMatchObject({ status: 'ok', seen: 12, updated: 0, skipped: 1 });
    expect(report.runs[0]?.skippedEntries).toEqual([{ entry: again.username, attribute: 'id', reason: 'duplicate id in this read', externalId: again.externalId }]);
  });

  it('writes nothing in a dry run', async () => {
    const config = configFor(aCsvFile(crowd(20, 1)).path);
    const factory = createSourceFactory(config, silentLogger());
    const { report } = await syncWithAllocation(early.db, config, { createSource: (name) => reshaped(factory(name), { pageSize: 5 }), dryRun: true, now: T1 });
    expect(report.runs[0]).toMatchObject({ status: 'ok', created: 20, dryRun: true });
    expect((await early.db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts')).rows[0]?.n).toBe(0);
  });
});
