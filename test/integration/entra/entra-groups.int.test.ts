// Group scope (`group:`) and profile groups (`memberOf:` object ids), transitively through nested groups.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/sources/directory-source.ts';
import { drain, readOptions, seedUsers, startEntraFixture, type EntraFixture } from './entra-fixture.ts';

describe('entra source: groups', () => {
  let fx: EntraFixture;
  let users: string[];
  let appUsers: string;
  let partners: string;
  let admins: string;

  beforeAll(async () => {
    fx = await startEntraFixture();
    users = seedUsers(fx.emulator, 12);
    const dir = fx.emulator.directory;
    // App Users ⊃ {user0, user1, Partners ⊃ {user2, user3, Nested Partners ⊃ {user4}}}; Admins ⊃ {user1, user9};
    // Nested Partners also contains Partners again: a cycle the walk must survive.
    const nested = dir.addGroup({ displayName: 'Nested Partners', members: [users[4]!] });
    partners = dir.addGroup({ displayName: 'Partners', members: [users[2]!, users[3]!, nested] });
    appUsers = dir.addGroup({ displayName: 'App Users', members: [users[0]!, users[1]!, partners] });
    dir.addMember(nested, partners);
    admins = dir.addGroup({ displayName: 'IT Admins', members: [users[1]!, users[9]!] });
  });
  afterAll(async () => {
    await fx?.close();
  });

  const usernames = (list: readonly { username: string }[]): string[] => list.map((user) => user.username).sort();

  it('reads only the transitive members of the scope group, with their groups of interest', async () => {
    const from = fx.emulator.graphRequests().length;
    const read = await drain(fx.source({ group: appUsers }).read(readOptions({ groupsOfInterest: [partners, admins.toUpperCase(), 'cn=partners,ou=groups,dc=corp,dc=test'] })));

    expect(read.outcome.mode).toBe('full');
    expect(usernames(read.users)).toEqual(['user0@corp.test', 'user1@corp.test', 'user2@corp.test', 'user3@corp.test', 'user4@corp.test']);
    const groupsOf = (name: string): string[] => [...(read.users.find((user) => user.username === name)?.groups ?? [])].sort();
    expect(groupsOf('user0@corp.test')).toEqual([]);
    expect(groupsOf('user1@corp.test')).toEqual([admins]);
    expect(groupsOf('user4@corp.test')).toEqual([partners]);
    // One paged listing per group (scope with user properties, interest groups with ids only); no per-user calls.
    const calls = fx.emulator.graphRequests().slice(from).map((r) => r.path);
    expect(calls.filter((path) => path.includes('/groups/')).sort()).toEqual([
      `/v1.0/groups/${admins}/transitiveMembers/microsoft.graph.user`,
      `/v1.0/groups/${appUsers}/transitiveMembers/microsoft.graph.user`,
      `/v1.0/groups/${partners}/transitiveMembers/microsoft.graph.user`,
    ].sort());
    expect(calls.some((path) => /^\/v1\.0\/users\/[^/]+$/.test(path) && !path.endsWith('/delta'))).toBe(false);
    expect(read.outcome.cursor?.groups).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps users out of scope out of incremental reads, and rereads everything when membership changes', async () => {
    const source = fx.source({ group: appUsers });
    const options = { groupsOfInterest: [partners] };
    const full = await drain(source.read(readOptions(options)));

    fx.emulator.directory.updateUser('user0@corp.test', { displayName: 'in scope, changed' });
    fx.emulator.directory.updateUser('user10@corp.test', { displayName: 'out of scope, changed' });
    const delta = await drain(source.read(readOptions({ ...options, cursor: full.outcome.cursor })));
    expect(delta.outcome.mode).toBe('incremental');
    expect(usernames(delta.users)).toEqual(['user0@corp.test']);

    // Joining a nested group changes no user object, so users/delta cannot see it: the digest does.
    fx.emulator.directory.addMember(partners, 'user11@corp.test');
    const after = await drain(source.read(readOptions({ ...options, cursor: delta.outcome.cursor })));
    expect(after.outcome.mode).toBe('full');
    expect(after.users.find((user) => user.username === 'user11@corp.test')?.groups).toEqual([partners]);

    fx.emulator.directory.removeMember(partners, 'user11@corp.test');
    const removed = await drain(source.read(readOptions({ ...options, cursor: after.outcome.cursor })));
    expect(removed.outcome.mode).toBe('full');
    expect(usernames(removed.users)).not.toContain('user11@corp.test');
  });

  it('fails with not-found naming a scope group that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000001';
    const error = await drain(fx.source({ group: missing }).read(readOptions())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'not-found' });
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toMatch(/scope group/);
  });

  it('fails with not-found naming a profile group that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000002';
    const error = await drain(fx.source().read(readOptions({ groupsOfInterest: [missing] }))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'not-found' });
    expect((error as Error).message).toContain(missing);
  });

  it('fails with a permission error naming GroupMember.Read.All when the app may not read memberships', async () => {
    fx.app.roles.delete('GroupMember.Read.All');
    try {
      const error = await drain(fx.source({ group: appUsers }).read(readOptions())).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'permission' });
      expect((error as Error).message).toContain('GroupMember.Read.All');
    } finally {
      fx.app.roles.add('GroupMember.Read.All');
    }
  });
});
