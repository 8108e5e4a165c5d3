// loadConfig: which file, the error it throws, the read-only result, and the shipped example.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError, describeConfigError, loadConfig, loadConfigWithWarnings, redactedConfig, resolveConfigPath,
  type EntraSourceConfig, type LdapSourceConfig,
} from '../../../src/config/index.ts';
import { configText, tempConfigDir } from './config-files.ts';

const temp = tempConfigDir('load');
afterAll(() => temp.remove());

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('which file is read', () => {
  it('takes the path argument first, relative to cwd', async () => {
    temp.write('chosen.yaml', configText());
    const config = await loadConfig({ path: 'chosen.yaml', cwd: temp.dir, env: { SEATSYNC_CONFIG: 'other.yaml' } });
    expect(config.path).toBe(path.join(temp.dir, 'chosen.yaml'));
  });

  it('then $SEATSYNC_CONFIG, then config/seatsync.yaml', () => {
    expect(resolveConfigPath({ cwd: '/srv', env: { SEATSYNC_CONFIG: '/etc/seatsync.yaml' } })).toBe('/etc/seatsync.yaml');
    expect(resolveConfigPath({ cwd: '/srv', env: { SEATSYNC_CONFIG: '' } })).toBe('/srv/config/seatsync.yaml');
    expect(resolveConfigPath({ cwd: '/srv', env: {} })).toBe('/srv/config/seatsync.yaml');
  });

  it('loads $SEATSYNC_CONFIG and the default location', async () => {
    const file = temp.write('env-chosen.yaml', configText());
    expect((await loadConfig({ cwd: temp.dir, env: { SEATSYNC_CONFIG: file } })).path).toBe(file);
    temp.write('config/seatsync.yaml', configText());
    expect((await loadConfig({ cwd: temp.dir, env: {} })).path).toBe(path.join(temp.dir, 'config/seatsync.yaml'));
  });

  it('a missing file is a ConfigError that says how to choose one', async () => {
    const error = await loadConfig({ path: 'nowhere.yaml', cwd: temp.dir, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      { path: '', message: `${path.join(temp.dir, 'nowhere.yaml')}: file not found (give --config PATH or set SEATSYNC_CONFIG)` },
    ]);
  });

  it('is read again on every load, so changed seats apply without a restart', async () => {
    const file = temp.write('reread.yaml', configText());
    expect((await loadConfig({ path: file, env: {} })).pools[0]?.seats).toBe(10);
    writeFileSync(file, configText({ pools: 'pools:\n  primary: { seats: 12 }\n' }));
    expect((await loadConfig({ path: file, env: {} })).pools[0]?.seats).toBe(12);
  });

  it('ignores a byte order mark', async () => {
    const { config } = await temp.load(`\uFEFF${configText()}`);
    expect(config.sources).toHaveLength(1);
  });
});

describe('ConfigError', () => {
  it('has code config, the problems, and a message listing each as path: message', async () => {
    const error = await temp.error(configText({ extra: 'http:\n  port: 65536\nredis:\n  url: http://x\n' }));
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('config');
    expect(error.name).toBe('ConfigError');
    expect(error.problems.map((p) => p.path)).toEqual(['http.port', 'redis.url']);
    expect(error.message.split('\n')).toEqual([
      `Invalid configuration in ${error.file} (2 problems):`,
      '  http.port: must be a whole number from 0 to 65535 (got "65536")',
      '  redis.url: must be redis:// or rediss://',
    ]);
  });

  it('describeConfigError adds line numbers for the CLI, and passes other errors through', async () => {
    const error = await temp.error(configText({ extra: 'http:\n  port: 65536\n' }));
    const lines = describeConfigError(error).split('\n');
    expect(lines[1]).toMatch(/^ {2}- http\.port: must be a whole number from 0 to 65535 \(got "65536"\) \(line \d+\)$/);
    expect(describeConfigError(new Error('boom'))).toBe('boom');
    expect(describeConfigError('text')).toBe('text');
  });
});

