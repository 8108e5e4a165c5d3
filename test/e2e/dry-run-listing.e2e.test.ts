// `seatsync sync --dry-run` as an admin reads it, and `seatsync check`'s plan, through the command on a
// file source with the embedded database: the changes grouped by kind (blocks and removals first) with
// their counts, `--only`, pages of the `--json` list and the command for the rest, nothing written;
// then check's numbers per profile and pool against what the real sync does.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, requireRedis, uniquePrefix } from '../integration/worker/worker-fixtures.ts';
import { runCli } from '../support/cli.ts';
import { aConfigYaml } from '../support/config-builder.ts';
import { writeMarks } from '../support/stored-state.ts';
import type { SourcePlanJson } from '../../src/cli/check-plan.ts';

interface Change { username: string; kind: string; from: string | null; to: string; reason: string }
interface KindJson { kind: string; total: number; offset: number; listed: number; leftOut: number; next: string | null }
interface Run { status: string; blocked: number; removed: number; disabled: number; activated: number; changes?: Change[]; changesTotal?: number; changeKinds?: KindJson[] }
interface SyncJson { runs: Run[]; pools: { name: string; seats: number; used: number; waiting: number }[] }
interface CheckJson { sources: { source: string; ok: boolean; steps: { name: string; ok: boolean; detail: string }[]; plan: SourcePlanJson | null }[] }
interface Account { username: string; state: string; profile: string | null; pools: string[]; waitingFor: string[] }

const KINDS = ['blocked', 'removed', 'disabled', 'suspended', 'activated', 'changed'];
const user = (n: number, options: { enabled?: boolean; group?: string } = {}): string =>
  `s${String(n).padStart(2, '0')},s${String(n).padStart(2, '0')},${options.enabled ?? true},${options.group ?? 'Staff'}`;

