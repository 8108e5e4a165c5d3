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

/** A config of `hr` (a CSV of alice, bob and carol) and `primary: 2`, synced once: alice and bob active, carol waiting. */
async function synced(name: string): Promise<{ csv: string; config: string }> {
  const dir = mkdtempSync(join(tmpdir(), `seatsync-e2e-${name}-`));
  const csv = join(dir, 'users.csv');
  const config = join(dir, 'seatsync.yaml');
  writeFileSync(config, aConfigYaml({ dataDir: join(dir, 'data'), sources: { hr: csv }, seats: { primary: 2 } }));
  writeFileSync(csv, rows('true'));
  expect((await runCli(['sync', '--config', config])).code).toBe(0);
  return { csv, config };
}

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

  it('explains a waiting account passed over while its row is unreadable, until the row reads well again', async () => {
    const { csv, config } = await synced('frozen-explain');
    const explained = async (who: string): Promise<string> => {
      const result = await runCli(['explain', who, '--config', config]);
      expect(result.code, result.stderr).toBe(0);
      return result.stdout;
    };
    const FROZEN = 'its directory entry could not be read at the last read of hr: its seat state is kept as it is until the entry is read again (the run report and the log name the attribute)';

    // alice leaves while carol's row reads enabled=ture: her seat stays free, carol keeps waiting.
    writeFileSync(csv, [HEADER, '2,bob,true,2024-01-02', '3,carol,ture,2024-01-03'].join('\n'));
    const sync = await runCli(['sync', '--json', '--config', config]);
    expect((JSON.parse(sync.stdout) as { runs: Record<string, unknown>[] }).runs[0]).toMatchObject({ status: 'ok', removed: 1, activated: 0, skipped: 1 });
    const carol = await explained('carol');
    expect(carol).toContain(`carol (id 3, source hr): blocked\nwhy: ${FROZEN}; waiting for a seat`);
    expect(await explained('bob')).not.toContain('could not be read');
    const json = JSON.parse((await runCli(['explain', 'carol', '--json', '--config', config])).stdout) as { explanation: { summary: string } };
    expect(json.explanation.summary).toMatch(new RegExp(`^${FROZEN.replace(/[()]/g, '\\$&')}; `));

    // Read well again: she takes the free seat, and nothing is said of her entry any more.
    writeFileSync(csv, [HEADER, '2,bob,true,2024-01-02', '3,carol,true,2024-01-03'].join('\n'));
    expect((await runCli(['sync', '--config', config])).code).toBe(0);
    expect(await explained('carol')).toMatch(/^carol \(id 3, source hr\): active\nwhy: active: holds a seat in primary\n/);
  }, 180_000);

  it('fails the read of a row whose stray quote runs on into the rows after it, naming the lines, and changes nothing', async () => {
    const { csv, config } = await synced('stray-quote');
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
