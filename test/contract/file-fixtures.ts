// Writers for CSV and LDIF exports, and fixture factories that put contract seeds in such files.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileSourceConfig } from '../../src/config/types.ts';
import { normalizeGroupKey } from '../../src/domain/names.ts';
import { createSource } from '../../src/sources/factory.ts';
import { silentLogger } from '../../src/logging.ts';
import { guidToBytes } from '../../src/sources/directory-values.ts';
import type { DirectorySourceFixture, FixtureRequest, SeedUser } from './directory-source.contract.ts';

/** Quotes a CSV field when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvText(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** One LDIF attribute line: plain when RFC 2849 allows it, base64 otherwise; folded at 76 columns. */
export function ldifLine(attribute: string, value: string | Uint8Array): string {
  const safe = typeof value === 'string' && /^[\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(value) && !value.endsWith(' ');
  const line = safe ? `${attribute}: ${value as string}` : `${attribute}:: ${Buffer.from(value).toString('base64')}`;
  const parts = [line.slice(0, 76)];
  for (let at = 76; at < line.length; at += 75) parts.push(` ${line.slice(at, at + 75)}`);
  return parts.join('\n');
}

export type LdifEntry = readonly (readonly [string, string | Uint8Array])[];

export function ldifText(entries: readonly LdifEntry[]): string {
  const records = entries.map((entry) => entry.map(([attribute, value]) => ldifLine(attribute, value)).join('\n'));
  return ['version: 1', '', ...records.map((record) => `${record}\n`)].join('\n');
}

export const LDIF_BASE = 'dc=example,dc=test';
const groupDn = (name: string): string => `cn=${name},ou=Groups,${LDIF_BASE}`;
const seedId = (seed: SeedUser): string => seed.externalId ?? `${seed.username}-id`;

/** Generalized time of a date with whole seconds: `20240101120000Z`. */
export function generalizedTime(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

function csvOf(seeds: readonly SeedUser[]): string {
  const header = ['id', 'username', 'email', 'displayName', 'enabled', 'createdAt', 'groups', 'employeeType'];
  const rows = seeds.map((seed) => [
    seedId(seed),
    seed.username,
    seed.email,
    seed.displayName,
    seed.enabled ? 'true' : 'false',
    seed.createdAt.toISOString(),
    seed.groups.join(';'),
    seed.attributes?.['employeeType'] ?? '',
  ]);
  return csvText([header, ...rows]);
}

/** OpenLDAP-style export: entryUUID, uid, createTimestamp, pwdAccountLockedTime, memberOf. */
function openLdapOf(seeds: readonly SeedUser[]): string {
  const people = seeds.map((seed): LdifEntry => [
    ['dn', `uid=${seed.username},ou=People,${LDIF_BASE}`],
    ['objectClass', 'inetOrgPerson'],
    ['uid', seed.username],
    ['cn', seed.displayName],
    ['sn', seed.displayName.split(' ').at(-1) ?? seed.displayName],
    ['displayName', seed.displayName],
    ['mail', seed.email],
    ['entryUUID', seedId(seed)],
    ['createTimestamp', generalizedTime(seed.createdAt)],
    ...(seed.enabled ? [] : [['pwdAccountLockedTime', '000001010000Z'] as const]),
    ...seed.groups.map((group) => ['memberOf', groupDn(group)] as const),
    ...Object.entries(seed.attributes ?? {}),
  ]);
  const groups = [...new Set(seeds.flatMap((seed) => seed.groups))].map((group): LdifEntry => [
    ['dn', groupDn(group)],
    ['objectClass', 'groupOfNames'],
    ['cn', group],
    ...seeds.filter((seed) => seed.groups.includes(group)).map((seed) => ['member', `uid=${seed.username},ou=People,${LDIF_BASE}`] as const),
  ]);
  return ldifText([[['dn', `ou=People,${LDIF_BASE}`], ['objectClass', 'organizationalUnit'], ['ou', 'People']], ...groups, ...people]);
}

/** AD-style export: binary objectGUID, sAMAccountName, whenCreated, userAccountControl, memberOf. */
function activeDirectoryOf(seeds: readonly SeedUser[]): string {
  const people = seeds.map((seed): LdifEntry => {
    const guid = guidToBytes(seedId(seed));
    if (guid === null) throw new Error(`seed ${seed.username}: externalId must be a GUID for the AD fixture`);
    return [
      ['dn', `CN=${seed.displayName.replaceAll(',', '\\,')},OU=Users,${LDIF_BASE}`],
      ['objectClass', 'top'],
      ['objectClass', 'person'],
      ['objectClass', 'organizationalPerson'],
      ['objectClass', 'user'],
      ['objectGUID', guid],
      ['sAMAccountName', seed.username],
      ['userPrincipalName', `${seed.username}@example.test`],
      ['displayName', seed.displayName],
      ['mail', seed.email],
      ['userAccountControl', seed.enabled ? '512' : '514'],
      ['whenCreated', `${generalizedTime(seed.createdAt).slice(0, -1)}.0Z`],
      ...seed.groups.map((group) => ['memberOf', `CN=${group},OU=Groups,${LDIF_BASE}`] as const),
      ...Object.entries(seed.attributes ?? {}),
    ];
  });
  const computer: LdifEntry = [
    ['dn', `CN=WS01,OU=Computers,${LDIF_BASE}`],
    ['objectClass', 'user'],
    ['objectClass', 'computer'],
    ['objectGUID', new Uint8Array(16).fill(7)],
    ['sAMAccountName', 'WS01$'],
  ];
  return ldifText([...people, computer]);
}

export type FileFixtureStyle = 'csv' | 'ldif-openldap' | 'ldif-ad';

/** A contract fixture: the seeds written to a temporary file in the given style, read by a file source. */
export function fileSourceFixture(style: FileFixtureStyle): (request: FixtureRequest) => Promise<DirectorySourceFixture> {
  return async ({ seeds, pageSize }) => {
    const dir = await mkdtemp(join(tmpdir(), `seatsync-file-contract-${style}-`));
    const format = style === 'csv' ? 'csv' : 'ldif';
    const path = join(dir, `directory.${format}`);
    const text = style === 'csv' ? csvOf(seeds) : style === 'ldif-openldap' ? openLdapOf(seeds) : activeDirectoryOf(seeds);
    await writeFile(path, text, 'utf8');
    const config: FileSourceConfig = { kind: 'file', name: `contract-${style}`, path, format, schedule: null, fullEveryMs: 86_400_000 };
    const ids = new Map(seeds.map((seed) => [seed.username, seedId(seed)]));
    return {
      source: createSource(config, silentLogger(), { file: { pageSize } }),
      pageSize,
      createdAt: 'as-seeded',
      idOf: (username) => ids.get(username) ?? '(not seeded)',
      groupKey: (name) => normalizeGroupKey(style === 'csv' ? name : groupDn(name)),
      close: () => rm(dir, { recursive: true, force: true }),
    };
  };
}
