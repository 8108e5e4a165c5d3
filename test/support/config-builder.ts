// Builds a valid SeatsyncConfig in code for integration tests that don't exercise the YAML loader, and
// the config file of CSV sources the CLI and the worker tests run with (`aConfigYaml`). What a builder
// does not set is the product's default, as the config loader sets it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/index.ts';
import type { FileSourceConfig, PoolConfig, ProfileConfig, SeatsyncConfig } from '../../src/config/types.ts';
import { sourceTiming } from '../../src/config/values.ts';

/**
 * A CSV or LDIF file source (by the path's ending, as the loader tells them), synced only when asked
 * (`schedule: off`). Not through the loader: tests name files the loader would refuse (`….missing`).
 */
export function aFileSource(name: string, path: string): FileSourceConfig {
  return { kind: 'file', name, path, format: path.toLowerCase().endsWith('.ldif') ? 'ldif' : 'csv', ...sourceTiming({ schedule: null }) };
}

/**
 * What the config loader makes of a file with one pool and one profile, but for the test's places: no
 * sources, an in-memory database, a Redis prefix and an HTTP listener of its own.
 */
const BASE: SeatsyncConfig = (() => {
  const text = ['sources: [{ name: hr, kind: file, path: users.csv }]', 'pools: { primary: { seats: 3 } }', 'profiles: [{ name: staff, pools: [primary] }]'].join('\n');
  const { config } = parseConfigText(text, { file: '/dev/null', env: {} });
  return { ...config, dataDir: 'memory://', redis: { ...config.redis, prefix: 'seatsync-test' }, sources: [], http: { ...config.http, host: '127.0.0.1', port: 0 } };
})();

export function aConfig(overrides: Partial<SeatsyncConfig> & { pools?: readonly PoolConfig[]; profiles?: readonly ProfileConfig[] }): SeatsyncConfig {
  return { ...BASE, ...overrides };
}

/**
 * A file source `hr` with two pools: staff need `primary`, partners (group Partners) need `extranet` and
 * `primary`, service accounts (employeeType service) need none; members of Admins are protected, and
 * any number of removals is allowed.
 */
export function aPartnerConfig(path: string, seats: { primary: number; extranet: number }): SeatsyncConfig {
  return aConfig({
    sources: [aFileSource('hr', path)],
    pools: [
      { name: 'primary', seats: seats.primary, notify: null },
      { name: 'extranet', seats: seats.extranet, notify: null },
    ],
    profiles: [
      { name: 'partner', when: { memberOf: ['partners'] }, pools: ['extranet', 'primary'] },
      { name: 'service', when: { attribute: { employeeType: ['service'] } }, pools: [] },
      { name: 'staff', when: null, pools: ['primary'] },
    ],
    policy: { graceDays: 0, maxRemovals: { percent: 100 }, protect: { memberOf: ['admins'] }, purgeRemovedAfterMs: null },
  });
}

export interface CsvPerson {
  readonly id: string;
  readonly username?: string;
  readonly email?: string;
  readonly displayName?: string;
  readonly enabled?: boolean;
  readonly createdAt?: string;
  readonly groups?: readonly string[];
  readonly employeeType?: string;
}

export function csvOf(people: readonly CsvPerson[]): string {
  const header = 'id,username,email,displayName,enabled,createdAt,groups,employeeType';
  const rows = people.map((p) =>
    [
      p.id,
      p.username ?? p.id,
      p.email ?? `${p.username ?? p.id}@example.test`,
      p.displayName ?? `Person ${p.id}`,
      p.enabled === false ? 'false' : 'true',
      p.createdAt ?? '',
      (p.groups ?? []).join(';'),
      p.employeeType ?? '',
    ].join(','),
  );
  return `${[header, ...rows].join('\n')}\n`;
}

/** A CSV file in a fresh temp folder that tests can rewrite between runs. */
export function aCsvFile(people: readonly CsvPerson[]): { path: string; write(people: readonly CsvPerson[]): void } {
  const path = join(mkdtempSync(join(tmpdir(), 'seatsync-csv-')), 'users.csv');
  const write = (list: readonly CsvPerson[]): void => writeFileSync(path, csvOf(list));
  write(people);
  return { path, write };
}

/** `n` people created one day apart from 2024-01-01, ids u001…, so creation order = id order. */
export function people(n: number, start = 1): CsvPerson[] {
  return Array.from({ length: n }, (_, i) => {
    const k = start + i;
    const id = `u${String(k).padStart(3, '0')}`;
    return { id, username: id, createdAt: new Date(Date.UTC(2024, 0, k)).toISOString() };
  });
}

/** A config file of CSV file sources, as a user writes one (`aConfigYaml`). */
export interface ConfigYamlOptions {
  /** `dataDir:`, the embedded database's folder (default: the product's). */
  readonly dataDir?: string;
  /** PostgreSQL's URL; absent or null: the embedded database. */
  readonly databaseUrl?: string | null;
  /** `redis:` (absent: no key, the product's default; only `seatsync run` connects to it). */
  readonly redis?: { readonly url: string; readonly prefix: string };
  /** Source name → CSV path. */
  readonly sources: Readonly<Record<string, string>>;
  /** YAML of each source's `schedule` (default `off`: manual syncs only). */
  readonly schedule?: string;
  /** Pool name → seats (default `primary: 3`). */
  readonly seats?: Readonly<Record<string, number>>;
  /** The profiles, the first that matches wins (default: `staff`, every user, needing the first pool). */
  readonly profiles?: readonly { readonly name: string; readonly memberOf?: string; readonly pools: readonly string[] }[];
  /** `policy:` keys, each value as YAML (`protect: '{ memberOf: [admins] }'`; absent ones: the product's defaults). */
  readonly policy?: {
    readonly maxRemovals?: number | string | undefined;
    readonly graceDays?: number | undefined;
    readonly protect?: string | undefined;
  };
  /** Extra YAML appended as is (http, notify, …). */
  readonly extra?: string;
}

export function aConfigYaml(o: ConfigYamlOptions): string {
  const seats = o.seats ?? { primary: 3 };
  const profiles = o.profiles ?? [{ name: 'staff', pools: [Object.keys(seats)[0] ?? 'primary'] }];
  const lines = [
    o.dataDir === undefined ? '' : `dataDir: "${o.dataDir}"`,
    o.databaseUrl ? `database: { url: "${o.databaseUrl}" }` : '',
    o.redis === undefined ? '' : `redis: { url: "${o.redis.url}", prefix: ${o.redis.prefix} }`,
    'sources:',
    ...Object.entries(o.sources).map(([name, path]) => `  - { name: ${name}, kind: file, path: "${path}", schedule: ${o.schedule ?? 'off'} }`),
    'pools:',
    ...Object.entries(seats).map(([name, n]) => `  ${name}: { seats: ${n} }`),
    'profiles:',
    ...profiles.map((p) => `  - { name: ${p.name}, ${p.memberOf === undefined ? '' : `when: { memberOf: ${p.memberOf} }, `}pools: [${p.pools.join(', ')}] }`),
    policyYaml(o.policy ?? {}),
    o.extra ?? '',
  ];
  return `${lines.filter((l) => l !== '').join('\n')}\n`;
}

/** `policy:` as one flow mapping of the keys given (none: no `policy:` at all). */
function policyYaml(policy: NonNullable<ConfigYamlOptions['policy']>): string {
  const keys = Object.entries(policy).filter(([, value]) => value !== undefined);
  return keys.length === 0 ? '' : `policy: { ${keys.map(([key, value]) => `${key}: ${value}`).join(', ')} }`;
}
