// The seatsync config of the LDAP benchmarks: one OpenLDAP source, over plain LDAP or LDAPS, and two
// pools chosen by an attribute (contractors → extranet, everyone else → primary), sized so that both
// pools fill up and some users of each wait. Written as the YAML file the CLI reads; the source's
// settings as the config loader gives them, for the ldapsearch floor.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LdapSourceConfig } from '../../src/config/types.ts';
import { ldapConfig } from '../../test/integration/ldap/ldap-test-kit.ts';
import { PEOPLE, type BenchSlapd } from './slapd-fixture.ts';

export const PROFILE_ATTRIBUTES = ['employeeType'];

export type Transport = 'ldap' | 'ldaps';
export const TRANSPORTS: readonly Transport[] = ['ldap', 'ldaps'];

/** 90% are employees (85% of the users get a seat), 10% contractors (half of them get one). */
function seatsFor(users: number): { primary: number; extranet: number } {
  return { primary: Math.floor(users * 0.85), extranet: Math.floor(users * 0.05) };
}

const urlOf = (slapd: BenchSlapd, transport: Transport): string => (transport === 'ldaps' ? slapd.ldapsUrl : slapd.ldapUrl);

/** The source as the config file below describes it (for ldapsearch's arguments). */
export function benchLdapSource(slapd: BenchSlapd, transport: Transport): LdapSourceConfig {
  return ldapConfig({
    name: 'directory',
    flavor: 'openldap',
    urls: [urlOf(slapd, transport)],
    baseDN: PEOPLE,
    bindDN: slapd.readerDn,
    bindPassword: slapd.readerPassword,
    tls: { caFile: transport === 'ldaps' ? slapd.ca.certPath : null, rejectUnauthorized: true, startTls: false },
  });
}

/**
 * The setup as a config file for `seatsync` in `dir`. The database URL and the bind password come from
 * the environment (BENCH_DATABASE_URL, BENCH_LDAP_PASSWORD), as a deployment would pass them, so one
 * file serves every round's fresh database.
 */
export function writeBenchLdapYaml(options: { dir: string; slapd: BenchSlapd; users: number; transport: Transport }): string {
  const { slapd, transport } = options;
  const seats = seatsFor(options.users);
  const yaml = `database: { url: "\${BENCH_DATABASE_URL}" }
dataDir: ${options.dir}
sources:
  - name: directory
    kind: ldap
    flavor: openldap
    url: ${urlOf(slapd, transport)}
    bindDN: ${slapd.readerDn}
    bindPassword: \${BENCH_LDAP_PASSWORD}
${transport === 'ldaps' ? `    tls: { ca: ${slapd.ca.certPath} }\n` : ''}    baseDN: ${PEOPLE}
    schedule: off
pools:
  primary: { seats: ${seats.primary} }
  extranet: { seats: ${seats.extranet} }
profiles:
  - name: contractor
    when: { attribute: { employeeType: contractor } }
    pools: [extranet]
  - name: staff
    pools: [primary]
`;
  const path = join(options.dir, `seatsync-${transport}.yaml`);
  writeFileSync(path, yaml);
  return path;
}

/** The environment of a CLI run against `databaseUrl`. */
export function benchLdapEnv(slapd: BenchSlapd, databaseUrl: string): NodeJS.ProcessEnv {
  return { BENCH_LDAP_PASSWORD: slapd.readerPassword, BENCH_DATABASE_URL: databaseUrl };
}