describe('the result', () => {
  it('is deeply frozen', async () => {
    const { config } = await temp.load(configText({ extra: 'http:\n  tokens:\n    - { name: a, sha256: ' + 'd'.repeat(64) + ', role: read }\n' }));
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sources[0])).toBe(true);
    expect(Object.isFrozen(config.http.tokens[0])).toBe(true);
    expect(Object.isFrozen(config.profiles[0]?.pools)).toBe(true);
    expect(() => {
      (config.pools as unknown as { seats: number }[])[0]!.seats = 1000;
    }).toThrow(TypeError);
  });

  it('takes http.port 0 (a port the system picks) and 65535; the default is 8080', async () => {
    expect((await temp.load(configText({ extra: 'http:\n  port: 0\n' }))).config.http.port).toBe(0);
    expect((await temp.load(configText({ extra: 'http:\n  port: 65535\n' }))).config.http.port).toBe(65535);
    expect((await temp.load(configText())).config.http.port).toBe(8080);
  });
});

describe('config/example.yaml', () => {
  const example = path.join(repoRoot, 'config/example.yaml');
  const env = {
    ENTRA_TENANT_ID: '0b6c1a9e-55f4-4a0e-9e0a-3f1a2b3c4d5e',
    ENTRA_CLIENT_ID: '7d3e9c11-2b4a-4f6e-8a1c-9e8d7c6b5a4f',
    ENTRA_CLIENT_SECRET: 'entra-client-secret',
    SMTP_PASSWORD: 'smtp-password',
  };
  const secretFile = temp.write('run/secrets/ldap_password', 'ldap-password\n');
  // The example names /run/secrets/ldap_password; tests point that one path at a temp file.
  const readFile = (file: string): string => readFileSync(file === '/run/secrets/ldap_password' ? secretFile : file, 'utf8');

  const HASH_HINT = `make a token and its hash with: TOKEN=$(openssl rand -hex 24); printf '%s' "$TOKEN" | sha256sum`;

  it('ships no usable token: each placeholder hash is refused with how to make one', async () => {
    const error = await loadConfig({ path: example, env, readFile, cwd: temp.dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.path)).toEqual(['http.tokens[0].sha256', 'http.tokens[1].sha256']);
    for (const p of problems) expect(p.message).toContain(HASH_HINT);
  });

  it('loads with the variables it names once its token hashes are filled in, without warnings', async () => {
    const filled = temp.write(
      'example-filled.yaml',
      readFileSync(example, 'utf8').replace(/REPLACE-with-the-sha256-of-the-(\w+)-token/g, (_m, name: string) => createHash('sha256').update(`${name}-token`).digest('hex')),
    );
    const { config, warnings } = await loadConfigWithWarnings({ path: filled, env, readFile, cwd: temp.dir });
    expect(warnings).toEqual([]);
    expect(config.sources.map((s) => `${s.name}:${s.kind}`)).toEqual(['corp-ad:ldap', 'entra:entra', 'contractors:file']);
    const ad = config.sources[0] as LdapSourceConfig;
    expect(ad.bindPassword).toBe('ldap-password');
    expect(ad.schedule).toEqual({ cron: '*/15 * * * *' });
    expect((config.sources[1] as EntraSourceConfig).credential).toEqual({ kind: 'secret', clientSecret: 'entra-client-secret' });
    expect(config.profiles.map((p) => p.name)).toEqual(['partner', 'service', 'staff']);
    expect(config.profiles[0]?.when).toEqual({ memberOf: ['cn=partners,ou=groups,dc=corp,dc=example,dc=test'] });
    expect(config.policy.protect).toEqual({ memberOf: ['cn=it admins,ou=groups,dc=corp,dc=example,dc=test'] });
    expect(config.notify).toMatchObject({ warnAt: 0.9, remindEveryMs: 86_400_000, transport: { kind: 'smtp' } });
    expect(config.database.url).toBeNull();
    expect(JSON.stringify(redactedConfig(config))).not.toMatch(/ldap-password|entra-client-secret|smtp-password/);
  });

  it('fails naming each variable it needs when they are missing', async () => {
    const error = await loadConfig({ path: example, env: {}, readFile, cwd: temp.dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.message)).toEqual([
      'environment variable ENTRA_TENANT_ID is not set',
      'environment variable ENTRA_CLIENT_ID is not set',
      'environment variable ENTRA_CLIENT_SECRET is not set',
      'environment variable SMTP_PASSWORD is not set',
      expect.stringContaining(HASH_HINT),
      expect.stringContaining(HASH_HINT),
    ]);
  });
});
