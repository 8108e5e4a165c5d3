// No secret ever appears in an error, and redactedConfig hides every secret.
import { afterAll, describe, expect, it } from 'vitest';
import { describeConfigError, redactedConfig, type ConfigError } from '../../../src/config/index.ts';
import { scrubSecrets } from '../../../src/config/secrets.ts';
import { configText, tempConfigDir, withSource, yaml } from './config-files.ts';

const temp = tempConfigDir('secrets');
afterAll(() => temp.remove());

const SECRET = 'Tr0ub4dor-and-3';

/** Every printable form of an error must be free of the secret. */
function expectNoSecret(error: ConfigError, secret = SECRET): void {
  expect(error.message).not.toContain(secret);
  expect(describeConfigError(error)).not.toContain(secret);
  expect(JSON.stringify(error.problems)).not.toContain(secret);
}

describe('errors never print secrets', () => {
  it('a bad value read from ${file:…} is named by its reference, not printed', async () => {
    temp.write('secrets/url', `http://svc:${SECRET}@dc1.x.test\n`);
    const error = await temp.error(withSource('name: ad\nkind: ldap\nflavor: openldap\nbaseDN: dc=x\nurl: ${file:secrets/url}'));
    expectNoSecret(error);
    expect(error.problems.map((p) => `${p.path}: ${p.message}`)).toContain(
      'sources[0].url: must be ldap:// or ldaps:// (value from ${file:secrets/url})',
    );
  });

  it('a secret variable placed under the wrong key is not printed', async () => {
    const error = await temp.error(withSource('name: e\nkind: entra\ntenantId: t\nclientId: c\nclientSecret: s\ncloud: ${ENTRA_CLIENT_SECRET}'), {
      env: { ENTRA_CLIENT_SECRET: SECRET },
    });
    expectNoSecret(error);
    expect(error.problems[0]?.message).toContain('(value from ${ENTRA_CLIENT_SECRET})');
  });

  it('a password or secret key under the wrong source kind is not printed', async () => {
    const error = await temp.error(withSource(`name: f\nkind: file\npath: a.csv\nbindPassword: ${SECRET}\nclientSecret: ${SECRET}`));
    expectNoSecret(error);
    expect(error.problems.map((p) => p.path)).toEqual(['sources[0].bindPassword', 'sources[0].clientSecret']);
  });

  it('a literal password with a bad shape is not printed', async () => {
    const error = await temp.error(
      configText({ extra: `notify:\n  to: a@x.test\n  from: b@x.test\n  smtp: { host: h, user: u, password: [${SECRET}] }\n` }),
    );
    expectNoSecret(error);
    expect(error.problems.map((p) => p.path)).toEqual(['notify.smtp.password']);
  });

  it('a password inside a database URL is not printed', async () => {
    const error = await temp.error(configText({ extra: `database:\n  url: postgres://app:${SECRET}@db.x.test:99999/seats\n` }));
    expectNoSecret(error);
    expect(error.problems[0]?.path).toBe('database.url');
  });

  it('a secret that reaches a cross-key message is replaced by ***', async () => {
    temp.write('secrets/pool', `${SECRET}\n`);
    const error = await temp.error(configText({ profiles: 'profiles:\n  - { name: a, pools: [${file:secrets/pool}] }\n' }));
    expectNoSecret(error);
    expect(error.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'profiles[0].pools[0]: must be lowercase letters, digits, "-" and "_", starting with a letter or digit (at most 63) (value from ${file:secrets/pool})',
      'profiles[0].pools[0]: unknown pool "***" (pools: primary)',
    ]);
  });

  it('a secret written next to a YAML syntax error is not quoted', async () => {
    const error = await temp.error(`sources:\n  - { name: a, kind: ldap, bindPassword: "${SECRET}\n`);
    expectNoSecret(error);
    expect(error.problems[0]?.message).toMatch(/^YAML syntax error at line \d+, column \d+/);
  });

  it('a default value of a malformed reference is not printed', async () => {
    const error = await temp.error(withSource(`name: e\nkind: entra\ntenantId: t\nclientId: c\nclientSecret: \${9X:-${SECRET}}`));
    expectNoSecret(error);
  });
});

describe('scrubSecrets', () => {
  it('replaces every occurrence, and leaves very short values alone so messages stay readable', () => {
    expect(scrubSecrets('a hunter2 b hunter2', ['hunter2'])).toBe('a *** b ***');
    expect(scrubSecrets('a b c', ['a'])).toBe('a b c');
  });
});

describe('redactedConfig', () => {
  it('replaces every secret with ***, also file contents under keys that are not secret by name', async () => {
    temp.write('secrets/tenant', 'tenant-from-file\n');
    const hash = 'c'.repeat(64);
    const text = yaml`
      database:
        url: postgres://app:db-pass-123@db.x.test/seats
      redis:
        url: redis://:redis-pass-123@cache.x.test:6379
      sources:
        - { name: ad, kind: ldap, flavor: openldap, url: ldaps://a, baseDN: dc=x, bindDN: cn=svc, bindPassword: \${LDAP_PASSWORD} }
        - { name: e, kind: entra, tenantId: \${file:secrets/tenant}, clientId: c, clientSecret: entra-secret-123 }
      pools:
        primary: { seats: 1 }
      profiles:
        - { name: staff, pools: [primary] }
      notify:
        to: a@x.test
        from: b@x.test
        smtp: { host: h, user: u, password: smtp-pass-123 }
      http:
        tokens:
          - { name: ops, sha256: ${hash}, role: admin }
    `;
    const { config } = await temp.load(text, { env: { LDAP_PASSWORD: 'ldap-pass-123' } });
    const redacted = redactedConfig(config);
    const printed = JSON.stringify(redacted);
    for (const secret of ['db-pass-123', 'redis-pass-123', 'ldap-pass-123', 'tenant-from-file', 'entra-secret-123', 'smtp-pass-123', hash]) {
      expect(printed).not.toContain(secret);
    }
    expect(redacted.database.url).toBe('postgres://app:***@db.x.test/seats');
    expect(redacted.redis.url).toBe('redis://:***@cache.x.test:6379');
    expect(redacted.sources[0]).toMatchObject({ bindPassword: '***', bindDN: 'cn=svc' });
    expect(redacted.sources[1]).toMatchObject({ tenantId: '***', credential: { kind: 'secret', clientSecret: '***' } });
    expect(redacted.notify?.transport).toMatchObject({ smtp: { user: 'u', password: '***' } });
    expect(redacted.http.tokens).toEqual([{ name: 'ops', sha256: '***', role: 'admin' }]);
    // the original is untouched
    expect(config.notify?.transport).toMatchObject({ smtp: { password: 'smtp-pass-123' } });
  });

  it('keeps what is not secret', async () => {
    const { config } = await temp.load(configText({ extra: 'database:\n  url: postgres://db.x.test/seats\n' }));
    const redacted = redactedConfig(config);
    expect(redacted.database.url).toBe('postgres://db.x.test/seats');
    expect(redacted.sources).toEqual(config.sources);
  });
});

describe('scrubbing a secret out of any text', () => {
  it('replaces it as is, percent-encoded and JSON-escaped', () => {
    const secret = 'P@ss/w0rd#x?y"\\';
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${JSON.stringify({ s: secret })}`;
    expect(scrubSecrets(text, [secret])).toBe('a *** b *** c {"s":"***"}');
  });
});
