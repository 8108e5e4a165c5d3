// Every normalization from the YAML form to `SeatsyncConfig`.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EntraSourceConfig, LdapSourceConfig } from '../../../src/config/index.ts';
import { configText, tempConfigDir, withSource, yaml } from './config-files.ts';

const temp = tempConfigDir('normalize');
afterAll(() => temp.remove());

async function ldap(extra: string, flavor = 'active-directory'): Promise<LdapSourceConfig> {
  const { config } = await temp.load(withSource(`name: ad\nkind: ldap\nflavor: ${flavor}\nbaseDN: DC=example,DC=test\n${extra}`));
  return config.sources[0] as LdapSourceConfig;
}

async function entra(extra: string): Promise<EntraSourceConfig> {
  const { config } = await temp.load(withSource(`name: e\nkind: entra\ntenantId: t\nclientId: c\n${extra}`));
  return config.sources[0] as EntraSourceConfig;
}

describe('sources', () => {
  it('url: a string or a list becomes urls', async () => {
    expect((await ldap('url: ldaps://dc1.example.test:636')).urls).toEqual(['ldaps://dc1.example.test:636']);
    expect((await ldap('url: [ldaps://dc1.example.test, ldap://dc2.example.test]')).urls).toEqual([
      'ldaps://dc1.example.test',
      'ldap://dc2.example.test',
    ]);
    expect((await ldap('url:\n  - ldaps://a.example.test\n  - ldaps://b.example.test')).urls).toHaveLength(2);
  });

  it('schedule: cron, every, off', async () => {
    expect((await ldap('url: ldaps://a\nschedule: "*/15 * * * *"')).schedule).toEqual({ cron: '*/15 * * * *' });
    expect((await ldap('url: ldaps://a\nschedule: { every: 15m }')).schedule).toEqual({ everyMs: 900_000 });
    expect((await ldap('url: ldaps://a\nschedule: { every: 90s }')).schedule).toEqual({ everyMs: 90_000 });
    expect((await ldap('url: ldaps://a\nschedule: { every: 1m }')).schedule).toEqual({ everyMs: 60_000 });
    expect((await ldap('url: ldaps://a\nschedule: off')).schedule).toBeNull();
  });

  it('durations: ms, s, m, h, d, w; timeLimit in whole seconds, rounded up', async () => {
    const source = await ldap('url: ldaps://a\ntimeLimit: 1500ms\nconnectTimeout: 5s\noperationTimeout: 3m\nfullEvery: 7d');
    expect(source.timeLimitSeconds).toBe(2);
    expect(source.connectTimeoutMs).toBe(5000);
    expect(source.operationTimeoutMs).toBe(180_000);
    expect(source.fullEveryMs).toBe(7 * 86_400_000);
    expect((await ldap('url: ldaps://a\nfullEvery: 2w')).fullEveryMs).toBe(14 * 86_400_000);
  });

  it('tls: ca resolved against the config folder, verification and StartTLS flags', async () => {
    const source = await ldap('url: ldap://a\ntls: { ca: certs/ca.pem, rejectUnauthorized: false, startTls: true }');
    expect(source.tls).toEqual({ caFile: path.join(temp.dir, 'certs/ca.pem'), rejectUnauthorized: false, startTls: true });
    expect((await ldap('url: ldaps://a\ntls: { ca: /etc/ca.pem }')).tls.caFile).toBe('/etc/ca.pem');
  });

  it('attributes override the flavor per attribute', async () => {
    const source = await ldap('url: ldaps://a\nattributes: { id: employeeID, email: userPrincipalName }');
    expect(source.attributes).toEqual({
      id: 'employeeID',
      username: 'sAMAccountName',
      email: 'userPrincipalName',
      displayName: 'displayName',
      createdAt: 'whenCreated',
    });
  });

  it('disabled: attribute presence, attribute values (YAML TRUE stays TRUE), none, ad-uac', async () => {
    const openldap = (extra: string) => ldap(`url: ldap://a\n${extra}`, 'openldap');
    expect((await openldap('disabled: { attribute: pwdAccountLockedTime }')).disabled).toEqual({
      kind: 'attribute-present',
      attribute: 'pwdAccountLockedTime',
    });
    expect((await openldap('disabled: { attribute: nsAccountLock, values: [TRUE] }')).disabled).toEqual({
      kind: 'attribute-value',
      attribute: 'nsAccountLock',
      values: ['TRUE'],
    });
    expect((await openldap('disabled: { attribute: status, values: locked }')).disabled).toEqual({
      kind: 'attribute-value',
      attribute: 'status',
      values: ['locked'],
    });
    expect((await ldap('url: ldaps://a\ndisabled: none')).disabled).toEqual({ kind: 'none' });
    expect((await openldap('disabled: ad-uac')).disabled).toEqual({ kind: 'ad-uac' });
  });

  it('group scope, filter, userFilter and pageSize', async () => {
    const source = await ldap(
      'url: ldaps://a\ngroup: CN=App Users, OU=Groups,DC=Example,DC=Test\nfilter: (department=*)\nuserFilter: (objectClass=person)\npageSize: 500',
    );
    expect(source.group).toBe('cn=app users,ou=groups,dc=example,dc=test');
    expect(source.filter).toBe('(department=*)');
    expect(source.userFilter).toBe('(objectClass=person)');
    expect(source.pageSize).toBe(500);
  });

  it('bind credentials', async () => {
    temp.write('secrets/ldap', 'pa ss\n');
    const source = await ldap('url: ldaps://a\nbindDN: CN=svc,DC=example,DC=test\nbindPassword: ${file:secrets/ldap}');
    expect(source.bindDN).toBe('CN=svc,DC=example,DC=test');
    expect(source.bindPassword).toBe('pa ss');
  });

  it('entra clouds by name, and a custom pair without trailing slashes', async () => {
    const clouds = {
      global: { graph: 'https://graph.microsoft.com', login: 'https://login.microsoftonline.com' },
      usgov: { graph: 'https://graph.microsoft.us', login: 'https://login.microsoftonline.us' },
      'usgov-dod': { graph: 'https://dod-graph.microsoft.us', login: 'https://login.microsoftonline.us' },
      china: { graph: 'https://microsoftgraph.chinacloudapi.cn', login: 'https://login.chinacloudapi.cn' },
    };
    for (const [cloud, urls] of Object.entries(clouds)) {
      expect((await entra(`clientSecret: s\ncloud: ${cloud}`)).cloud).toEqual(urls);
    }
    const custom = await entra('clientSecret: s\ncloud: { graph: "https://127.0.0.1:8443/", login: https://127.0.0.1:8443/login/ }');
    expect(custom.cloud).toEqual({ graph: 'https://127.0.0.1:8443', login: 'https://127.0.0.1:8443/login' });
  });

  it('entra certificate credential, group id lowercased, pageSize', async () => {
    const source = await entra('certificatePath: certs/entra.pem\ngroup: 6B1C2F0E-8D4A-4C55-9A53-0C1E2D3F4A5B\npageSize: 100');
    expect(source.credential).toEqual({ kind: 'certificate', certificatePath: path.join(temp.dir, 'certs/entra.pem') });
    expect(source.group).toBe('6b1c2f0e-8d4a-4c55-9a53-0c1e2d3f4a5b');
    expect(source.pageSize).toBe(100);
  });

  it('file format from the extension, path against the config folder', async () => {
    const { config } = await temp.load(withSource('name: people\nkind: file\npath: ../exports/People.LDIF'));
    expect(config.sources[0]).toMatchObject({ format: 'ldif', path: path.resolve(temp.dir, '../exports/People.LDIF') });
    const absolute = await temp.load(withSource('name: people\nkind: file\npath: /srv/users.csv'));
    expect(absolute.config.sources[0]).toMatchObject({ format: 'csv', path: '/srv/users.csv' });
  });
});

