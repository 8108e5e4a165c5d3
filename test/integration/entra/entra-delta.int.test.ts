// Incremental reads through users/delta: only changes, deletions as @removed, 410 recovery, periodic full reads.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SourceCursor } from '../../../src/sources/directory-source.ts';
import { DAY_MS, drain, readOptions, seedUsers, startEntraFixture, type EntraFixture } from './entra-fixture.ts';

describe('entra source: incremental reads (users/delta)', () => {
  let fx: EntraFixture;
  let cursor: SourceCursor | null;
  const attributes = ['employeeType'];

  beforeAll(async () => {
    fx = await startEntraFixture();
    seedUsers(fx.emulator, 30);
    fx.emulator.setDeltaPageSize(4);
  });
  afterAll(async () => {
    await fx?.close();
  });
  beforeEach(async () => {
    // Every test starts from a fresh full read and its cursor.
    const full = await drain(fx.source().read(readOptions({ attributes })));
    expect(full.outcome.mode).toBe('full');
    cursor = full.outcome.cursor;
  });

  const graphCalls = (from: number): string[] => fx.emulator.graphRequests().slice(from).map((r) => r.path);

  it('reads only the changes since the stored delta link', async () => {
    const from = fx.emulator.graphRequests().length;
    fx.emulator.directory.updateUser('user1@corp.test', { displayName: 'User One Renamed' });
    fx.emulator.directory.disableUser('user2@corp.test');
    fx.emulator.directory.updateUser('user3@corp.test', { employeeType: 'Contractor' });
    fx.emulator.directory.updateUser('user4@corp.test', { jobTitle: 'not selected: not tracked' });
    const added = fx.emulator.directory.addUser({ userPrincipalName: 'new@corp.test', mail: 'new@corp.test' });

    const read = await drain(fx.source().read(readOptions({ cursor, attributes })));

    expect(read.outcome.mode).toBe('incremental');
    expect(read.users.map((user) => user.username).sort()).toEqual(['new@corp.test', 'user1@corp.test', 'user2@corp.test', 'user3@corp.test']);
    expect(read.users.find((user) => user.username === 'user1@corp.test')).toMatchObject({ displayName: 'User One Renamed', email: 'user1@corp.test', enabled: true });
    expect(read.users.find((user) => user.username === 'user2@corp.test')?.enabled).toBe(false);
    expect(read.users.find((user) => user.username === 'user3@corp.test')?.attributes).toMatchObject({ employeeType: ['Contractor'] });
    expect(read.users.find((user) => user.externalId === added)).toMatchObject({ email: 'new@corp.test', displayName: null });
    // One delta request (4 changes fit one page), nothing else from Graph: no listing of all users.
    expect(graphCalls(from)).toEqual(['/v1.0/users/delta']);
    expect(read.outcome.cursor?.deltaLink).not.toBe(cursor?.deltaLink);
    expect(read.outcome.cursor?.fullAt).toBe(cursor?.fullAt);

    const again = await drain(fx.source().read(readOptions({ cursor: read.outcome.cursor, attributes })));
    expect(again.outcome.mode).toBe('incremental');
    expect(again.items).toEqual([]);
  });

  it('follows nextLink within a delta round', async () => {
    const from = fx.emulator.graphRequests().length;
    for (let i = 10; i < 20; i += 1) fx.emulator.directory.updateUser(`user${i}@corp.test`, { displayName: `changed ${i}` });
    const read = await drain(fx.source().read(readOptions({ cursor, attributes })));
    expect(read.users).toHaveLength(10);
    expect(graphCalls(from)).toEqual(Array(3).fill('/v1.0/users/delta'));
  });

  it('reports deleted users (@removed, soft and permanent) as deletions', async () => {
    const soft = fx.emulator.directory.addUser({ userPrincipalName: 'soft@corp.test' });
    const hard = fx.emulator.directory.addUser({ userPrincipalName: 'hard@corp.test' });
    const base = await drain(fx.source().read(readOptions({ cursor, attributes })));
    fx.emulator.directory.deleteUser(soft);
    fx.emulator.directory.deleteUser(hard, { permanent: true });

    const read = await drain(fx.source().read(readOptions({ cursor: base.outcome.cursor, attributes })));

    expect(read.outcome.mode).toBe('incremental');
    expect(read.deleted.sort()).toEqual([soft, hard].sort());
    expect(read.users).toEqual([]);
  });

  it('falls back to a full read when Graph expired the delta token (410 syncStateNotFound)', async () => {
    fx.emulator.directory.updateUser('user5@corp.test', { displayName: 'before expiry' });
    fx.emulator.expireDeltaTokens();
    const from = fx.emulator.graphRequests().length;

    const read = await drain(fx.source().read(readOptions({ cursor, attributes })));

    expect(read.outcome.mode).toBe('full');
    expect(read.users).toHaveLength(fx.emulator.directory.userCount);
    const statuses = fx.emulator.graphRequests().slice(from).map((r) => `${r.path} ${r.status}`);
    expect(statuses[0]).toBe('/v1.0/users/delta 410');
    expect(statuses).toContain('/v1.0/users 200');
    // The new cursor works again.
    const next = await drain(fx.source().read(readOptions({ cursor: read.outcome.cursor, attributes })));
    expect(next.outcome.mode).toBe('incremental');
  });

  it('reads everything at least every fullEvery, and when asked to', async () => {
    const later = Date.parse(String(cursor?.fullAt)) + DAY_MS + 1;
    const periodic = await drain(fx.source({ fullEveryMs: DAY_MS }, { now: () => later }).read(readOptions({ cursor, attributes })));
    expect(periodic.outcome.mode).toBe('full');
    expect(periodic.outcome.cursor?.fullAt).toBe(new Date(later).toISOString());

    const forced = await drain(fx.source().read(readOptions({ cursor, attributes, forceFull: true })));
    expect(forced.outcome.mode).toBe('full');
    expect(forced.users).toHaveLength(fx.emulator.directory.userCount);
  });

  it('reads everything when the selected attributes changed since the cursor was taken', async () => {
    const read = await drain(fx.source().read(readOptions({ cursor, attributes: ['employeeType', 'department'] })));
    expect(read.outcome.mode).toBe('full');
  });

  it('turns a very large change set into a full read, keeping memory bounded', async () => {
    for (let i = 0; i < 12; i += 1) fx.emulator.directory.updateUser(`user${i}@corp.test`, { displayName: `bulk ${i}` });
    const read = await drain(fx.source({}, { maxBufferedChanges: 5 }).read(readOptions({ cursor, attributes })));
    expect(read.outcome.mode).toBe('full');
    expect(read.users).toHaveLength(fx.emulator.directory.userCount);
  });

  it('counts its requests in the outcome', async () => {
    fx.emulator.directory.updateUser('user6@corp.test', { displayName: 'counted' });
    const read = await drain(fx.source().read(readOptions({ cursor, attributes })));
    expect(read.outcome.stats).toMatchObject({ requests: 1, throttled: 0, changes: 1 });
  });
});
