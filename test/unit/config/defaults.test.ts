// Every default of the config, from the smallest valid file.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EntraSourceConfig, FileSourceConfig, LdapSourceConfig } from '../../../src/config/index.ts';
import { configText, tempConfigDir, withSource, yaml } from './config-files.ts';

const temp = tempConfigDir('defaults');
afterAll(() => temp.remove());

describe('defaults of the top level', () => {
  it('fills every optional section', async () => {
    const { config } = await temp.load(configText());
    expect(config.database).toEqual({ url: null });
    expect(config.dataDir).toBe(path.join(temp.dir, 'data'));
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'seatsync' });
    expect(config.policy).toEqual({ graceDays: 0, maxRemovals: { percent: 10 }, protect: null, purgeRemovedAfterMs: null });
    expect(config.notify).toBeNull();
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8080, publicUrl: null, tokens: [] });
    expect(config.pools).toEqual([{ name: 'primary', seats: 10, notify: null }]);
    expect(config.profiles).toEqual([{ name: 'staff', when: null, pools: ['primary'] }]);
  });

  it('resolves dataDir against the working directory, not the config folder', async () => {
    const cwd = path.join(temp.dir, 'work');
    const { config } = await temp.load(configText({ extra: 'dataDir: ./state\n' }), { cwd });
    expect(config.dataDir).toBe(path.join(cwd, 'state'));
  });

  it('treats an empty database url (from ${DATABASE_URL:-}) as no url', async () => {
    const { config } = await temp.load(configText({ extra: 'database:\n  url: ${DATABASE_URL:-}\n' }));
    expect(config.database.url).toBeNull();
  });

  it('treats an empty string as absent for optional keys', async () => {
    const { config } = await temp.load(configText({ extra: 'database:\n  url: ""\nredis:\n  prefix: " "\n' }));
    expect(config.database.url).toBeNull();
    expect(config.redis.prefix).toBe('seatsync');
  });

  it('treats empty sections as absent', async () => {
    const { config } = await temp.load(configText({ extra: 'database:\nredis:\npolicy:\nhttp:\nnotify:\n' }));
    expect(config.redis.prefix).toBe('seatsync');
    expect(config.notify).toBeNull();
  });
});

describe('defaults of sources', () => {
  it('ldap, active-directory flavor', async () => {
    const { config } = await temp.load(
      withSource(yaml`
        name: ad
        kind: ldap
        flavor: active-directory
        url: ldaps://dc1.example.test
        baseDN: DC=example,DC=test
      `),
    );
    expect(config.sources[0]).toEqual<LdapSourceConfig>({
      name: 'ad',
      kind: 'ldap',
      flavor: 'active-directory',
      schedule: { everyMs: 15 * 60_000 },
      fullEveryMs: 24 * 3_600_000,
      urls: ['ldaps://dc1.example.test'],
      bindDN: null,
      bindPassword: null,
      tls: { caFile: null, rejectUnauthorized: true, startTls: false },
      baseDN: 'DC=example,DC=test',
      filter: null,
      userFilter: '(&(objectCategory=person)(objectClass=user))',
      group: null,
      attributes: { id: 'objectGUID', username: 'sAMAccountName', email: 'mail', displayName: 'displayName', createdAt: 'whenCreated' },
      disabled: { kind: 'ad-uac' },
      pageSize: 1000,
      timeLimitSeconds: 600,
      connectTimeoutMs: 10_000,
      operationTimeoutMs: 120_000,
    });
  });

  it('ldap, openldap flavor', async () => {
    const { config } = await temp.load(
      withSource(yaml`
        name: ol
        kind: ldap
        flavor: openldap
        url: ldap://ldap.example.test
        baseDN: dc=example,dc=test
      `),
    );
    const source = config.sources[0] as LdapSourceConfig;
    expect(source.userFilter).toBe('(objectClass=inetOrgPerson)');
    expect(source.attributes).toEqual({ id: 'entryUUID', username: 'uid', email: 'mail', displayName: 'cn', createdAt: 'createTimestamp' });
    expect(source.disabled).toEqual({ kind: 'none' });
  });

  it('entra', async () => {
    const { config } = await temp.load(
      withSource(yaml`
        name: entra
        kind: entra
        tenantId: tenant
        clientId: client
        clientSecret: \${ENTRA_SECRET}
      `),
      { env: { ENTRA_SECRET: 'secret-value' } },
    );
    expect(config.sources[0]).toEqual<EntraSourceConfig>({
      name: 'entra',
      kind: 'entra',
      schedule: { everyMs: 15 * 60_000 },
      fullEveryMs: 24 * 3_600_000,
      tenantId: 'tenant',
      clientId: 'client',
      credential: { kind: 'secret', clientSecret: 'secret-value' },
      cloud: { graph: 'https://graph.microsoft.com', login: 'https://login.microsoftonline.com' },
      group: null,
      pageSize: 999,
    });
  });

  it('file', async () => {
    const { config } = await temp.load(configText());
    expect(config.sources[0]).toEqual<FileSourceConfig>({
      name: 'users',
      kind: 'file',
      schedule: { everyMs: 15 * 60_000 },
      fullEveryMs: 24 * 3_600_000,
      path: path.join(temp.dir, 'users.csv'),
      format: 'csv',
    });
  });
});

