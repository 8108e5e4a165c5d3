// `seatsync sync` and `seatsync targets reconcile` as processes, against a scimmy-based application whose
// data was changed behind seatsync's back; `seatsync status` shows the target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import { people } from '../../support/config-builder.ts';
import { appUsers, startTargetFixture, type TargetFixture } from './target-fixture.ts';

describe('targets reconcile', () => {
  let f: TargetFixture;
  beforeAll(async () => {
    f = await startTargetFixture({ people: people(4), seats: 3, targetExtra: { groups: 'true' } });
  });
  afterAll(async () => {
    await f?.close();
  });

  const cli = (...args: string[]) => runCli([...args, '--config', f.configPath]);

  it('seatsync sync provisions the application before it exits', async () => {
    const sync = await cli('sync', '--json');
    expect(sync.code, sync.stderr).toBe(0);
    expect(appUsers(f.scim)).toEqual({ u001: true, u002: true, u003: true, u004: false });
    expect(f.scim.store.membersOf('primary')).toEqual(['u001', 'u002', 'u003']);
  });

  it('finds the drift without changing anything on a dry run, then repairs it', async () => {
    const store = f.scim.store;
    // Behind seatsync's back: a blocked user activated, an active one deleted, a name edited, a user
    // seatsync never had (with an externalId) and a local admin (without one) added, a member removed.
    (store.byExternalId('u004') as { active: boolean }).active = true;
    store.deleteUser(String(store.byExternalId('u001')?.id));
    (store.byExternalId('u002') as { displayName?: string }).displayName = 'Someone Else';
    store.writeUser(undefined, { userName: 'ghost', externalId: 'ghost-1', active: true });
    store.writeUser(undefined, { userName: 'local-admin', active: true });
    const group = [...store.groups.values()].find((g) => g.displayName === 'primary');
    if (group) group.members = group.members.filter((m) => m !== store.byExternalId('u003')?.id);
    const before = JSON.stringify([...store.users.values()]);

    const dry = await cli('targets', 'reconcile', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    const report = JSON.parse(dry.stdout) as { targets: { target: string; found: Record<string, number>; queued: number; applicationUsers: number }[] };
    expect(report.targets).toHaveLength(1);
    expect(report.targets[0]).toMatchObject({
      target: 'app', queued: 0, applicationUsers: 4,
      found: { missing: 1, shouldBeActive: 0, shouldBeInactive: 2, shouldBeDeleted: 0, attributes: 1, groups: 1 },
    });
    expect(JSON.stringify([...store.users.values()])).toBe(before);

    const repair = await cli('targets', 'reconcile', '--target', 'app');
    expect(repair.code, repair.stderr).toBe(0);
    expect(repair.stdout).toContain('repaired: 5 delivered');
    expect(appUsers(f.scim)).toEqual({ ghost: false, 'local-admin': true, u001: true, u002: true, u003: true, u004: false });
    expect(store.byExternalId('u002')?.displayName).toBe('Person u002');
    expect(f.scim.store.membersOf('primary')).toEqual(['u001', 'u002', 'u003']);

    const again = await cli('targets', 'reconcile', '--json');
    expect(JSON.parse(again.stdout).targets[0].found).toEqual({ missing: 0, shouldBeActive: 0, shouldBeInactive: 0, shouldBeDeleted: 0, attributes: 0, groups: 0 });
  });

  it('status shows the target: nothing pending, its last delivery and reconcile', async () => {
    const status = await cli('status', '--json');
    expect(status.code, status.stderr).toBe(0);
    const { targets } = JSON.parse(status.stdout) as { targets: Record<string, unknown>[] };
    expect(targets).toEqual([
      expect.objectContaining({ name: 'app', kind: 'scim', pending: 0, failed: 0, lastError: null, drift: expect.objectContaining({ missing: 0 }) }),
    ]);
    expect(Date.parse(String(targets[0]?.lastDeliveryAt))).not.toBeNaN();
    expect(Date.parse(String(targets[0]?.lastReconcileAt))).not.toBeNaN();
  });

  it('an admin action reaches the application before the command exits: the freed seat goes to the next user', async () => {
    const block = await cli('accounts', 'block', 'u002');
    expect(block.code, block.stderr).toBe(0);
    expect(appUsers(f.scim)).toEqual({ ghost: false, 'local-admin': true, u001: true, u002: false, u003: true, u004: true });
    expect(f.scim.store.membersOf('primary')).toEqual(['u001', 'u003', 'u004']);
  });

  it('a name that is no SCIM target is bad usage', async () => {
    const result = await cli('targets', 'reconcile', '--target', 'nope');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--target "nope": no SCIM target of that name (SCIM targets: app)');
  });
});
