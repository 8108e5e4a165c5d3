// Every key the schema marks secret (`.meta({ secret })`) is protected because of that mark: a config
// holding a value at each marked key prints none of them in `check --show-config`, and an error message
// that would quote one says *** instead (the `seatsync` process, as users run it).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { secretKeys } from '../../src/config/schema.ts';
import { runCli } from '../support/cli.ts';
import { closedPort } from '../support/closed-port.ts';

type Tree = Record<string, unknown>;

/**
 * A valid config with an entry for every place a secret key lives; every address is 127.0.0.1 at `port`,
 * where nothing listens (closedPort), so `check` fails fast. A key marked secret in a new place needs an entry here.
 */
const base = (port: number): Tree => ({
  database: { url: `postgres://app@127.0.0.1:${port}/seatsync` },
  redis: { url: `redis://127.0.0.1:${port}` },
  sources: [
    { name: 'ad', kind: 'ldap', flavor: 'openldap', url: `ldap://127.0.0.1:${port}`, baseDN: 'dc=x', bindDN: 'cn=svc', connectTimeout: '1s', tls: { startTls: true } },
    { name: 'cloud', kind: 'entra', tenantId: 't', clientId: 'c', cloud: { graph: `https://127.0.0.1:${port}`, login: `https://127.0.0.1:${port}` } },
  ],
  pools: { primary: { seats: 1 } },
  profiles: [{ name: 'staff', pools: ['primary'] }],
  notify: { to: 'a@x.test', from: 'b@x.test', smtp: { host: '127.0.0.1', port, user: 'u' } },
  targets: [
    { name: 'app', kind: 'scim', url: `https://127.0.0.1:${port}/scim` },
    { name: 'sso', kind: 'scim', url: `https://127.0.0.1:${port}/scim`, oauth: { tokenUrl: `https://127.0.0.1:${port}/token`, clientId: 'c' } },
    { name: 'events', kind: 'webhook', url: `https://127.0.0.1:${port}/hook` },
  ],
  http: { tokens: [{ name: 'ops', role: 'admin' }] },
});

/** `sources[kind=ldap].tls.ca` → ['sources', {kind: 'ldap'}, 'tls', 'ca']; `[]` is any item. */
function parse(schemaPath: string): (string | { kind?: string })[] {
  return [...schemaPath.matchAll(/([^.[\]]+)|\[(?:kind=([^\]]+))?\]/g)].map((m) => (m[1] !== undefined ? m[1] : m[2] !== undefined ? { kind: m[2] } : {}));
}

/** Sets the key at a schema path in the first entry that has its parent and not yet the key. */
function setAt(node: unknown, steps: readonly (string | { kind?: string })[], value: (old: unknown) => unknown): boolean {
  const [step, ...rest] = steps;
  if (step === undefined || node === null || typeof node !== 'object') return false;
  if (typeof step !== 'string') {
    const items = Array.isArray(node) ? (node as Tree[]) : [];
    return items.some((item) => (step.kind === undefined || item.kind === step.kind) && setAt(item, rest, value));
  }
  const tree = node as Tree;
  if (rest.length > 0) return setAt(tree[step], rest, value);
  const old = tree[step];
  if (old !== undefined && typeof old !== 'string') return false;
  if (old !== undefined && !/^[a-z]+:\/\//.test(old)) return false; // taken: only a URL is completed
  tree[step] = value(old);
  return true;
}

/** A value for each marked key, and what of it must never show. */
function secretFor(mark: true | 'url-password' | 'digest', n: number): { value: (old: unknown) => string; hidden: string } {
  if (mark === 'digest') {
    const hash = `${'c'.repeat(62)}${n.toString(16).padStart(2, '0')}`;
    return { value: () => hash, hidden: hash };
  }
  if (mark === 'url-password') {
    const password = `Url-Pass-${n}-word`;
    return {
      value: (old) => {
        const url = new URL(String(old));
        url.username ||= 'app';
        url.password = password;
        return url.toString();
      },
      hidden: password,
    };
  }
  // Shaped as a Standard Webhooks secret, which every secret key accepts.
  const secret = `whsec_${Buffer.alloc(32, 65 + n).toString('base64')}`;
  return { value: () => secret, hidden: secret };
}

const marks = [...secretKeys()];
const dir = mkdtempSync(join(tmpdir(), 'seatsync-marks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function configWithEverySecret(): Promise<{ tree: Tree; secrets: { path: string; mark: true | 'url-password' | 'digest'; hidden: string }[] }> {
  const tree = base(await closedPort());
  const secrets = marks.map(([path, mark], n) => {
    const secret = secretFor(mark, n);
    if (!setAt(tree, parse(path), secret.value)) throw new Error(`no entry in the test's base config for ${path}: add one`);
    return { path, mark, hidden: secret.hidden };
  });
  return { tree, secrets };
}

function write(tree: Tree): string {
  const file = join(dir, `seatsync-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(tree));
  return file;
}

describe('keys marked secret in the schema', () => {
  it('are the expected ones, so that none goes unmarked unnoticed', () => {
    expect(marks.map(([path]) => path)).toEqual(
      expect.arrayContaining(['database.url', 'sources[kind=ldap].bindPassword', 'sources[kind=entra].clientSecret', 'notify.smtp.password', 'targets[kind=webhook].secret']),
    );
  });

  it('are all *** in check --show-config', async () => {
    const { tree, secrets } = await configWithEverySecret();
    const result = await runCli(['check', '--show-config', '--json', '--config', write(tree)], { timeoutMs: 60_000 });
    const loaded = (JSON.parse(result.stdout) as { config: { valid: boolean; loaded?: unknown } }).config;
    expect(loaded.valid, result.stderr).toBe(true);
    const shown = JSON.stringify(loaded.loaded);
    for (const { path, hidden } of secrets) {
      expect(result.stdout + result.stderr, path).not.toContain(hidden);
      expect(shown, path).not.toContain(encodeURIComponent(hidden));
    }
    expect(shown.match(/\*\*\*/g)?.length ?? 0).toBeGreaterThanOrEqual(secrets.length);
  });

  it('are *** in a config error that would quote them', async () => {
    const { tree, secrets } = await configWithEverySecret();
    const quoted = secrets.filter((s) => s.mark !== 'digest'); // a digest may be quoted (it is not the token)
    // An invalid address quotes what it got; each pool gets one holding a secret.
    quoted.forEach(({ hidden }, n) => ((tree.pools as Tree)[`p${n}`] = { seats: 1, notify: `x ${hidden}` }));
    const result = await runCli(['check', '--config', write(tree)]);
    expect(result.code, result.stderr).toBe(2);
    quoted.forEach(({ path, hidden }, n) => {
      expect(result.stdout + result.stderr, path).not.toContain(hidden);
      expect(result.stderr, path).toContain(`pools.p${n}.notify: must be an email address (got "x ***")`);
    });
  });
});