describe('defaults of notify', () => {
  it('requires STARTTLS by default when SMTP credentials are sent on a plain connection', async () => {
    const smtp = (extra: string) =>
      temp.load(configText({ extra: `notify:\n  to: a@example.test\n  from: b@example.test\n  smtp: { host: mail.example.test${extra} }\n` }));
    const tls = async (extra: string) => {
      const { config } = await smtp(extra);
      const transport = config.notify?.transport;
      return transport?.kind === 'smtp' ? transport.smtp.requireTls : undefined;
    };
    expect(await tls(', user: app, password: x')).toBe(true);
    expect(await tls(', port: 465, user: app, password: x')).toBe(false); // implicit TLS already
    expect(await tls(', user: app, password: x, requireTls: false')).toBe(false); // explicit choice wins
  });

  it('smtp on port 587 with STARTTLS when offered, reminders every 24h, no early warning', async () => {
    const { config } = await temp.load(
      configText({ extra: 'notify:\n  to: a@example.test\n  from: b@example.test\n  smtp: { host: mail.example.test }\n' }),
    );
    expect(config.notify).toEqual({
      to: 'a@example.test',
      from: 'b@example.test',
      transport: {
        kind: 'smtp',
        smtp: {
          host: 'mail.example.test',
          port: 587,
          secure: false,
          requireTls: false,
          user: null,
          password: null,
          caFile: null,
          rejectUnauthorized: true,
        },
      },
      remindEveryMs: 24 * 3_600_000,
      warnAt: null,
      failureAfter: { afterMs: 3_600_000 },
    });
  });

  it('secure follows port 465, and port 465 follows secure', async () => {
    const on465 = await temp.load(configText({ extra: 'notify:\n  to: a@x.test\n  from: b@x.test\n  smtp: { host: h, port: 465 }\n' }));
    expect(on465.config.notify?.transport).toMatchObject({ smtp: { port: 465, secure: true } });
    const secure = await temp.load(configText({ extra: 'notify:\n  to: a@x.test\n  from: b@x.test\n  smtp: { host: h, secure: true }\n' }));
    expect(secure.config.notify?.transport).toMatchObject({ smtp: { port: 465, secure: true } });
  });

  it('graph takes its sender as from; log needs no from', async () => {
    const withEntra = yaml`
      sources:
        - { name: entra, kind: entra, tenantId: t, clientId: c, clientSecret: s }
    `;
    const graph = await temp.load(
      configText({ sources: withEntra, extra: 'notify:\n  to: a@x.test\n  graph: { source: entra, sender: robot@x.test }\n' }),
    );
    expect(graph.config.notify).toMatchObject({ from: 'robot@x.test', transport: { kind: 'graph', source: 'entra', sender: 'robot@x.test' } });
    const log = await temp.load(configText({ extra: 'notify:\n  to: a@x.test\n  log: true\n' }));
    expect(log.config.notify?.transport).toEqual({ kind: 'log' });
  });
});
