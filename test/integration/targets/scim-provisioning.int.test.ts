// SCIM provisioning against a SCIM application built on scimmy, over HTTPS with a test CA.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import { people } from '../../support/config-builder.ts';
import { OAUTH_CLIENT } from '../../support/scim/scim-server.ts';
import { appUsers, scimTargetYaml, startTargetFixture, type TargetFixture } from './target-fixture.ts';

describe('SCIM provisioning', () => {
  let f: TargetFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('a first sync provisions every account, active when it holds a seat; a resync sends nothing', async () => {
    f = await startTargetFixture({ people: people(4), seats: 3 });
    const report = await f.sync();
    expect(report.runs[0]?.status).toBe('ok');
    expect(await f.deliver()).toEqual({ sent: 4, failed: 0, retrying: 0 });
    expect(appUsers(f.scim)).toEqual({ u001: true, u002: true, u003: true, u004: false });
    expect(f.scim.store.byExternalId('u001')).toMatchObject({
      userName: 'u001', displayName: 'Person u001', name: { formatted: 'Person u001' }, emails: [{ value: 'u001@example.test', primary: true }], active: true,
    });
    const requests = f.scim.requests.length;
    await f.sync();
    expect(await f.deliver()).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(f.scim.requests.length).toBe(requests);
  });

  it('a seat freed by a disabled user activates the next one in the application, in the same pass', async () => {
    f = await startTargetFixture({ people: people(4), seats: 3 });
    await f.sync();
    await f.deliver();
    const list = people(4).map((p) => (p.id === 'u002' ? { ...p, enabled: false } : p));
    f.csv.write(list);
    await f.sync();
    expect(await f.deliver()).toEqual({ sent: 2, failed: 0, retrying: 0 });
    expect(appUsers(f.scim)).toEqual({ u001: true, u002: false, u003: true, u004: true });
  });

  it('a renamed user is updated in place (PATCH), not created again', async () => {
    f = await startTargetFixture({ people: people(2), seats: 3 });
    await f.sync();
    await f.deliver();
    f.csv.write(people(2).map((p) => (p.id === 'u001' ? { ...p, username: 'ada', displayName: 'Ada Lovelace', email: 'ada@example.test' } : p)));
    await f.sync();
    expect(await f.deliver()).toMatchObject({ sent: 1 });
    expect(f.scim.store.byExternalId('u001')).toMatchObject({ userName: 'ada', displayName: 'Ada Lovelace', emails: [{ value: 'ada@example.test' }], active: true });
    expect(f.scim.count('POST', '/Users')).toBe(2);
    expect(f.scim.count('PATCH', '/Users')).toBe(1);
  });

  it('deprovision: deactivate keeps a removed user inactive; delete removes it', async () => {
    f = await startTargetFixture({ people: people(3), seats: 3 });
    await f.sync();
    await f.deliver();
    f.csv.write(people(2));
    await f.sync();
    await f.deliver();
    expect(appUsers(f.scim)).toEqual({ u001: true, u002: true, u003: false });

    f.writeConfig({ targets: `${scimTargetYaml(f.scim, f.ca)}\n    deprovision: delete` });
    f.csv.write(people(1));
    await f.sync();
    await f.deliver();
    expect(appUsers(f.scim)).toEqual({ u001: true, u003: false });
    expect(f.scim.count('DELETE', '/Users')).toBe(1);
  });

  it('groups: one Group per pool whose members are exactly its seat holders', async () => {
    f = await startTargetFixture({ people: people(4), seats: 2, targetExtra: { groups: 'true' } });
    await f.sync();
    await f.deliver();
    expect(f.scim.store.membersOf('primary')).toEqual(['u001', 'u002']);
    f.csv.write(people(4).map((p) => (p.id === 'u001' ? { ...p, enabled: false } : p)));
    await f.sync();
    await f.deliver();
    expect(f.scim.store.membersOf('primary')).toEqual(['u002', 'u003']);
    expect(appUsers(f.scim)).toEqual({ u001: false, u002: true, u003: true, u004: false });
  });
});

