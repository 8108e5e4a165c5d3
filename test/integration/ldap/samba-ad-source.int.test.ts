// The LDAP source against a real Active Directory: a Samba AD DC provisioned on a private loopback
// address, read over LDAPS with a certificate from a test CA.
import { execFile } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { Attribute, Change, type Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { normalizeDn } from '../../../src/domain/names.ts';
import { createSource } from '../../../src/sources/factory.ts';
import { silentLogger } from '../../../src/logging.ts';
import { closedPort } from '../../support/closed-port.ts';
import { startSambaAd, type SambaAdServer } from '../../support/samba-ad.ts';
import { createTestCa } from '../../support/test-ca.ts';

import { ldapConfig, readAll, readError, sortedUsernames, userNamed, type LdapConfigInput } from './ldap-test-kit.ts';
import {
  adUser,
  addMembers,
  BIG_GROUP_SIZE,
  DELTA_COUNT,
  DISABLED,
  sambaLayout,
  seedSamba,
  SPECIAL_GROUP,
  USER_COUNT,
  type SambaLayout,
} from './samba-seed.ts';

let dc: SambaAdServer;
let layout: SambaLayout;
let admin: Client;

const config = (overrides: Partial<LdapConfigInput> = {}) =>
  ldapConfig({
    flavor: 'active-directory',
    urls: [dc.ldapsUrl],
    baseDN: layout.people,
    bindDN: dc.adminUpn,
    bindPassword: dc.adminPassword,
    tls: { caFile: dc.ca.certPath, rejectUnauthorized: true, startTls: false },
    ...overrides,
  });
const source = (overrides: Partial<LdapConfigInput> = {}) => createSource(config(overrides), silentLogger());
const key = (cn: string) => normalizeDn(layout.groupDn(cn));

beforeAll(async () => {
  dc = await startSambaAd();
  layout = sambaLayout(dc.baseDn);
  admin = await dc.connectAdmin();
  await seedSamba(admin, layout);
});

afterAll(async () => {
  await admin?.unbind();
  await dc?.stop();
});

describe('Samba AD: reading', () => {
  it("pages past AD's MaxPageSize, one source page per LDAP page", async () => {
    const full = await readAll(source({ pageSize: 1000 }));
    expect(full.users).toHaveLength(USER_COUNT);
    expect(full.pages.map((page) => page.items.length)).toEqual([1000, USER_COUNT - 1000]);
    const small = await readAll(source({ pageSize: 400 }));
    expect(small.pages).toHaveLength(Math.ceil(USER_COUNT / 400));
    expect(new Set(small.users.map((user) => user.externalId)).size).toBe(USER_COUNT);
  });

  it('reads objectGUID in the form AD tools show it', async () => {
    const { users } = await readAll(source());
    const user = userNamed(users, 'u0005');
    // ldbsearch reads the DC's database directly and prints objectGUID with Samba's own GUID formatting.
    const { stdout } = await promisify(execFile)('ldbsearch', [
      '-H', join(dc.dir, 'private', 'sam.ldb'), '-b', layout.userDn('u0005'), '-s', 'base', 'objectGUID',
    ]);
    const shown = /^objectGUID: (\S+)$/m.exec(stdout)?.[1];
    expect(shown).toMatch(/^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/);
    expect(user.externalId).toBe(shown);
    expect(user).toMatchObject({ username: 'u0005', email: 'u0005@seatsync.test', displayName: 'Person u0005', enabled: true });
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(Math.abs((user.createdAt?.getTime() ?? 0) - Date.now())).toBeLessThan(3_600_000);
  });

  it('reports userAccountControl ACCOUNTDISABLE as disabled', async () => {
    const { users } = await readAll(source());
    expect(users.filter((user) => !user.enabled).map((user) => user.username).sort()).toEqual(DISABLED);
  });
});

describe('Samba AD: groups', () => {
  const nested = ['top', 'mid', 'leaf'];

  for (const groupResolution of ['in-chain', 'expand'] as const) {
    it(`resolves nested groups three levels deep through a cycle (${groupResolution})`, async () => {
      const { users } = await readAll(source({ groupResolution }), { groupsOfInterest: nested.map(key) });
      const groupsOf = (name: string) => [...userNamed(users, name).groups].sort();
      expect(groupsOf('u0010')).toEqual([key('top')]);
      expect(groupsOf('u0011')).toEqual([key('leaf'), key('mid'), key('top')]);
      expect(groupsOf('u0012')).toEqual([key('leaf'), key('mid'), key('top')]);
      expect(groupsOf('u0015')).toEqual([]);
    });

    it(`resolves a group with more than 1,500 members (${groupResolution})`, async () => {
      const { users } = await readAll(source({ groupResolution }), { groupsOfInterest: [key('big')] });
      expect(users.filter((user) => user.groups.includes(key('big')))).toHaveLength(BIG_GROUP_SIZE);
      expect(userNamed(users, `u${BIG_GROUP_SIZE}`).groups).toEqual([]);
    });

    it(`yields only the transitive members of the scope group (${groupResolution})`, async () => {
      const { users } = await readAll(source({ groupResolution, group: layout.groupDn('scope') }));
      expect(sortedUsernames(users)).toEqual(['u0010', 'u0011', 'u0012', 'u0020']);
    });
  }

  it('escapes group DNs placed in filters', async () => {
    const { users } = await readAll(source(), { groupsOfInterest: [key(SPECIAL_GROUP)] });
    expect(users.filter((user) => user.groups.length > 0).map((user) => user.username)).toEqual(['u0013']);
    const scoped = await readAll(source({ group: layout.groupDn(SPECIAL_GROUP) }));
    expect(sortedUsernames(scoped.users)).toEqual(['u0013']);
  });

  it('check() connects, counts users in scope, maps two and sizes the groups', async () => {
    const { report } = await source({ group: layout.groupDn('scope') }).check({ groupsOfInterest: [key('mid'), key('big')], attributes: [] });
    expect(report.ok).toBe(true);
    expect(report.usersInScope).toBe(4);
    expect(report.sample).toHaveLength(2);
    expect(report.groupSizes).toEqual({ [key('mid')]: 2, [key('big')]: BIG_GROUP_SIZE, [key('scope')]: 4 });
    expect(report.steps.find((step) => step.name === 'server')?.detail).toContain('invocationId');
  });
});

describe('Samba AD: changes', () => {
  it('keeps the externalId across a rename and an OU move', async () => {
    const before = await readAll(source({ baseDN: dc.baseDn }));
    const idOf = (name: string) => userNamed(before.users, name).externalId;
    await admin.modifyDN(layout.userDn('u0030'), 'CN=u0030 renamed');
    await admin.modifyDN(layout.userDn('u0031'), layout.userDn('u0031', layout.staff));
    const after = await readAll(source({ baseDN: dc.baseDn }));
    expect(userNamed(after.users, 'u0030')).toMatchObject({ externalId: idOf('u0030'), dn: layout.userDn('u0030 renamed') });
    expect(userNamed(after.users, 'u0031')).toMatchObject({ externalId: idOf('u0031'), dn: layout.userDn('u0031', layout.staff) });
    expect(after.users).toHaveLength(before.users.length);
  });

  it('no longer returns a deleted user on a full read', async () => {
    const before = await readAll(source());
    const deletedId = userNamed(before.users, 'u0040').externalId;
    await admin.del(layout.userDn('u0040'));
    const after = await readAll(source(), { forceFull: true });
    expect(after.outcome.mode).toBe('full');
    expect(after.users.map((user) => user.externalId)).not.toContain(deletedId);
    expect(after.users).toHaveLength(before.users.length - 1);
  });

  it('reads only entries whose uSNChanged moved, and fully once a group of interest changed', async () => {
    const deltaSource = source({ baseDN: layout.delta });
    const interest = [key('deltagroup')];
    const full = await readAll(deltaSource, { groupsOfInterest: interest });
    expect(full.outcome).toMatchObject({ mode: 'full', cursor: { kind: 'ad-usn' } });
    expect(full.users).toHaveLength(DELTA_COUNT);

    const replace = (type: string, value: string) => new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) });
    await admin.modify(layout.userDn('d001', layout.delta), replace('mail', 'd001@new.seatsync.test'));
    await admin.modify(layout.userDn('d002', layout.delta), replace('userAccountControl', '546'));
    await admin.add(layout.userDn('d100', layout.delta), adUser('d100'));

    const delta = await readAll(deltaSource, { groupsOfInterest: interest, cursor: full.outcome.cursor });
    expect(delta.outcome.mode).toBe('incremental');
    expect(sortedUsernames(delta.users)).toEqual(['d001', 'd002', 'd100']);
    expect(userNamed(delta.users, 'd002').enabled).toBe(false);

    // Joining a group leaves the user's uSNChanged alone; the group's change forces a full read.
    await addMembers(admin, layout.groupDn('deltagroup'), [layout.userDn('d003', layout.delta)]);
    const afterGroupChange = await readAll(deltaSource, { groupsOfInterest: interest, cursor: delta.outcome.cursor });
    expect(afterGroupChange.outcome.mode).toBe('full');
    expect(userNamed(afterGroupChange.users, 'd003').groups).toEqual(interest);

    const quiet = await readAll(deltaSource, { groupsOfInterest: interest, cursor: afterGroupChange.outcome.cursor });
    expect(quiet.outcome.mode).toBe('incremental');
    expect(quiet.users).toEqual([]);
  });

  it('reads fully when the cursor comes from another DC or is older than fullEvery', async () => {
    const deltaSource = source({ baseDN: layout.delta, fullEveryMs: 60_000 });
    const { outcome } = await readAll(deltaSource);
    const cursor = outcome.cursor ?? {};
    const otherDc = await readAll(deltaSource, { cursor: { ...cursor, invocationId: '00000000-0000-0000-0000-000000000001' } });
    expect(otherDc.outcome.mode).toBe('full');
    const stale = await readAll(deltaSource, { cursor: { ...cursor, fullAt: new Date(Date.now() - 120_000).toISOString() } });
    expect(stale.outcome.mode).toBe('full');
    const fresh = await readAll(deltaSource, { cursor });
    expect(fresh.outcome.mode).toBe('incremental');
  });
});

