// docs/configuration.md must describe exactly the keys the schema accepts, with the schema's defaults.
// Each table there follows a marker `<!-- keys: PREFIX … -->`; its rows' first cell is a key under it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/defaults.ts';
import { listConfigKeys, secretKeys } from '../../../src/config/schema.ts';
import { CLOUDS } from '../../../src/sources/entra/config.ts';
import { FLAVOR_DEFAULTS } from '../../../src/sources/ldap/config.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const doc = readFileSync(path.join(repoRoot, 'docs/configuration.md'), 'utf8');
const example = readFileSync(path.join(repoRoot, 'config/example.yaml'), 'utf8');

interface Row {
  readonly key: string;
  readonly cells: readonly string[];
}

/** Documented rows by full key path. */
function documentedRows(): Map<string, Row> {
  const rows = new Map<string, Row>();
  const docLines = doc.split('\n');
  docLines.forEach((line, index) => {
    const marker = /^<!-- keys: (.+) -->$/.exec(line);
    if (marker === null) return;
    const prefixes = (marker[1] ?? '').split(/\s+/);
    for (let i = index + 3; i < docLines.length && docLines[i]?.startsWith('|'); i += 1) {
      const cells = (docLines[i] ?? '').split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
      const key = /^`([^`]+)`$/.exec(cells[0] ?? '')?.[1];
      if (key === undefined) throw new Error(`docs/configuration.md line ${i + 1}: first cell is not a \`key\``);
      for (const prefix of prefixes) {
        const full = prefix === '(root)' ? key : `${prefix}.${key}`;
        if (rows.has(full)) throw new Error(`${full} is documented twice`);
        rows.set(full, { key: full, cells });
      }
    }
  });
  return rows;
}

const rows = documentedRows();
const defaultOf = (key: string): string => rows.get(key)?.cells[2] ?? `(${key} not documented)`;

/** `900000` → `15m`: the largest unit that divides the duration exactly at least twice (so 24h, not 1d). */
function duration(ms: number): string {
  const units: [string, number][] = [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  const unit = units.find(([, size]) => ms % size === 0 && ms / size >= 2) ?? ['ms', 1];
  return `${ms / unit[1]}${unit[0]}`;
}

describe('docs/configuration.md', () => {
  it('documents every key of the schema, and no key the schema does not have', () => {
    const schemaKeys = [...listConfigKeys()].sort();
    const documented = [...rows.keys()].sort();
    expect(documented.filter((k) => !schemaKeys.includes(k))).toEqual([]);
    expect(schemaKeys.filter((k) => !documented.includes(k))).toEqual([]);
  });

  it('calls secret exactly the keys the schema marks secret', () => {
    const documented = [...rows.values()].filter((row) => row.cells[1] === 'secret').map((row) => row.key);
    const marked = [...secretKeys()].filter(([, mark]) => mark === true).map(([key]) => key);
    expect(documented.sort()).toEqual(marked.sort());
  });

  it('states the schema defaults', () => {
    const kinds = ['ldap', 'entra', 'file'];
    const expected: Record<string, string> = {
      dataDir: DEFAULTS.dataDir,
      'redis.url': DEFAULTS.redisUrl,
      'redis.prefix': DEFAULTS.redisPrefix,
      'sources[kind=ldap].pageSize': String(DEFAULTS.ldapPageSize),
      'sources[kind=ldap].timeLimit': duration(DEFAULTS.ldapTimeLimitSeconds * 1000),
      'sources[kind=ldap].connectTimeout': duration(DEFAULTS.ldapConnectTimeoutMs),
      'sources[kind=ldap].operationTimeout': duration(DEFAULTS.ldapOperationTimeoutMs),
      'sources[kind=ldap].fullEvery': duration(DEFAULTS.fullEveryMs),
      'sources[kind=entra].fullEvery': duration(DEFAULTS.fullEveryMs),
      'sources[kind=entra].pageSize': String(DEFAULTS.entraPageSize),
      'sources[kind=entra].cloud': DEFAULTS.entraCloud,
      'policy.graceDays': String(DEFAULTS.graceDays),
      'policy.maxRemovals': `${DEFAULTS.maxRemovals.percent}%`,
      'notify.remindEvery': duration(DEFAULTS.remindEveryMs),
      'notify.failureAfter': DEFAULTS.failureAfterMs === 3_600_000 ? '1h' : duration(DEFAULTS.failureAfterMs),
      'notify.smtp.port': String(DEFAULTS.smtpPort),
      'targets[kind=scim].schedule': duration(DEFAULTS.targetReconcileEveryMs),
      'targets[kind=scim].timeout': duration(DEFAULTS.targetTimeoutMs),
      'targets[kind=webhook].timeout': duration(DEFAULTS.targetTimeoutMs),
      'http.host': DEFAULTS.httpHost,
      'http.port': String(DEFAULTS.httpPort),
    };
    for (const kind of kinds) expected[`sources[kind=${kind}].schedule`] = duration(DEFAULTS.scheduleEveryMs);
    for (const [key, value] of Object.entries(expected)) {
      expect(defaultOf(key), key).toContain(`\`${value}\``);
    }
  });

  it('lists the flavor defaults and the cloud URLs of the schema', () => {
    for (const flavor of Object.values(FLAVOR_DEFAULTS)) {
      expect(doc).toContain(`\`${flavor.userFilter}\``);
      for (const attribute of Object.values(flavor.attributes)) expect(doc).toContain(`\`${attribute}\``);
    }
    for (const [name, urls] of Object.entries(CLOUDS)) {
      expect(doc).toContain(`| \`${name}\` | \`${urls.graph}\` | \`${urls.login}\` |`);
    }
  });
});

describe('config/example.yaml', () => {
  /** The example's text by top-level key, commented-out ones (`# targets:`) included. */
  const sections = new Map<string, string>();
  let current = '';
  for (const line of example.split('\n')) {
    const top = /^(?:# )?([A-Za-z]+):/.exec(line)?.[1];
    if (top !== undefined) current = top;
    sections.set(current, `${sections.get(current) ?? ''}${line}\n`);
  }

  it('names every key of the schema, in the section of its top-level key (commented out where optional)', () => {
    const missing = [...listConfigKeys()].filter((key) => {
      const top = /^[A-Za-z]+/.exec(key)?.[0] ?? '';
      const leaf = (key.split('.').at(-1) ?? '').replace(/\[.*\]$/, '');
      // `pools.<name>`: the pool's own name, any.
      return !leaf.startsWith('<') && !new RegExp(`\\b${leaf}:`).test(sections.get(top) ?? '');
    });
    expect(missing).toEqual([]);
  });
});
