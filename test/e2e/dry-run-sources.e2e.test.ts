// `seatsync sync --dry-run` over several sources predicts the sync that follows it: each source planned
// after the ones before it (a CSV and an LDIF file source sharing a pool too small for both), and the
// pools as all of them would leave them, with nothing written.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { aConfigYaml, csvOf, people } from '../support/config-builder.ts';
import { writeMarks } from '../support/stored-state.ts';

interface Run { source: string; status: string; seen: number; created: number; updated: number; activated: number; blocked: number; disabled: number; removed: number }
interface SyncJson { runs: Run[]; pools: { name: string; seats: number; used: number; available: number; waiting: number }[] }

const ldifPerson = (uid: string, n: number): string =>
  [`dn: uid=${uid},ou=People,dc=example,dc=test`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `entryUUID: 0b5d3f4e-2222-4000-8000-00000000000${n}`, ''].join('\n');

describe('sync --dry-run over several sources', () => {
  it('plans each source after the ones before it and reports the pools the sync then leaves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seatsync-dry-sources-'));
    const config = join(dir, 'seatsync.yaml');
    // Four staff in the CSV (read first) and two in the LDIF for three seats: the CSV's first three hold
    // them, everyone else waits.
    writeFileSync(join(dir, 'staff.csv'), csvOf(people(4)));
    writeFileSync(join(dir, 'people.ldif'), `version: 1\n\n${[ldifPerson('la', 1), ldifPerson('lb', 2)].join('\n')}`);
    writeFileSync(config, aConfigYaml({ dataDir: join(dir, 'data'), sources: { staff: join(dir, 'staff.csv'), people: join(dir, 'people.ldif') }, seats: { primary: 3 } }));
    const sync = async (...args: string[]): Promise<SyncJson> => {
      const result = await runCli(['sync', ...args, '--json', '--config', config]);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as SyncJson;
    };
    const counts = ({ source, status, seen, created, updated, activated, blocked, disabled, removed }: Run) => ({ source, status, seen, created, updated, activated, blocked, disabled, removed });

    const dry = await sync('--dry-run');
    // The database the dry run created holds no account, audit row, run or cursor.
    expect(await writeMarks(join(dir, 'data'))).toBe(' | 0 | 0/0 | ');
    const real = await sync();

    expect(real.runs.map(counts)).toEqual([
      { source: 'staff', status: 'ok', seen: 4, created: 4, updated: 0, activated: 3, blocked: 1, disabled: 0, removed: 0 },
      { source: 'people', status: 'ok', seen: 2, created: 2, updated: 0, activated: 0, blocked: 2, disabled: 0, removed: 0 },
    ]);
    expect(real.pools).toEqual([{ name: 'primary', seats: 3, used: 3, available: 0, waiting: 3 }]);
    expect(dry.runs.map(counts)).toEqual(real.runs.map(counts));
    expect(dry.pools).toEqual(real.pools);

    // New users in both sources: the dry run plans the later source's new accounts with ids past the
    // earlier one's (its inserts are rolled back, but must not collide on the way), and writes nothing.
    writeFileSync(join(dir, 'staff.csv'), csvOf(people(6)));
    writeFileSync(join(dir, 'people.ldif'), `version: 1\n\n${[ldifPerson('la', 1), ldifPerson('lb', 2), ldifPerson('lc', 3)].join('\n')}`);
    const before = await writeMarks(join(dir, 'data'));
    const dryNext = await sync('--dry-run');
    expect(await writeMarks(join(dir, 'data'))).toBe(before);
    const next = await sync();
    expect(next.runs.map((r) => [r.source, r.status, r.created])).toEqual([['staff', 'ok', 2], ['people', 'ok', 1]]);
    expect(dryNext.runs.map(counts)).toEqual(next.runs.map(counts));
    expect(dryNext.pools).toEqual(next.pools);
  });
});
