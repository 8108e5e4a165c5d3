// The sync run end to end on a real file source, against real PostgreSQL and PGlite.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SeatsyncConfig } from '../../../src/config/types.ts';
import type { LimitExceededEvent } from '../../../src/domain/notification-events.ts';
import { createRunNotifier } from '../../../src/notify/run-notifier.ts';
import { outboxOf } from '../../../src/store/outbox-store.ts';
import { repositoriesOf, storeOf } from '../../../src/store/repositories.ts';
import { applyAdminAction } from '../../../src/sync/admin-actions.ts';
import { explainAccountRef } from '../../../src/sync/explain.ts';
import { seatSettingsChanged, storedSeatSettings } from '../../../src/sync/reconcile.ts';
import type { SyncReport } from '../../../src/sync/run-sync.ts';
import { aConfig, aCsvFile, aFileSource, aPartnerConfig, people, type CsvPerson } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';

describe.each(DATABASE_KINDS)('sync run on %s', (kind) => {
  const t = testDatabaseOf(kind);

  const sync = async (config: SeatsyncConfig, options: { dryRun?: boolean; allowRemovals?: boolean; sources?: string[] } = {}): Promise<SyncReport> =>
    (await syncWithAllocation(t.db, config, options)).report;

  const states = async (): Promise<Record<string, string>> => {
    const r = await t.db.query<{ username: string; state: string }>('SELECT username, state FROM accounts ORDER BY username');
    return Object.fromEntries(r.rows.map((row) => [row.username, row.state]));
  };

  const rowVersions = async (): Promise<string> => {
    const r = await t.db.query<{ v: string }>(`SELECT string_agg(id::text || ':' || xmin::text, ',' ORDER BY id) AS v FROM accounts`);
    return r.rows[0]?.v ?? '';
  };

  const tableCounts = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const table of ['accounts', 'runs', 'audit', 'outbox', 'source_cursors']) {
      const r = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      out[table] = r.rows[0]?.n ?? -1;
    }
    return out;
  };

  function setup(list: CsvPerson[], seats = 3): { config: SeatsyncConfig; csv: ReturnType<typeof aCsvFile> } {
    const csv = aCsvFile(list);
    const config = aConfig({ sources: [aFileSource('hr', csv.path)], pools: [{ name: 'primary', seats, notify: null }] });
    return { config, csv };
  }

  it('creates accounts and seats the earliest-created users first; the rest wait', async () => {
    const { config } = setup(people(5));
    const report = await sync(config);
    expect(report.runs[0]).toMatchObject({ source: 'hr', status: 'ok', seen: 5, created: 5, activated: 3, blocked: 2 });
    expect(await states()).toEqual({ u001: 'active', u002: 'active', u003: 'active', u004: 'blocked', u005: 'blocked' });
    expect(report.pools).toEqual([{ name: 'primary', seats: 3, used: 3, available: 0, waiting: 2 }]);
  });

  it('writes no account row on a resync without directory changes', async () => {
    const { config } = setup(people(5));
    await sync(config);
    const before = await rowVersions();
    const auditBefore = (await tableCounts()).audit;
    const report = await sync(config);
    expect(report.runs[0]).toMatchObject({ status: 'ok', seen: 5, created: 0, updated: 0, activated: 0, blocked: 0 });
    expect(await rowVersions()).toBe(before);
    expect((await tableCounts()).audit).toBe(auditBefore);
  });

  it('writes nothing at all on a dry run, and reports what it would do', async () => {
    const { config, csv } = setup(people(5));
    await sync(config);
    csv.write(people(5).map((p) => (p.id === 'u001' ? { ...p, enabled: false } : p)));
    const counts = await tableCounts();
    const versions = await rowVersions();
    const report = await sync(config, { dryRun: true });
    expect(report.runs[0]).toMatchObject({ status: 'ok', dryRun: true, disabled: 1, activated: 1 });
    // What it would do, account by account: u001 disabled, its seat to the first in line.
    expect(report.runs[0]?.planned?.total).toBe(2);
    expect(report.runs[0]?.planned?.changes.map((c) => [c.username, c.from?.state, c.to.state, c.reason])).toEqual([
      ['u001', 'active', 'disabled', 'directory-disabled'],
      ['u004', 'blocked', 'active', 'seats'],
    ]);
    expect(report.pools[0]).toMatchObject({ used: 3, waiting: 1 });
    expect(await tableCounts()).toEqual(counts);
    expect(await rowVersions()).toBe(versions);
    expect(await states()).toMatchObject({ u001: 'active', u004: 'blocked' });
  });

  it('gives a freed seat to the longest-waiting account in the same run, with audit rows', async () => {
    const { config, csv } = setup(people(5));
    await sync(config);
    csv.write(people(5).map((p) => (p.id === 'u002' ? { ...p, enabled: false } : p)));
    const report = await sync(config);
    expect(report.runs[0]).toMatchObject({ disabled: 1, activated: 1, updated: 1 });
    expect(await states()).toMatchObject({ u002: 'disabled', u004: 'active', u005: 'blocked' });
    const audit = await t.db.query<{ username: string; from_state: string; to_state: string; reason: string; actor: string }>(
      `SELECT a.username, au.from_state, au.to_state, au.reason, au.actor FROM audit au JOIN accounts a ON a.id = au.account_id
       WHERE au.run_id = (SELECT max(id) FROM runs) ORDER BY a.username`,
    );
    expect(audit.rows).toEqual([
      expect.objectContaining({ username: 'u002', from_state: 'active', to_state: 'disabled', reason: 'directory-disabled' }),
      expect.objectContaining({ username: 'u004', from_state: 'blocked', to_state: 'active', reason: 'seats' }),
    ]);
    expect(audit.rows[0]?.actor).toMatch(/^run:\d+$/);
  });

  it('names the cause of a block in the audit: a profile change or a re-enabled account that found no seat; the email lists both as newly blocked for lack of seats', async () => {
    // primary 3, extranet 1 (held by u001): u002 and u003 hold primary, u004 is disabled, u005 waits.
    const list = people(5).map((p) => (p.id === 'u001' ? { ...p, groups: ['partners'] } : p.id === 'u004' ? { ...p, enabled: false } : p));
    const csv = aCsvFile(list);
    const config = {
      ...aPartnerConfig(csv.path, { primary: 3, extranet: 1 }),
      notify: { to: 'licenses@example.test', from: 'seatsync@example.test', transport: { kind: 'log' }, remindEveryMs: null, warnAt: null, failureAfter: null },
    } satisfies SeatsyncConfig;
    await sync(config);
    expect(await states()).toEqual({ u001: 'active', u002: 'active', u003: 'active', u004: 'disabled', u005: 'blocked' });
    // u002 becomes a partner (extranet is full), u004 is enabled again (primary is full).
    csv.write(list.map((p) => (p.id === 'u002' ? { ...p, groups: ['partners'] } : p.id === 'u004' ? { ...p, enabled: true } : p)));
    await sync(config);
    const audit = await t.db.query<{ username: string; from_state: string; to_state: string; reason: string }>(
      `SELECT a.username, au.from_state, au.to_state, au.reason FROM audit au JOIN accounts a ON a.id = au.account_id
       WHERE au.run_id = (SELECT max(id) FROM runs) ORDER BY a.username`,
    );
    expect(audit.rows).toEqual([
      { username: 'u002', from_state: 'active', to_state: 'blocked', reason: 'profile-changed' },
      { username: 'u004', from_state: 'disabled', to_state: 'blocked', reason: 'directory-enabled' },
      // The seat u002 gave up goes to the one that waited longest.
      { username: 'u005', from_state: 'blocked', to_state: 'active', reason: 'seats' },
    ]);
    const limit = await t.db.query<{ payload: LimitExceededEvent }>(`SELECT payload FROM outbox WHERE kind = 'limit-exceeded' ORDER BY id DESC LIMIT 1`);
    const event = limit.rows[0]?.payload;
    expect(event?.blockedByReason).toEqual({ seats: 2 });
    expect(event?.blocked.map((a) => [a.username, a.blockReason])).toEqual([
      ['u002', 'seats'],
      ['u004', 'seats'],
    ]);
    // `seatsync explain` reads the cause from the audit row that blocked the account.
    const explain = async (ref: string): Promise<string> => (await explainAccountRef(repositoriesOf(t.db), config, ref)).explanation.summary;
    expect(await explain('u002')).toMatch(/^its profile \(or the pools it needs\) changed on \S+, to one needing a pool with no free seat; waiting for a seat/);
    expect(await explain('u004')).toMatch(/^enabled again in the directory on \S+, but no seat was free; waiting for a seat/);
  });

  it('keeps the account through a rename (same directory id)', async () => {
    const { config, csv } = setup(people(2));
    await sync(config);
    const before = await t.db.query<{ id: number }>(`SELECT id FROM accounts WHERE external_id = 'u001'`);
    csv.write(people(2).map((p) => (p.id === 'u001' ? { ...p, username: 'renamed', email: 'renamed@example.test' } : p)));
    const report = await sync(config);
    expect(report.runs[0]).toMatchObject({ created: 0, updated: 1 });
    const after = await t.db.query<{ id: number; username: string; state: string }>(`SELECT id, username, state FROM accounts WHERE external_id = 'u001'`);
    expect(after.rows).toEqual([{ id: before.rows[0]?.id, username: 'renamed', state: 'active' }]);
  });

  /** The saved pools equal the stored accounts counted, and a run that changes nothing reports them. */
  async function expectSavedPoolsCounted(config: SeatsyncConfig): Promise<ReadonlyMap<string, { used: number; waiting: number }>> {
    const store = storeOf(t.db);
    const saved = (await store.seats.lastAllocation())?.pools ?? null;
    const counted = await store.accounts.poolCounts();
    const of = (counts: ReadonlyMap<string, { used: number; waiting: number }> | null, pool: string) => {
      const c = counts?.get(pool);
      return { used: c?.used ?? 0, waiting: c?.waiting ?? 0 };
    };
    expect(saved).not.toBeNull();
    for (const pool of config.pools) expect({ pool: pool.name, ...of(saved, pool.name) }).toEqual({ pool: pool.name, ...of(counted, pool.name) });
    const quiet = await sync(config, { allowRemovals: true });
    expect(quiet.runs[0]).toMatchObject({ status: 'ok', activated: 0, blocked: 0, disabled: 0, removed: 0, updated: 0, created: 0 });
    expect(quiet.pools.map((p) => [p.name, p.used, p.waiting])).toEqual(config.pools.map((p) => [p.name, of(counted, p.name).used, of(counted, p.name).waiting]));
    return counted;
  }

  // A run whose allocation is skipped reports the pools the last allocation saved with its fingerprint.
  it('saves with each allocation the pools it leaves, equal to the accounts counted after runs, pool changes and admin actions', async () => {
    const contractors = (list: CsvPerson[]): CsvPerson[] => list.map((p, i) => (i % 3 === 0 ? { ...p, employeeType: 'contractor' } : p));
    const csv = aCsvFile(contractors(people(12)));
    const base = aConfig({
      sources: [aFileSource('hr', csv.path)],
      pools: [{ name: 'primary', seats: 6, notify: null }, { name: 'extranet', seats: 2, notify: null }],
      profiles: [
        { name: 'contractor', when: { attribute: { employeeType: ['contractor'] } }, pools: ['extranet', 'primary'] },
        { name: 'staff', when: null, pools: ['primary'] },
      ],
    });
    const config = base;
    await sync(config, { allowRemovals: true });
    // Both pools full, with accounts waiting for each.
    const first = await expectSavedPoolsCounted(config);
    expect(first.get('primary')).toEqual({ used: 6, waiting: 6 });
    expect(first.get('extranet')?.waiting).toBeGreaterThan(0);
    // Users disabled, removed, new; then some back.
    csv.write(contractors(people(14)).filter((p) => p.id !== 'u002' && p.id !== 'u005').map((p) => (p.id === 'u003' ? { ...p, enabled: false } : p)));
    await sync(config, { allowRemovals: true });
    await expectSavedPoolsCounted(config);
    csv.write(contractors(people(14)));
    await sync(config, { allowRemovals: true });
    await expectSavedPoolsCounted(config);
    // Fewer seats and a grace period, with new users (activated in grace beyond the seats), then more seats.
    const smaller = { ...config, pools: [{ name: 'primary', seats: 4, notify: null }, { name: 'extranet', seats: 1, notify: null }], policy: { ...config.policy, graceDays: 3 } };
    csv.write(contractors(people(17)));
    await sync(smaller, { allowRemovals: true });
    // More used than seats: the overage in grace.
    expect((await expectSavedPoolsCounted(smaller)).get('primary')?.used).toBeGreaterThan(4);
    await sync(config, { allowRemovals: true });
    await expectSavedPoolsCounted(config);
    // Admin actions re-allocate in their own transaction.
    await applyAdminAction({ db: t.db, config }, { action: 'block', ref: 'u001', actor: 'test-admin' });
    await expectSavedPoolsCounted(config);
    await applyAdminAction({ db: t.db, config }, { action: 'protect', ref: 'u012', actor: 'test-admin' });
    await expectSavedPoolsCounted(config);
    await applyAdminAction({ db: t.db, config }, { action: 'unblock', ref: 'u001', actor: 'test-admin' });
    await expectSavedPoolsCounted(config);
  });

  it('holds a run that would remove too many accounts, and applies it with allowRemovals', async () => {
    const { config, csv } = setup(people(20), 30);
    await sync(config);
    csv.write(people(14));
    const held = await sync(config);
    expect(held.runs[0]).toMatchObject({ status: 'held', removed: 0 });
    expect(Object.values(await states()).filter((s) => s === 'removed')).toHaveLength(0);
    const runs = await t.db.query<{ status: string }>('SELECT status FROM runs ORDER BY id');
    expect(runs.rows.map((r) => r.status)).toEqual(['ok', 'held']);
    const applied = await sync(config, { allowRemovals: true });
    expect(applied.runs[0]).toMatchObject({ status: 'ok', removed: 6 });
    expect(Object.values(await states()).filter((s) => s === 'removed')).toHaveLength(6);
  });

  it('weighs a run held after its allocation against the present accounts as its writes left them (missing, back and new ones)', async () => {
    const { config, csv } = setup(people(20), 30);
    await sync(config);
    csv.write(people(18));
    expect((await sync(config, { allowRemovals: true })).runs[0]).toMatchObject({ status: 'ok', removed: 2 });
    // u005 missing, u019 and u020 back, u021 new; and nobody matches the only profile any more.
    csv.write(people(21).filter((p) => p.id !== 'u005'));
    const broken = { ...config, profiles: [{ name: 'staff', when: { memberOf: ['cn=nobody'] }, pools: ['primary'] }] };
    const held = await sync(broken);
    expect(held.runs[0]).toMatchObject({ status: 'held' });
    // 18 present before the run, then 1 marked missing, 2 back and 1 new.
    expect(held.runs[0]?.held).toMatchObject({ wouldRemove: 18, total: 20 });
    const present = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts WHERE present');
    expect(present.rows[0]?.n).toBe(18);
  });

  it('allows up to five removals even on a small source (the floor of the percentage)', async () => {
    const { config, csv } = setup(people(10), 30);
    await sync(config);
    csv.write(people(5));
    const report = await sync(config);
    expect(report.runs[0]).toMatchObject({ status: 'ok', removed: 5 });
  });

  it('always holds an empty read from a source that has accounts', async () => {
    const { config, csv } = setup(people(3));
    await sync(config);
    csv.write([]);
    const report = await sync(config);
    expect(report.runs[0]).toMatchObject({ status: 'held' });
    expect(Object.values(await states())).not.toContain('removed');
  });

  it('changes nothing when the read fails half-way', async () => {
    const { config, csv } = setup(people(3), 10);
    await sync(config);
    const versions = await rowVersions();
    // 2,500 good rows, then an unterminated quote: the file source throws after yielding pages.
    const good = people(2500).map((p) => `${p.id},${p.id},${p.id}@example.test,P,false,,,`).join('\n');
    writeFileSync(csv.path, `id,username,email,displayName,enabled,createdAt,groups,employeeType\n${good}\nbad,"unterminated,x@example.test,B,true,,,\n`);
    const report = await sync(config);
    expect(report.runs[0]).toMatchObject({ status: 'failed' });
    expect(report.runs[0]?.error).toBeTruthy();
    expect(await rowVersions()).toBe(versions);
    const last = await t.db.query<{ status: string; error: string }>('SELECT status, error FROM runs ORDER BY id DESC LIMIT 1');
    expect(last.rows[0]?.status).toBe('failed');
  });

  it('activates waiting accounts when the config gives the pool more seats', async () => {
    const { config } = setup(people(5));
    await sync(config);
    const bigger = { ...config, pools: [{ name: 'primary', seats: 4, notify: null }] };
    const report = await sync(bigger);
    expect(report.runs[0]).toMatchObject({ activated: 1 });
    expect(await states()).toMatchObject({ u004: 'active', u005: 'blocked' });
  });

  it('blocks the most recently activated holders when the pool shrinks', async () => {
    const { config, csv } = setup(people(3));
    await sync(config);
    csv.write(people(3)); // unchanged directory
    const smaller = { ...config, pools: [{ name: 'primary', seats: 2, notify: null }] };
    const report = await sync(smaller);
    expect(report.runs[0]).toMatchObject({ blocked: 1 });
    expect(Object.values(await states()).filter((s) => s === 'active')).toHaveLength(2);
  });

  it('frees the seat of an account an admin blocks, for the next in line, at once', async () => {
    const { config } = setup(people(4));
    await sync(config);
    const result = await applyAdminAction({ db: t.db, config }, { action: 'block', ref: 'u001', actor: 'test-admin' });
    expect(result.account.state).toBe('suspended');
    expect(await states()).toMatchObject({ u001: 'suspended', u004: 'active' });
    await sync(config);
    expect(await states()).toMatchObject({ u001: 'suspended' });
    await applyAdminAction({ db: t.db, config }, { action: 'unblock', ref: 'u001@example.test', actor: 'test-admin' });
    expect(await states()).toMatchObject({ u001: 'blocked' });
    const audit = await t.db.query<{ username: string; to_state: string; reason: string }>(
      `SELECT a.username, au.to_state, au.reason FROM audit au JOIN accounts a ON a.id = au.account_id
       WHERE au.actor = 'test-admin' ORDER BY au.id`,
    );
    const entries = audit.rows.map((r) => `${r.username}:${r.to_state}:${r.reason}`);
    // The flag changes themselves, then the seat changes they caused.
    expect(entries.slice(0, 3).sort()).toEqual(['u001:active:block', 'u001:suspended:admin', 'u004:active:seats']);
    expect(entries.slice(3).sort()).toEqual(['u001:blocked:seats', 'u001:suspended:unblock']);
  });

  /** Whether `config`'s seat settings differ from those the stored seats were decided under (as a worker's start asks). */
  const changedSinceStored = async (config: SeatsyncConfig): Promise<boolean> => {
    const stored = await storedSeatSettings(repositoriesOf(t.db), config);
    if (stored === null) throw new Error('no allocation stored');
    return seatSettingsChanged(stored, config);
  };

  it('leaves a change of policy.protect unapplied after an admin action, which maps no user: only a sync applies it', async () => {
    const { config } = setup(people(4));
    await sync(config);
    expect(await changedSinceStored(config)).toBe(false);
    const protecting = { ...config, policy: { ...config.policy, protect: { memberOf: ['admins'] } } };
    await applyAdminAction({ db: t.db, config: protecting }, { action: 'block', ref: 'u004', actor: 'test-admin' });
    expect(await changedSinceStored(protecting)).toBe(true);
    await sync(protecting);
    expect(await changedSinceStored(protecting)).toBe(false);
    // A change of seats is applied by the action's allocation itself.
    const grown = { ...protecting, pools: [{ name: 'primary', seats: 4, notify: null }] };
    await applyAdminAction({ db: t.db, config: grown }, { action: 'unblock', ref: 'u004', actor: 'test-admin' });
    expect(await states()).toMatchObject({ u004: 'active' });
    expect(await changedSinceStored(grown)).toBe(false);
  });

  it("keeps a change of the when rules unapplied for the sources a run did not read, each file source recording its own", async () => {
    const config = aPartnerConfig(aCsvFile(people(3)).path, { primary: 5, extranet: 5 });
    const both = { ...config, sources: [...config.sources, aFileSource('b', aCsvFile(people(3, 10)).path)] };
    await sync(both);
    expect(await changedSinceStored(both)).toBe(false);
    const rewritten = { ...both, profiles: both.profiles.map((p, i) => (i === 0 ? { ...p, when: { memberOf: ['contractors'] } } : p)) };
    await sync(rewritten, { sources: ['hr'] });
    expect(await changedSinceStored(rewritten)).toBe(true);
    await sync(rewritten, { sources: ['b'] });
    expect(await changedSinceStored(rewritten)).toBe(false);
  });
});

