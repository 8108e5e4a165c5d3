// The `seatsync` command as a process, on CSV exports with the embedded database: an account whose entry
// its source's last run found unreadable stays as it was until that source reads it again, whatever
// re-allocates in between: another source's run (a pool made smaller is applied by a sync of every
// source, in config order) or an admin's action on another account.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { aConfigYaml } from '../support/config-builder.ts';

const HEADER = 'id,username,enabled,createdAt';

/** A config of two CSV sources, hr then crm, sharing `primary`, in a fresh folder. */
function twoSources(): { write(seats: number): void; hr: string; crm: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-e2e-unreadable-'));
  const paths = { hr: join(dir, 'hr.csv'), crm: join(dir, 'crm.csv'), config: join(dir, 'seatsync.yaml') };
  const write = (seats: number): void =>
    writeFileSync(paths.config, aConfigYaml({ dataDir: join(dir, 'data'), sources: { hr: paths.hr, crm: paths.crm }, seats: { primary: seats } }));
  return { ...paths, write };
}

async function states(config: string): Promise<Record<string, string>> {
  const listed = await runCli(['accounts', '--json', '--config', config]);
  expect(listed.code).toBe(0);
  return Object.fromEntries((JSON.parse(listed.stdout) as { username: string; state: string }[]).map((a) => [a.username, a.state]));
}

async function syncJson(config: string, ...args: string[]): Promise<Record<string, unknown>[]> {
  const result = await runCli(['sync', '--json', '--config', config, ...args]);
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { runs: Record<string, unknown>[] }).runs;
}

describe('an account whose entry is unreadable, between its source\'s runs', () => {
  it('keeps its seat when the pool shrinks and the source before it in the config is synced first', async () => {
    const files = twoSources();
    files.write(3);
    writeFileSync(files.hr, [HEADER, '1,alice,true,2024-01-01', '2,bob,true,2024-01-02'].join('\n'));
    writeFileSync(files.crm, [HEADER, 'c1,cathy,true,2024-01-03'].join('\n'));
    await syncJson(files.config);
    expect(await states(files.config)).toEqual({ alice: 'active', bob: 'active', cathy: 'active' });

    writeFileSync(files.crm, [HEADER, 'c1,cathy,ture,2024-01-03'].join('\n'));
    expect((await syncJson(files.config, '--source', 'crm'))[0]).toMatchObject({ status: 'ok', skipped: 1 });
    files.write(1);
    const [hr, crm] = await syncJson(files.config);
    expect(hr).toMatchObject({ source: 'hr', status: 'ok', blocked: 2 });
    expect(crm).toMatchObject({ source: 'crm', status: 'ok', skipped: 1, blocked: 0 });
    // cathy's seat is overage while her entry cannot be read; hr's readable holders step back.
    expect(await states(files.config)).toEqual({ alice: 'blocked', bob: 'blocked', cathy: 'active' });

    // Readable again: she keeps it as any holder would, and the pool is back within its seat.
    writeFileSync(files.crm, [HEADER, 'c1,cathy,true,2024-01-03'].join('\n'));
    await syncJson(files.config);
    expect(await states(files.config)).toEqual({ alice: 'blocked', bob: 'blocked', cathy: 'active' });
  }, 180_000);

  it('keeps its seat, or its place in the queue, through an admin\'s action on another account', async () => {
    const files = twoSources();
    files.write(2);
    writeFileSync(files.hr, [HEADER, '1,alice,true,2024-01-01', '2,bob,true,2024-01-02', '3,carol,true,2024-01-03', '4,dave,true,2024-01-04'].join('\n'));
    writeFileSync(files.crm, '');
    await syncJson(files.config, '--source', 'hr');
    expect(await states(files.config)).toEqual({ alice: 'active', bob: 'active', carol: 'blocked', dave: 'blocked' });

    // bob (holding a seat) and carol (first in the queue) unreadable; the pool shrinks to no seat.
    writeFileSync(files.hr, [HEADER, '1,alice,true,2024-01-01', '2,bob,ture,2024-01-02', '3,carol,ture,2024-01-03', '4,dave,true,2024-01-04'].join('\n'));
    files.write(0);
    expect((await syncJson(files.config, '--source', 'hr'))[0]).toMatchObject({ status: 'ok', skipped: 2 });
    expect(await states(files.config)).toEqual({ alice: 'blocked', bob: 'active', carol: 'blocked', dave: 'blocked' });

    // An admin suspends dave: bob keeps his seat (the pool is over its seats only through him).
    expect((await runCli(['accounts', 'block', 'dave', '--config', files.config])).code).toBe(0);
    expect(await states(files.config)).toEqual({ alice: 'blocked', bob: 'active', carol: 'blocked', dave: 'suspended' });

    // More seats, then an admin's action: the free seat goes to alice, not to carol, who cannot be read.
    files.write(3);
    expect((await runCli(['accounts', 'unblock', 'dave', '--config', files.config])).code).toBe(0);
    expect(await states(files.config)).toEqual({ alice: 'active', bob: 'active', carol: 'blocked', dave: 'active' });

    // Readable again: carol takes her place at the head of the queue.
    writeFileSync(files.hr, [HEADER, '1,alice,true,2024-01-01', '2,bob,true,2024-01-02', '3,carol,true,2024-01-03', '4,dave,true,2024-01-04'].join('\n'));
    await runCli(['accounts', 'block', 'dave', '--config', files.config]);
    expect(await states(files.config)).toEqual({ alice: 'active', bob: 'active', carol: 'blocked', dave: 'suspended' });
    await syncJson(files.config, '--source', 'hr');
    expect(await states(files.config)).toEqual({ alice: 'active', bob: 'active', carol: 'active', dave: 'suspended' });
  }, 180_000);

  it('is still the admin\'s to block and unblock: the action on the account itself applies', async () => {
    const files = twoSources();
    files.write(2);
    writeFileSync(files.crm, '');
    writeFileSync(files.hr, [HEADER, '1,alice,true,2024-01-01', '2,bob,true,2024-01-02'].join('\n'));
    await syncJson(files.config, '--source', 'hr');
    writeFileSync(files.hr, [HEADER, '1,alice,true,2024-01-01', '2,bob,ture,2024-01-02'].join('\n'));
    expect((await syncJson(files.config, '--source', 'hr'))[0]).toMatchObject({ status: 'ok', skipped: 1 });
    expect((await runCli(['accounts', 'block', 'bob', '--config', files.config])).code).toBe(0);
    expect(await states(files.config)).toEqual({ alice: 'active', bob: 'suspended' });
    expect((await runCli(['accounts', 'unblock', 'bob', '--config', files.config])).code).toBe(0);
    expect(await states(files.config)).toEqual({ alice: 'active', bob: 'active' });
  }, 180_000);
});
