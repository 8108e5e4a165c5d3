// `check()`: authenticate, count users in scope, two mapped samples, group sizes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedUsers, startEntraFixture, type EntraFixture } from './entra-fixture.ts';

describe('entra source: check', () => {
  let fx: EntraFixture;
  let scope: string;
  let partners: string;

  beforeAll(async () => {
    fx = await startEntraFixture();
    const users = seedUsers(fx.emulator, 7);
    fx.emulator.directory.updateUser(users[0]!, { employeeType: 'Employee' });
    partners = fx.emulator.directory.addGroup({ displayName: 'Partners', members: [users[0]!, users[1]!] });
    scope = fx.emulator.directory.addGroup({ displayName: 'App Users', members: [partners, users[2]!] });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('reports the tenant, two mapped users and the group sizes', async () => {
    const { report } = await fx.source().check({ groupsOfInterest: [partners, 'CN=Old,DC=corp'], attributes: ['employeeType', 'uidNumber'] });
    expect(report.ok).toBe(true);
    expect(report.usersInScope).toBe(7);
    expect(report.sample).toHaveLength(2);
    expect(report.sample[0]).toMatchObject({ username: 'user0@corp.test', groups: [partners], attributes: { employeeType: ['Employee'] } });
    expect(report.groupSizes).toEqual({ [partners]: 2 });
    const step = (name: string) => report.steps.find((s) => s.name === name);
    expect(step('authenticate')?.detail).toContain(fx.app.clientId);
    expect(step('attributes')?.detail).toContain('uidNumber');
    expect(step('groups')?.detail).toContain('CN=Old,DC=corp');
    // $count is an advanced query: it needs ConsistencyLevel: eventual, which the emulator enforces.
    expect(fx.emulator.graphRequests(/\/users\/\$count$/).at(-1)?.status).toBe(200);
  });

  it('counts the scope group transitively', async () => {
    const { report } = await fx.source({ group: scope }).check({ groupsOfInterest: [], attributes: [] });
    expect(report.ok).toBe(true);
    expect(report.usersInScope).toBe(3);
    expect(report.steps.find((s) => s.name === 'users in scope')?.detail).toContain('"App Users"');
    expect(report.groupSizes).toEqual({ [scope]: 3 });
  });

  it('reports a failed sign-in as a failed step instead of throwing', async () => {
    const { report } = await fx.source({ credential: { kind: 'secret', clientSecret: 'wrong' } }).check({ groupsOfInterest: [], attributes: [] });
    expect(report.ok).toBe(false);
    expect(report.usersInScope).toBeNull();
    expect(report.steps).toEqual([{ name: 'authenticate', ok: false, detail: expect.stringContaining('AADSTS7000215') }]);
  });

  it('reports an unknown scope group', async () => {
    const { report } = await fx.source({ group: '00000000-0000-4000-8000-0000000000aa' }).check({ groupsOfInterest: [], attributes: [] });
    expect(report.ok).toBe(false);
    expect(report.steps.find((s) => s.name === 'users in scope')).toMatchObject({ ok: false, detail: expect.stringContaining('was not found') });
  });
});