describe('pools, profiles and policy', () => {
  it('pools keep their order, seats become numbers, notify overrides the recipient', async () => {
    const { config } = await temp.load(
      configText({
        pools: 'pools:\n  primary: { seats: 100 }\n  extranet: { seats: 0, notify: partners@x.test }\n',
        profiles: 'profiles:\n  - { name: all, pools: [primary, extranet] }\n',
      }),
    );
    expect(config.pools).toEqual([
      { name: 'primary', seats: 100, notify: null },
      { name: 'extranet', seats: 0, notify: 'partners@x.test' },
    ]);
  });

  it('when: memberOf and dn accept a string or a list and are normalized; attribute values become lists', async () => {
    const profiles = yaml`
      profiles:
        - name: partner
          when: { memberOf: CN=Partners,OU=Groups,DC=Corp }
          pools: [primary]
        - name: legal
          when:
            memberOf: [CN=Legal, OU=Groups, DC=Corp, 6B1C-ID]
            dn: [OU=Legal,DC=Corp, "OU=Law , DC=Corp"]
          pools: [primary]
        - name: service
          when: { attribute: { employeeType: service, title: [Robot, 42] } }
          pools: []
        - name: ou
          when: { dn: OU=Staff,DC=Corp }
          pools: [primary]
        - name: staff
          pools: [primary]
    `;
    const { config } = await temp.load(configText({ profiles }));
    expect(config.profiles.map((p) => p.when)).toEqual([
      { memberOf: ['cn=partners,ou=groups,dc=corp'] },
      { memberOf: ['cn=legal', 'ou=groups', 'dc=corp', '6b1c-id'], dn: ['ou=legal,dc=corp', 'ou=law,dc=corp'] },
      { attribute: { employeeType: ['service'], title: ['Robot', '42'] } },
      { dn: ['ou=staff,dc=corp'] },
      null,
    ]);
    expect(config.profiles[2]?.pools).toEqual([]);
  });

  it('policy: percent or count, protect rule, purge duration', async () => {
    const percent = await temp.load(configText({ policy: { maxRemovals: '12.5%', graceDays: '7', purgeRemovedAfter: '365d' } }));
    expect(percent.config.policy).toEqual({ graceDays: 7, maxRemovals: { percent: 12.5 }, protect: null, purgeRemovedAfterMs: 365 * 86_400_000 });
    const count = await temp.load(configText({ policy: { maxRemovals: '25', protect: '{ memberOf: [CN=IT Admins,OU=Groups,DC=corp,DC=example,DC=test] }' } }));
    expect(count.config.policy.maxRemovals).toEqual({ count: 25 });
    expect(count.config.policy.protect).toEqual({ memberOf: ['cn=it admins,ou=groups,dc=corp,dc=example,dc=test'] });
    const off = await temp.load(configText({ policy: { purgeRemovedAfter: 'off' } }));
    expect(off.config.policy.purgeRemovedAfterMs).toBeNull();
  });
});