describe('policy.purgeRemovedAfter', () => {
  const t = testDatabaseOf('pglite');
  it('deletes accounts removed longer ago than the policy says, and keeps the others', async () => {
    const csv = aCsvFile(people(6));
    const base = aConfig({ sources: [aFileSource('hr', csv.path)], pools: [{ name: 'primary', seats: 10, notify: null }] });
    const sync = (config: SeatsyncConfig) => syncWithAllocation(t.db, config, { allowRemovals: true });
    await sync(base);
    csv.write(people(4));
    await sync(base);
    await t.db.query(`UPDATE accounts SET removed_at = now() - interval '40 days' WHERE external_id = 'u005'`);
    const purgedId = (await t.db.query<{ id: number }>(`SELECT id FROM accounts WHERE external_id = 'u005'`)).rows[0]?.id;
    const auditOf = async (id: number | undefined) => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit WHERE account_id = $1', [id])).rows[0]?.n;
    expect(await auditOf(purgedId)).toBeGreaterThan(0);
    const purging = { ...base, policy: { ...base.policy, purgeRemovedAfterMs: 30 * 86_400_000 } };
    await sync(purging);
    const left = await t.db.query<{ external_id: string; state: string }>('SELECT external_id, state FROM accounts ORDER BY external_id');
    expect(left.rows.map((r) => `${r.external_id}:${r.state}`)).toEqual(['u001:active', 'u002:active', 'u003:active', 'u004:active', 'u006:removed']);
    // Its audit history goes with it; the others' stays.
    expect(await auditOf(purgedId)).toBe(0);
    const orphanAudit = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit au WHERE au.account_id IS NULL OR NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = au.account_id)',
    );
    expect(orphanAudit.rows[0]?.n).toBe(0);
    const kept = (await t.db.query<{ id: number }>(`SELECT id FROM accounts WHERE external_id = 'u006'`)).rows[0]?.id;
    expect(await auditOf(kept)).toBeGreaterThan(0);
  });
});

