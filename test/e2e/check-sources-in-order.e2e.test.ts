// `seatsync check` over two file sources competing for too few seats plans them as the sync applies them:
// each source after the ones before it, in one dry run. Its per-source plan equals what `sync --dry-run`
// says and what the sync that follows does, first against no accounts, then against the stored ones.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, requireRedis, uniquePrefix } from '../integration/worker/worker-fixtures.ts';
import { runCli } from '../support/cli.ts';
import { aConfigYaml, csvOf, people } from '../support/config-builder.ts';
import { writeMarks } from '../support/stored-state.ts';
import type { SourcePlanJson } from '../../src/cli/check-plan.ts';

interface CheckJson { sources: { source: string; ok: boolean; usersInScope: number | null; plan: SourcePlanJson | null }[] }
interface SyncJson { runs: { source: string; status: string; activated: number; blocked: number }[]; pools: { name: string; seats: number; used: number; waiting: number }[] }
interface Account { source: string; state: string }

const ldifPerson = (uid: string, n: number): string =>
  [`dn: uid=${uid},ou=People,dc=example,dc=test`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `entryUUID: 0b5d3f4e-3333-4000-8000-00000000000${n}`, ''].join('\n');

describe('check over sources competing for seats', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-check-order-'));
  const config = join(dir, 'seatsync.yaml');
  const csv = join(dir, 'staff.csv');
  const ldif = join(dir, 'people.ldif');
  const cli = (...args: string[]) => runCli([...args, '--config', config]);
  const json = async <T>(...args: string[]): Promise<T> => {
    const result = await cli(...args, '--json');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    return JSON.parse(result.stdout) as T;
  };
  /** Per source, what check's plan says its accounts would hold. */
  const planned = (check: CheckJson) =>
    check.sources.map(({ source, ok, plan }) => ({
      source,
      ok,
      accounts: plan?.accounts,
      active: plan?.profiles.reduce((n, p) => n + p.active, 0),
      blocked: plan?.profiles.reduce((n, p) => n + p.blocked, 0),
      pools: plan?.pools.map(({ pool, held, blocked }) => ({ pool, held, blocked })),
    }));
  /** The same, of what the sync did: the stored accounts of each source. */
  const applied = async (sync: SyncJson) => {
    const accounts = await json<Account[]>('accounts');
    return sync.runs.map(({ source, status }) => {
      const own = accounts.filter((a) => a.source === source && a.state !== 'removed');
      const active = own.filter((a) => a.state === 'active').length;
      const blocked = own.filter((a) => a.state === 'blocked').length;
      return { source, ok: status === 'ok', accounts: own.length, active, blocked, pools: [{ pool: 'primary', held: active, blocked }] };
    });
  };
  /** The pools' use after each source's plan: the last one's is the sync's. */
  const poolsAfter = (check: CheckJson) => check.sources.map((s) => s.plan?.pools.map(({ pool, seats, used, waiting }) => ({ name: pool, seats, used, waiting })));
  const poolsOf = (sync: SyncJson) => sync.pools.map(({ name, seats, used, waiting }) => ({ name, seats, used, waiting }));

  beforeAll(async () => {
    await requireRedis();
    writeFileSync(config, aConfigYaml({
      dataDir: join(dir, 'data'),
      redis: { url: REDIS_URL, prefix: uniquePrefix('check-order') },
      sources: { staff: csv, people: ldif },
      seats: { primary: 3 },
    }));
  });

  it('plans a first sync of both as the sync then applies it: the later source against the seats the earlier takes', async () => {
    // Four staff in the CSV (planned first) and two in the LDIF for three seats.
    writeFileSync(csv, csvOf(people(4)));
    writeFileSync(ldif, `version: 1\n\n${[ldifPerson('la', 1), ldifPerson('lb', 2)].join('\n')}`);
    const check = await json<CheckJson>('check');
    expect(check.sources.map((s) => [s.source, s.usersInScope])).toEqual([['staff', 4], ['people', 2]]);
    const dry = await json<SyncJson>('sync', '--dry-run');
    expect(await writeMarks(join(dir, 'data'))).toBe(' | 0 | 0/0 | ');
    const sync = await json<SyncJson>('sync');

    const expected = [
      { source: 'staff', ok: true, accounts: 4, active: 3, blocked: 1, pools: [{ pool: 'primary', held: 3, blocked: 1 }] },
      { source: 'people', ok: true, accounts: 2, active: 0, blocked: 2, pools: [{ pool: 'primary', held: 0, blocked: 2 }] },
    ];
    expect(await applied(sync)).toEqual(expected);
    expect(planned(check)).toEqual(expected);
    expect(dry.runs.map(({ source, activated, blocked }) => ({ source, activated, blocked }))).toEqual([
      { source: 'staff', activated: 3, blocked: 1 },
      { source: 'people', activated: 0, blocked: 2 },
    ]);
    expect(poolsAfter(check)).toEqual([[{ name: 'primary', seats: 3, used: 3, waiting: 1 }], poolsOf(sync)]);
    expect(poolsOf(dry)).toEqual(poolsOf(sync));
  }, 120_000);

  it('plans against the stored accounts as the sync then applies it: the seat the earlier source frees goes to whoever waits longest', async () => {
    // u001 leaves the CSV and a third person joins the LDIF: u004, waiting longest, takes u001's seat.
    writeFileSync(csv, csvOf(people(4).slice(1)));
    writeFileSync(ldif, `version: 1\n\n${[ldifPerson('la', 1), ldifPerson('lb', 2), ldifPerson('lc', 3)].join('\n')}`);
    const before = await writeMarks(join(dir, 'data'));
    const check = await json<CheckJson>('check');
    const dry = await json<SyncJson>('sync', '--dry-run');
    expect(await writeMarks(join(dir, 'data'))).toBe(before);
    const sync = await json<SyncJson>('sync');

    const expected = [
      { source: 'staff', ok: true, accounts: 3, active: 3, blocked: 0, pools: [{ pool: 'primary', held: 3, blocked: 0 }] },
      { source: 'people', ok: true, accounts: 3, active: 0, blocked: 3, pools: [{ pool: 'primary', held: 0, blocked: 3 }] },
    ];
    expect(await applied(sync)).toEqual(expected);
    expect(planned(check)).toEqual(expected);
    // After staff's plan, la and lb (stored) still wait; lc joins them with people's.
    expect(poolsAfter(check)).toEqual([[{ name: 'primary', seats: 3, used: 3, waiting: 2 }], poolsOf(sync)]);
    expect(poolsOf(dry)).toEqual(poolsOf(sync));
  }, 120_000);
});