describe('notify and http', () => {
  it('warnAt percentage becomes a fraction; remindEvery off becomes null', async () => {
    const { config } = await temp.load(
      configText({ extra: 'notify:\n  to: Licenses <licenses@x.test>\n  log: true\n  warnAt: 90%\n  remindEvery: off\n' }),
    );
    expect(config.notify).toMatchObject({ to: 'Licenses <licenses@x.test>', warnAt: 0.9, remindEveryMs: null });
  });

  it('failureAfter is a duration, a number of runs, or off', async () => {
    const load = async (value: string) => (await temp.load(configText({ extra: `notify:\n  to: a@x.test\n  log: true\n  failureAfter: ${value}\n` }))).config.notify?.failureAfter;
    expect(await load('30m')).toEqual({ afterMs: 1_800_000 });
    expect(await load('3 runs')).toEqual({ afterRuns: 3 });
    expect(await load('1 run')).toEqual({ afterRuns: 1 });
    expect(await load('off')).toBeNull();
  });

  it('smtp with everything, numbers and booleans from the environment', async () => {
    const { config } = await temp.load(
      configText({
        extra: yaml`
          notify:
            to: a@x.test
            from: b@x.test
            smtp:
              host: \${SMTP_HOST}
              port: \${SMTP_PORT}
              secure: \${SMTP_SECURE}
              requireTls: true
              user: seatsync
              password: \${SMTP_PASSWORD}
              tls: { ca: smtp-ca.pem, rejectUnauthorized: false }
        `,
      }),
      { env: { SMTP_HOST: 'mail.x.test', SMTP_PORT: '2525', SMTP_SECURE: 'false', SMTP_PASSWORD: 'pw' } },
    );
    expect(config.notify?.transport).toEqual({
      kind: 'smtp',
      smtp: {
        host: 'mail.x.test',
        port: 2525,
        secure: false,
        requireTls: true,
        user: 'seatsync',
        password: 'pw',
        caFile: path.join(temp.dir, 'smtp-ca.pem'),
        rejectUnauthorized: false,
      },
    });
  });

  it('tokens: sha256 lowercased, role kept; host, port and publicUrl', async () => {
    const hash = '9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08';
    const { config } = await temp.load(
      configText({
        extra: `http:\n  host: 127.0.0.1\n  port: 9090\n  publicUrl: https://seats.x.test\n  tokens:\n    - { name: ops, sha256: ${hash}, role: admin }\n`,
      }),
    );
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 9090,
      publicUrl: 'https://seats.x.test',
      tokens: [{ name: 'ops', sha256: hash.toLowerCase(), role: 'admin' }],
    });
  });
});
