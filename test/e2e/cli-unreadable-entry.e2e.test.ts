// The `seatsync` command as a process, on a CSV export with the embedded database: a typo in one row
// costs nobody a seat (the reproduction of the bad-entry report: alice, bob, carol and `primary: 2`).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { aConfigYaml } from '../support/config-builder.ts';

const HEADER = 'id,username,enabled,createdAt';
const rows = (aliceEnabled: string) =>
  [HEADER, `1,alice,${aliceEnabled},2024-01-01`, '2,bob,true,2024-01-02', '3,carol,true,2024-01-03'].join('\n');

describe('seatsync sync on an export with a bad row', () => {
  it('keeps alice active and carol waiting while her row reads enabled=ture, reports the row, and changes nothing once fixed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seatsync-e2e-bad-row-'));
    const csv = join(dir, 'users.csv');
    const config = join(dir, 'seatsync.yaml');
    writeFileSync(config, aConfigYaml({ dataDir: join(dir, 'data'), sources: { hr: csv }, seats: { primary: 2 } }));
    const states = async (): Promise<Record<string, string>> => {
      const listed = await runCli(['accounts', '--json', '--config', config]);
      expect(listed.code).toBe(0);
      return Object.fromEntries((JSON.parse(listed.stdout) as { username: string; state: string }[]).map((a) => [a.username, a.state]));
    };
    writeFileSync(csv, rows('true'));
    expect((await runCli(['sync', '--config', config])).code).toBe(0);
    expect(await states()).toEqual({ alice: 'active', bob: 'active', carol: 'blocked' });

    writeFileSync(csv, rows('ture'));
    const bad = await runCli(['sync', '--json', '--config', config]);
    expect(bad.code).toBe(0);
    const run = (JSON.parse(bad.stdout) as { runs: Record<string, unknown>[] }).runs[0];
    expect(run).toMatchObject({
      status: 'ok', removed: 0, activated: 0, skipped: 1,
      skippedEntries: [{ entry: 'line 2', attribute: 'enabled', externalId: '1', reason: 'enabled must be true/false, yes/no or 1/0, got "ture"' }],
    });
    expect(await states()).toEqual({ alice: 'active', bob: 'active', carol: 'blocked' });
    const human = await runCli(['sync', '--config', config]);
    expect(human.stdout).toContain('hr: skipped line 2 (enabled): enabled must be true/false, yes/no or 1/0, got "ture"');

    writeFileSync(csv, rows('true'));
    const fixed = await runCli(['sync', '--json', '--config', config]);
    expect((JSON.parse(fixed.stdout) as { runs: Record<string, unknown>[] }).runs[0]).toMatchObject({ status: 'ok', skipped: 0, updated: 0, activated: 0, blocked: 0 });
    expect(await states()).toEqual({ alice: 'active', bob: 'active', carol: 'blocked' });
  }, 180_000);

  it('fails the read of a row whose stray quote runs on into the rows after it, naming the lines, and changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seatsync-e2e-stray-quote-'));
    const csv = join(dir, 'users.csv');
    const config = join(dir, 'seatsync.yaml');
    writeFileSync(config, aConfigYaml({ dataDir: join(dir, 'data'), sources: { hr: csv }, seats: { primary: 2 } }));
    writeFileSync(csv, rows('true'));
    expect((await runCli(['sync', '--config', config])).code).toBe(0);
    const accounts = async (): Promise<unknown> => JSON.parse((await runCli(['accounts', '--json', '--config', config])).stdout);
    const before = await accounts();

    // alice's username opens a quote that only bob's row closes: as many fields as the header, bob's row gone.
    writeFileSync(csv, [HEADER, '1,"alice,true,2024-01-01', '2,bob",true,2024-01-02', '3,carol,true,2024-01-03'].join('\n'));
    const swallowed = await runCli(['sync', '--json', '--config', config]);
    expect(swallowed.code).toBe(1);
    expect((JSON.parse(swallowed.stdout) as { runs: Record<string, unknown>[] }).runs[0]).toMatchObject({
      status: 'failed', removed: 0,
      error: { code: 'invalid-data', message: expect.stringMatching(/line 2: the quoted value of column "username" runs on to line 3/) },
    });
    // A quote closed further down, leaving the row with more fields than the header.
    writeFileSync(csv, [HEADER, '1,"alice,true,2024-01-01', '2,bob,true,2024-01-02', '3",carol,true,2024-01-03'].join('\n'));
    const shifted = await runCli(['sync', '--json', '--config', config]);
    expect(shifted.code).toBe(1);
    expect((JSON.parse(shifted.stdout) as { runs: Record<string, unknown>[] }).runs[0]).toMatchObject({
      status: 'failed', error: { message: expect.stringMatching(/line 2: the row runs on to line 4 inside a quoted value/) },
    });
    expect(await accounts()).toEqual(before);
  }, 180_000);
});