describe('SCIM provisioning: credentials and existing users', () => {
  let f: TargetFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('OAuth client credentials: one token for every pass until the config changes, then the same provisioning', async () => {
    f = await startTargetFixture({
      people: people(2),
      seats: 2,
      targets: async (ca, scim) =>
        [
          '  - name: app',
          '    kind: scim',
          `    url: ${scim.url}`,
          `    oauth: { tokenUrl: "${scim.tokenUrl}", clientId: ${OAUTH_CLIENT.clientId}, clientSecret: ${OAUTH_CLIENT.clientSecret} }`,
          `    tls: { ca: ${ca.certPath} }`,
        ].join('\n'),
    });
    await f.sync();
    expect(await f.deliver()).toEqual({ sent: 2, failed: 0, retrying: 0 });
    expect(appUsers(f.scim)).toEqual({ u001: true, u002: true });
    expect(f.scim.count('POST', '/oauth/token')).toBe(1);
    // The next pass keeps the target, and with it its token.
    f.csv.write(people(3));
    await f.sync();
    expect(await f.deliver()).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(appUsers(f.scim)).toEqual({ u001: true, u002: true, u003: false }); // two seats: u003 waits
    expect(f.scim.count('POST', '/oauth/token')).toBe(1);
    // A new config (here: the same target, one seat more) makes new adapters: a new token.
    f.writeConfig({ seats: 3, targets: readFileSync(f.configPath, 'utf8').split('targets:\n')[1]!.trimEnd() });
    f.csv.write(people(4));
    await f.sync();
    expect(await f.deliver()).toEqual({ sent: 2, failed: 0, retrying: 0 });
    expect(appUsers(f.scim)).toEqual({ u001: true, u002: true, u003: true, u004: false });
    expect(f.scim.count('POST', '/oauth/token')).toBe(2);
  });

  it('refused credentials: nothing is lost, the rows wait with the reason', async () => {
    f = await startTargetFixture({ people: people(1), seats: 1, targets: async (ca, scim) => scimTargetYaml(scim, ca).replace(/token: .*/, 'token: wrong-token') });
    await f.sync();
    expect(await f.deliver()).toEqual({ sent: 0, failed: 0, retrying: 1 });
    const rows = (await f.db.query<{ status: string; last_error: string }>('SELECT status, last_error FROM outbox WHERE target IS NOT NULL')).rows;
    expect(rows).toEqual([{ status: 'pending', last_error: expect.stringMatching(/^auth: list Users: HTTP 401/) }]);
    expect(rows[0]?.last_error).not.toContain('wrong-token');
  });

  it('a user the application already had (same userName) is taken over on the 409, not duplicated', async () => {
    f = await startTargetFixture({ people: people(2), seats: 2 });
    f.scim.store.writeUser(undefined, { userName: 'u001', displayName: 'Old Name', active: false });
    await f.sync();
    expect(await f.deliver()).toEqual({ sent: 2, failed: 0, retrying: 0 });
    expect(f.scim.store.users.size).toBe(2);
    expect(f.scim.store.byExternalId('u001')).toMatchObject({ userName: 'u001', displayName: 'Person u001', active: true });
  });
});

describe('SCIM provisioning: a userName taken by another externalId', () => {
  let f: TargetFixture | undefined;
  afterEach(async () => {
    await f?.close();
  });

  it('is never taken over: the row fails naming the owner, the other accounts are provisioned', async () => {
    f = await startTargetFixture({ people: people(2), seats: 2 });
    f.scim.store.writeUser(undefined, { userName: 'u001', externalId: 'someone-else', active: true });
    await f.sync();
    expect(await f.deliver()).toEqual({ sent: 1, failed: 1, retrying: 0 });
    expect(f.scim.store.byExternalId('someone-else')).toMatchObject({ userName: 'u001', active: true });
    const failed = (await f.db.query<{ last_error: string }>(`SELECT last_error FROM outbox WHERE status = 'failed'`)).rows;
    expect(failed).toEqual([{ last_error: 'bad-request: userName u001 belongs to the application\'s user of externalId someone-else' }]);
  });
});

describe('SCIM provisioning: a target that cannot be set up', () => {
  let f: TargetFixture | undefined;
  afterEach(async () => {
    await f?.close();
  });

  it('never fails the sync: its rows wait, and seatsync check names the problem', async () => {
    f = await startTargetFixture({ people: people(1), seats: 1, targets: async (ca, scim) => scimTargetYaml(scim, ca).replace(ca.certPath, '/nonexistent/app-ca.pem') });
    expect((await f.sync()).runs[0]?.status).toBe('ok');
    expect(await f.deliver()).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect((await f.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE status = 'pending'`)).rows[0]?.n).toBe(1);
    const check = await runCli(['check', '--config', f.configPath]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('target app (scim): FAILED: config: cannot read tls.ca /nonexistent/app-ca.pem');
  });
});