describe('admin actions and notifications', () => {
  const t = testDatabaseOf('pglite');
  it('emails the responsible person when protecting an account blocks another one', async () => {
    const csv = aCsvFile(people(4));
    const config = aConfig({
      sources: [aFileSource('hr', csv.path)],
      pools: [{ name: 'primary', seats: 3, notify: null }],
      notify: { to: 'licenses@example.test', from: 'seatsync@example.test', transport: { kind: 'log' }, remindEveryMs: null, warnAt: null, failureAfter: null },
    });
    const notifier = createRunNotifier({ config, outbox: outboxOf(t.db) }) ?? undefined;
    expect(notifier).toBeDefined();
    await syncWithAllocation(t.db, config, notifier ? { notifier } : {});
    const before = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE kind = 'limit-exceeded'`);
    expect(before.rows[0]?.n).toBe(1); // u004 waits
    const result = await applyAdminAction({ db: t.db, config, ...(notifier ? { notifier } : {}) }, { action: 'protect', ref: 'u004', actor: 'test-admin' });
    expect(result.account.state).toBe('active');
    const states = await t.db.query<{ username: string; state: string }>(`SELECT username, state FROM accounts WHERE state = 'blocked'`);
    expect(states.rows.map((r) => r.username)).toEqual(['u003']); // the newest holder made room
    const after = await t.db.query<{ payload: { accounts?: { username: string }[] } }>(
      `SELECT payload FROM outbox WHERE kind = 'limit-exceeded' ORDER BY id`,
    );
    expect(after.rows).toHaveLength(2);
    expect(JSON.stringify(after.rows[1]?.payload)).toContain('u003');
    const audit = await t.db.query<{ reason: string }>(`SELECT reason FROM audit WHERE actor = 'test-admin' ORDER BY id`);
    expect(audit.rows.map((r) => r.reason)).toContain('protect');
  });
});

describe('mass-change safety of config changes', () => {
  const t = testDatabaseOf('pglite');
  it('holds a run whose new profiles would put many accounts out of scope, and applies it with allowRemovals', async () => {
    const csv = aCsvFile(people(20));
    const config = aConfig({ sources: [aFileSource('hr', csv.path)], pools: [{ name: 'primary', seats: 30, notify: null }] });
    const sync = async (c: SeatsyncConfig, allowRemovals = false) => (await syncWithAllocation(t.db, c, { allowRemovals })).report;
    await sync(config);
    // A typo in the only profile's rule: nobody matches any more.
    const broken = { ...config, profiles: [{ name: 'staff', when: { memberOf: ['cn=nobody'] }, pools: ['primary'] }] };
    const held = await sync(broken);
    expect(held.runs[0]).toMatchObject({ status: 'held' });
    expect(held.runs[0]?.held).toMatchObject({ wouldRemove: 20 });
    const states = await t.db.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM accounts GROUP BY state');
    expect(states.rows).toEqual([{ state: 'active', n: 20 }]);
    const applied = await sync(broken, true);
    expect(applied.runs[0]).toMatchObject({ status: 'ok', removed: 20 });
  });
});