describe('Samba AD: connections and failures', () => {
  let silent: Server;
  let silentPort: number;
  const held = new Set<Socket>();
  beforeAll(async () => {
    // Accepts TCP connections and never answers: a DC that hangs.
    silent = createServer((socket) => {
      held.add(socket);
      socket.on('error', () => undefined);
      socket.resume(); // read (and drop) what comes, so that the client's close is seen
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  // A hanging URL must cost its connect timeout (500 ms), not hang the read: the test's own 15 s limit
  // catches a hang.
  it('fails over from an unreachable and a hanging URL to a working one', { timeout: 15_000 }, async () => {
    const { users } = await readAll(
      source({ urls: [`ldaps://127.0.0.1:${await closedPort()}`, `ldaps://127.0.0.1:${silentPort}`, dc.ldapsUrl], connectTimeoutMs: 500, baseDN: layout.delta }),
    );
    expect(users.length).toBeGreaterThanOrEqual(DELTA_COUNT);
  });

  it('reads over StartTLS on ldap://', async () => {
    const { users } = await readAll(
      source({ urls: [dc.ldapUrl], tls: { caFile: dc.ca.certPath, rejectUnauthorized: true, startTls: true }, baseDN: layout.delta }),
    );
    expect(users.length).toBeGreaterThanOrEqual(DELTA_COUNT);
  });

  it('fails with auth on a wrong password, naming the account and the URL', async () => {
    const error = await readError(source({ bindPassword: 'not-the-password' }));
    expect(error).toMatchObject({ code: 'auth' });
    expect(error.message).toContain(dc.adminUpn);
    expect(error.message).toContain(dc.ldapsUrl);
  });

  it('fails with tls when the DC certificate comes from another CA', async () => {
    const other = await createTestCa(join(dc.dir, 'other-ca'), { commonName: 'unrelated CA' });
    const error = await readError(source({ tls: { caFile: other.certPath, rejectUnauthorized: true, startTls: false } }));
    expect(error).toMatchObject({ code: 'tls' });
    expect(error.message).toContain(dc.ldapsUrl);
    expect(error.message).toContain('not trusted');
  });

  it('fails with not-found naming a missing base DN', async () => {
    const missing = `OU=Nowhere,${dc.baseDn}`;
    const error = await readError(source({ baseDN: missing }));
    expect(error).toMatchObject({ code: 'not-found' });
    expect(error.message).toContain(missing);
  });
});