describe('sync --dry-run and check on a file source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-dry-'));
  const csv = join(dir, 'staff.csv');
  const config = join(dir, 'seatsync.yaml');
  const prefix = uniquePrefix('dry');
  const cli = (...args: string[]) => runCli([...args, '--config', config]);
  const json = async <T,>(...args: string[]): Promise<T> => {
    const result = await cli(...args);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as T;
  };

  function writeConfig(seats: number, maxRemovals = '50%'): void {
    writeFileSync(config, aConfigYaml({
      dataDir: join(dir, 'data'),
      redis: { url: REDIS_URL, prefix },
      sources: { staff: csv },
      seats: { primary: seats },
      profiles: [{ name: 'service', memberOf: 'Service', pools: [] }, { name: 'staff', pools: ['primary'] }],
      policy: { maxRemovals },
    }));
  }

  const stored = (): Promise<string> => writeMarks(join(dir, 'data'));

  let before: string;
  let full: Run;

  beforeAll(async () => {
    await requireRedis();
    // Ten staff for six seats: s01–s06 hold them, s07–s10 wait.
    writeFileSync(csv, ['id,username,enabled,groups', ...Array.from({ length: 10 }, (_, i) => user(i + 1))].join('\n'));
    writeConfig(6);
    const first = await json<SyncJson>('sync', '--json');
    expect(first.runs[0]).toMatchObject({ status: 'ok', activated: 6, blocked: 4 });
    // Then: the pool shrinks to 3 (three holders lose their seat), two waiting staff leave, one is
    // disabled, three new staff arrive (and wait), four service accounts arrive (no seat needed).
    const waiting = (await json<Account[]>('accounts', '--json', '--state', 'blocked')).map((a) => a.username).sort();
    expect(waiting).toEqual(['s07', 's08', 's09', 's10']);
    writeFileSync(csv, [
      'id,username,enabled,groups',
      ...[1, 2, 3, 4, 5, 6, 7].map((n) => user(n)),
      user(8, { enabled: false }),
      ...[11, 12, 13].map((n) => user(n)),
      ...[21, 22, 23, 24].map((n) => user(n, { group: 'Service' })),
    ].join('\n'));
    writeConfig(3);
    before = await stored();
    full = (await json<SyncJson>('sync', '--dry-run', '--json')).runs[0] as Run;
  });

  it('lists every change of the --json dry run grouped by kind, blocks and removals first, with the count of each', () => {
    expect(full).toMatchObject({ status: 'ok', blocked: 6, removed: 2, disabled: 1, activated: 4, changesTotal: 13 });
    expect(full.changeKinds?.map((k) => [k.kind, k.total, k.listed, k.leftOut, k.next])).toEqual([
      ['blocked', 6, 6, 0, null], ['removed', 2, 2, 0, null], ['disabled', 1, 1, 0, null],
      ['suspended', 0, 0, 0, null], ['activated', 4, 4, 0, null], ['changed', 0, 0, 0, null],
    ]);
    const kinds = full.changes?.map((c) => c.kind) ?? [];
    expect(kinds).toEqual([...Array(6).fill('blocked'), 'removed', 'removed', 'disabled', ...Array(4).fill('activated')]);
    const byKind = (kind: string) => full.changes?.filter((c) => c.kind === kind).map((c) => c.username).sort();
    expect(byKind('removed')).toEqual(['s09', 's10']);
    expect(byKind('disabled')).toEqual(['s08']);
    expect(byKind('activated')).toEqual(['s21', 's22', 's23', 's24']);
    // Three holders lost their seat, three newcomers wait.
    const blocked = full.changes?.filter((c) => c.kind === 'blocked') ?? [];
    expect(blocked.filter((c) => c.from === 'active').map((c) => c.reason)).toEqual(['pool-shrunk', 'pool-shrunk', 'pool-shrunk']);
    expect(blocked.filter((c) => c.from === null).map((c) => c.username).sort()).toEqual(['s11', 's12', 's13']);
  });

  it('prints the kinds in that order with their counts, the first --limit of each, and the command for the rest', async () => {
    const result = await cli('sync', '--dry-run', '--limit', '2');
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toContain('staff: 13 accounts would change state: 6 blocked, 2 removed, 1 disabled, 4 activated');
    const headers = [...out.matchAll(/^(\w+) \((\d+)[^)]*\):$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(headers).toEqual(['blocked 6', 'removed 2', 'disabled 1', 'activated 4']);
    expect(out).toContain('blocked (6; listed: 1 to 2):');
    expect(out).toContain(`… 4 more blocked: seatsync sync --dry-run --config ${config} --source staff --only blocked --offset 2 --limit 2`);
    expect(out).toContain(`… 2 more activated: seatsync sync --dry-run --config ${config} --source staff --only activated --offset 2 --limit 2`);
    expect(out).not.toMatch(/more removed|more disabled/);
    // Each listed row sits under its kind's header.
    const firstBlocked = full.changes?.find((c) => c.kind === 'blocked')?.username ?? '?';
    expect(out.slice(out.indexOf('blocked (6'), out.indexOf('removed (2'))).toMatch(new RegExp(`^${firstBlocked}\\s`, 'm'));
   }, 120_000);

  it('lists only the kinds --only names, pages the --json list, and gives the exact command for the next page', async () => {
    const page = (await json<SyncJson>('sync', '--dry-run', '--json', '--only', 'removed,blocked', '--limit', '4')).runs[0] as Run;
    expect(page.changes?.map((c) => c.kind)).toEqual(['blocked', 'blocked', 'blocked', 'blocked', 'removed', 'removed']);
    const blockedInOrder = full.changes?.filter((c) => c.kind === 'blocked').map((c) => c.username) ?? [];
    expect(page.changes?.slice(0, 4).map((c) => c.username)).toEqual(blockedInOrder.slice(0, 4));
    const next = `seatsync sync --dry-run --json --config ${config} --source staff --only blocked --offset 4 --limit 4`;
    expect(page.changeKinds?.find((k) => k.kind === 'blocked')).toEqual({ kind: 'blocked', total: 6, offset: 0, listed: 4, leftOut: 2, next });
    expect(page.changeKinds?.find((k) => k.kind === 'removed')).toEqual({ kind: 'removed', total: 2, offset: 0, listed: 2, leftOut: 0, next: null });
    // A kind left out by --only: its count, and the command that lists it.
    expect(page.changeKinds?.find((k) => k.kind === 'activated')).toEqual({
      kind: 'activated', total: 4, offset: 0, listed: 0, leftOut: 4, next: `seatsync sync --dry-run --json --config ${config} --source staff --only activated --limit 4`,
    });
    // The next page, by running the command as given.
    const words = next.split(' ').slice(1);
    const result = await runCli(words);
    expect(result.code, result.stderr).toBe(0);
    const second = (JSON.parse(result.stdout) as SyncJson).runs[0] as Run;
    expect(second.changes?.map((c) => c.username)).toEqual(blockedInOrder.slice(4));
    expect(second.changeKinds?.find((k) => k.kind === 'blocked')).toMatchObject({ total: 6, offset: 4, listed: 2, leftOut: 4, next: null });
    expect(second.changesTotal).toBe(13);
  }, 120_000);

  it('refuses an unknown kind, naming it and the valid ones, and listing flags without --dry-run', async () => {
    const unknown = await cli('sync', '--dry-run', '--only', 'blocked,blockd');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`error: unknown change kind "blockd" in --only; the kinds are: ${KINDS.join(', ')}`);
    const noDryRun = await cli('sync', '--only', 'blocked');
    expect(noDryRun.code).toBe(2);
    expect(noDryRun.stderr).toContain('add --dry-run');
    const badLimit = await cli('sync', '--dry-run', '--limit', 'all');
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit must be a whole number');
  });

  it('writes nothing: accounts, audit and runs are as they were', async () => {
    expect(await stored()).toBe(before);
  });

  it("check shows per profile and pool what the sync then does, from a dry run that writes nothing", async () => {
    const human = await cli('check');
    expect(human.code, human.stdout + human.stderr).toBe(0);
    expect(human.stdout).toContain('✓ dry run: a dry run of a sync now, rolled back: 13 accounts would change state: 6 blocked, 2 removed, 1 disabled, 4 activated');
    expect(human.stdout).toContain('a sync now would leave 15 accounts of this source:');
    expect(human.stdout).toMatch(/^ {4}staff\s+11\s+3\s+7\s+1$/m);
    expect(human.stdout).toMatch(/^ {4}primary\s+3\s+3\s+7\s+3\s+7$/m);
    const check = await json<CheckJson>('check', '--json');
    const plan = check.sources[0]?.plan;
    expect(check.sources[0]?.ok).toBe(true);
    expect(plan).toEqual({
      accounts: 15,
      profiles: [
        { profile: 'service', accounts: 4, active: 4, blocked: 0, other: 0 },
        { profile: 'staff', accounts: 11, active: 3, blocked: 7, other: 1 },
      ],
      pools: [{ pool: 'primary', seats: 3, held: 3, blocked: 7, used: 3, waiting: 7 }],
      held: null,
    });
    expect(await stored()).toBe(before);

    // With a lower maxRemovals the sync would be held: check says so, with the numbers it would apply once allowed.
    writeConfig(3, '2');
    const held = await json<CheckJson>('check', '--json');
    expect(held.sources[0]?.plan).toEqual({ ...plan, held: { wouldDisable: 1, wouldRemove: 2, total: 10, threshold: 2, reason: 'removals' } });
    writeConfig(3);

    // The real sync: the same changes, and the accounts and pools check said.
    const applied = (await json<SyncJson>('sync', '--json'));
    expect(applied.runs[0]).toMatchObject({ blocked: 6, removed: 2, disabled: 1, activated: 4 });
    const accounts = (await json<Account[]>('accounts', '--json')).filter((a) => a.state !== 'removed');
    expect(accounts).toHaveLength(plan?.accounts ?? -1);
    for (const p of plan?.profiles ?? []) {
      const of = accounts.filter((a) => a.profile === p.profile);
      expect({ profile: p.profile, accounts: of.length, active: of.filter((a) => a.state === 'active').length, blocked: of.filter((a) => a.state === 'blocked').length })
        .toEqual({ profile: p.profile, accounts: p.accounts, active: p.active, blocked: p.blocked });
    }
    const pool = plan?.pools[0];
    expect(accounts.filter((a) => a.pools.includes('primary'))).toHaveLength(pool?.held ?? -1);
    expect(accounts.filter((a) => a.state === 'blocked' && a.waitingFor.includes('primary'))).toHaveLength(pool?.blocked ?? -1);
    expect(applied.pools).toEqual([{ name: 'primary', seats: 3, used: pool?.used, available: 0, waiting: pool?.waiting }]);
  }, 240_000);
});
