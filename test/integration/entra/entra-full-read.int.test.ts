// Full reads against the Graph emulator through @azure/identity and @microsoft/microsoft-graph-client.
import { HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LIBRARY_ENV } from '../../../src/sources/library-choice.ts';
import { NodeHttpHandler } from '../../../src/sources/entra/node-http-handler.ts';
import { DEFAULT_LOOKAHEAD } from '../../../src/sources/entra/page-stream.ts';
import { drain, readOptions, seedUsers, startEntraFixture, type EntraFixture } from './entra-fixture.ts';

describe('entra source: full read', () => {
  let fx: EntraFixture;
  beforeAll(async () => {
    fx = await startEntraFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('reads every user and maps the Graph properties', async () => {
    const before = fx.emulator.requests.length;
    const ids = seedUsers(fx.emulator, 5, 'first');
    const alice = fx.emulator.directory.addUser({
      userPrincipalName: 'alice@corp.test', mail: null, displayName: 'Alice Doe', givenName: 'Alice', surname: 'Doe',
      accountEnabled: false, createdDateTime: '2021-03-04T05:06:07Z', employeeType: 'Contractor', department: 'Legal',
      onPremisesExtensionAttributes: { extensionAttribute3: 'seat-extranet' },
      onPremisesDistinguishedName: 'CN=Alice Doe,OU=Staff,DC=corp,DC=test',
    });
    const read = await drain(fx.source().read(readOptions({ attributes: ['employeeType', 'extensionAttribute3', 'Department', 'uidNumber'] })));

    expect(read.outcome.mode).toBe('full');
    expect(read.outcome.cursor).toMatchObject({ kind: 'entra-delta', groups: null });
    expect(String(read.outcome.cursor?.deltaLink)).toMatch(/\/v1\.0\/users\/delta\?\$deltatoken=/);
    expect(read.users.map((user) => user.externalId).sort()).toEqual([...ids, alice].sort());
    const mapped = read.users.find((user) => user.externalId === alice);
    expect(mapped).toEqual({
      externalId: alice,
      username: 'alice@corp.test',
      email: null,
      displayName: 'Alice Doe',
      dn: 'CN=Alice Doe,OU=Staff,DC=corp,DC=test',
      enabled: false,
      createdAt: new Date('2021-03-04T05:06:07Z'),
      groups: [],
      attributes: { givenName: ['Alice'], surname: ['Doe'], employeeType: ['Contractor'], extensionAttribute3: ['seat-extranet'], Department: ['Legal'] },
    });
    const first = read.users.find((user) => user.username === 'first0@corp.test');
    expect(first).toMatchObject({ email: 'first0@corp.test', enabled: true, attributes: {} });

    // A token from the login host (OpenID metadata + token), then Graph; never MSAL's public instance discovery.
    const auth = fx.emulator.requests.slice(before).filter((r) => r.area === 'auth').map((r) => `${r.method} ${r.path.replace(fx.emulator.tenantId, 'T')}`);
    expect(auth).toEqual(['GET /T/v2.0/.well-known/openid-configuration', 'POST /T/oauth2/v2.0/token']);
    const list = fx.emulator.graphRequests(/^\/v1\.0\/users$/).at(-1)!;
    expect(list.query.get('$top')).toBe('999');
    expect(list.query.get('$select')?.split(',')).toEqual(expect.arrayContaining(['id', 'userPrincipalName', 'accountEnabled', 'employeeType', 'onPremisesExtensionAttributes', 'department']));
  });

  it('pages with $top and @odata.nextLink, one page at a time', async () => {
    const start = fx.emulator.graphRequests(/^\/v1\.0\/users$/).length;
    const total = fx.emulator.directory.userCount;
    const read = await drain(fx.source({ pageSize: 2 }).read(readOptions()));
    expect(read.users).toHaveLength(total);
    expect(read.pages).toBe(Math.ceil(total / 2));
    expect(fx.emulator.graphRequests(/^\/v1\.0\/users$/).length - start).toBe(Math.ceil(total / 2));
    expect(fx.emulator.graphRequests(/^\/v1\.0\/users$/).slice(start + 1).every((r) => r.query.has('$skiptoken'))).toBe(true);
  });

  it('asks for the next page while the caller still holds the current one', async () => {
    const isList = (r: { path: string }): boolean => r.path === '/v1.0/users';
    const start = fx.emulator.requests.filter(isList).length;
    const reader = fx.source({ pageSize: 3 }).read(readOptions());
    const first = await reader.next();
    expect(first.done).toBe(false);
    // The caller has not asked for page 2, yet Graph is already asked for it.
    await fx.emulator.waitForRequests(isList, start + 2, 5000);
    await reader.return({ mode: 'full', cursor: null });
  });

  it('asks for the next page as soon as the link at the start of a body has arrived, before the rest of it', async () => {
    seedUsers(fx.emulator, 30, 'early');
    const start = fx.emulator.graphRequests(/^\/v1\.0\/users$/).length;
    // Long enough that a busy machine (the suite's other files run beside this one) cannot delay the
    // next request past it unless the read waits for the whole body.
    fx.emulator.faults.set({ bodyPauseMs: 1_000 });
    try {
      const read = await drain(fx.source({ pageSize: 10 }).read(readOptions()));
      const total = fx.emulator.directory.userCount;
      expect(read.users).toHaveLength(total);
      expect(new Set(read.users.map((u) => u.externalId)).size).toBe(total);
      const lists = fx.emulator.graphRequests(/^\/v1\.0\/users$/).slice(start);
      expect(lists).toHaveLength(Math.ceil(total / 10));
      // Each body pauses 1 s after its first kilobyte; the request for the next page came within it. Only
      // while fewer than DEFAULT_LOOKAHEAD pages are requested and not yet taken by the caller: past that,
      // the next request waits for the caller (who gets page 1 only when its body has ended) by design.
      expect(lists.length).toBeGreaterThan(DEFAULT_LOOKAHEAD);
      for (const [i, list] of lists.slice(0, DEFAULT_LOOKAHEAD - 1).entries()) {
        const next = lists[i + 1]!;
        expect(next.query.get('$skiptoken')).not.toBeNull();
        expect(next.receivedMs, `request ${i + 2}`).toBeLessThan(list.completedMs ?? Number.POSITIVE_INFINITY);
      }
    } finally {
      fx.emulator.faults.set({ bodyPauseMs: 0 });
    }
  });

  it(`reads the same users through the Graph client's fetch and whole pages when ${LIBRARY_ENV}=graph-transport,graph-early-link`, async () => {
    seedUsers(fx.emulator, 25, 'library');
    const total = fx.emulator.directory.userCount;
    const ours = vi.spyOn(NodeHttpHandler.prototype, 'execute');
    const library = vi.spyOn(HTTPMessageHandler.prototype, 'execute');
    fx.emulator.faults.set({ bodyPauseMs: 100 });
    try {
      const replaced = await drain(fx.source({ pageSize: 10 }).read(readOptions()));
      expect(ours).toHaveBeenCalled();
      expect(library).not.toHaveBeenCalled();
      ours.mockClear();
      process.env[LIBRARY_ENV] = 'graph-transport,graph-early-link';
      const start = fx.emulator.graphRequests(/^\/v1\.0\/users$/).length;
      const read = await drain(fx.source({ pageSize: 10 }).read(readOptions()));
      expect(ours).not.toHaveBeenCalled();
      expect(library).toHaveBeenCalled();
      expect(read.users).toHaveLength(total);
      expect(read.users).toEqual(replaced.users);
      // Whole pages: each next request leaves only once the previous body is complete.
      const lists = fx.emulator.graphRequests(/^\/v1\.0\/users$/).slice(start);
      expect(lists).toHaveLength(Math.ceil(total / 10));
      for (const [i, list] of lists.slice(0, -1).entries()) expect(lists[i + 1]!.receivedMs).toBeGreaterThanOrEqual(list.completedMs ?? Number.POSITIVE_INFINITY);
    } finally {
      delete process.env[LIBRARY_ENV];
      fx.emulator.faults.set({ bodyPauseMs: 0 });
      ours.mockRestore();
      library.mockRestore();
    }
  });

  it('reads pages that arrive gzip-compressed, still asking for the next one from the first bytes', async () => {
    seedUsers(fx.emulator, 30, 'gzip');
    const start = fx.emulator.graphRequests(/^\/v1\.0\/users$/).length;
    fx.emulator.faults.set({ gzip: true, bodyPauseMs: 300 });
    try {
      const read = await drain(fx.source({ pageSize: 40 }).read(readOptions()));
      const total = fx.emulator.directory.userCount;
      expect(new Set(read.users.map((u) => u.externalId)).size).toBe(total);
      const lists = fx.emulator.graphRequests(/^\/v1\.0\/users$/).slice(start);
      expect(lists).toHaveLength(Math.ceil(total / 40));
      for (const [i, list] of lists.slice(0, -1).entries()) {
        expect(lists[i + 1]!.receivedMs, `request ${i + 2}`).toBeLessThan(list.completedMs ?? Number.POSITIVE_INFINITY);
      }
    } finally {
      fx.emulator.faults.set({ gzip: false, bodyPauseMs: 0 });
    }
  });

  it('fails when a page is cut short after its link, although the next page was already asked for', async () => {
    seedUsers(fx.emulator, 30, 'cut');
    const start = fx.emulator.graphRequests(/^\/v1\.0\/users$/).length;
    fx.emulator.faults.inject('pass', 'cut'); // users/delta ($deltatoken=latest), then the first page of /users
    const reader = fx.source({ pageSize: 10 }).read(readOptions());
    const error = await reader.next().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SourceError', source: 'entra', code: 'connect' });
    expect((error as Error).message).toMatch(/^entra: listing users: .*the connection was lost while receiving the page/);
    const lists = fx.emulator.graphRequests(/^\/v1\.0\/users$/).slice(start);
    expect(lists[0]?.status).toBe(200);
    expect(lists[0]?.completedMs).toBeNull(); // never sent whole
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(lists[1]?.query.get('$skiptoken')).not.toBeNull();
  });

  it('skips users without a userPrincipalName and reports them', async () => {
    const bad = fx.emulator.directory.addUser({ userPrincipalName: '' });
    const read = await drain(fx.source().read(readOptions()));
    // The id is readable, so the skip carries it: the sweep keeps that account as it was.
    expect(read.items).toContainEqual({
      kind: 'skipped',
      entry: bad,
      externalId: bad,
      attribute: 'userPrincipalName',
      reason: 'missing userPrincipalName',
    });
    fx.emulator.directory.deleteUser(bad, { permanent: true });
  });
});
