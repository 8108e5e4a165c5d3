// Targets on the embedded database (PGlite), as the demo and small installs run: `seatsync sync`
// provisions the SCIM application and `targets reconcile` repairs it, with the same SQL as on PostgreSQL.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import { aConfigYaml, aCsvFile, people } from '../../support/config-builder.ts';
import { TestScimServer } from '../../support/scim/scim-server.ts';
import { createTestCa } from '../../support/test-ca.ts';
import { appUsers, scimTargetYaml } from './target-fixture.ts';

describe('targets on PGlite', () => {
  let scim: TestScimServer;
  let configPath: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seatsync-targets-pglite-'));
    const ca = await createTestCa(join(dir, 'ca'));
    scim = await TestScimServer.start(ca);
    const csv = aCsvFile(people(3));
    configPath = join(dir, 'seatsync.yaml');
    writeFileSync(
      configPath,
      aConfigYaml({ dataDir: join(dir, 'data'), sources: { hr: csv.path }, seats: { primary: 2 }, extra: `targets:\n${scimTargetYaml(scim, ca, { groups: 'true' })}` }),
    );
  });

  afterAll(async () => {
    await scim?.close();
  });

  it('provisions, then repairs drift', async () => {
    const sync = await runCli(['sync', '--config', configPath]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(appUsers(scim)).toEqual({ u001: true, u002: true, u003: false });
    expect(scim.store.membersOf('primary')).toEqual(['u001', 'u002']);
    (scim.store.byExternalId('u003') as { active: boolean }).active = true;
    const repair = await runCli(['targets', 'reconcile', '--json', '--config', configPath]);
    expect(repair.code, repair.stderr).toBe(0);
    expect(JSON.parse(repair.stdout).targets[0]).toMatchObject({ found: { shouldBeInactive: 1 }, queued: 1 });
    expect(appUsers(scim)).toEqual({ u001: true, u002: true, u003: false });
    const status = await runCli(['status', '--json', '--config', configPath]);
    expect(JSON.parse(status.stdout).targets).toEqual([expect.objectContaining({ name: 'app', pending: 0, failed: 0 })]);
    // Three processes that each open the embedded database: seconds apiece on a busy machine.
  }, 240_000);
});
