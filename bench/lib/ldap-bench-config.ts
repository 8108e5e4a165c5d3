// The seatsync config of the LDAP benchmarks: one OpenLDAP source over LDAPS and two pools chosen by an
// attribute (contractors → extranet, everyone else → primary), sized so that both pools fill up and
// some users of each wait. As objects for in-process runs, and as the YAML file the CLI reads.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LdapSourceConfig, SeatsyncConfig } from '../../src/config/types.ts';
import { ldapConfig } from '../../test/integration/ldap/ldap-test-kit.ts';
import { aConfig } from '../../test/support/config-builder.ts';
import { PEOPLE, type BenchSlapd } from './slapd-fixture.ts';

export const PROFILE_ATTRIBUTES = ['employeeType'];

/** 90% are employees (85% of the users get a seat), 10% contractors (half of them get one). */
function seatsFor(users: number): { primary: number; extranet: number } {
  return { primary: Math.floor(users * 0.85), extranet: Math.floor(users * 0.05) };
}

export function benchLdapSource(slapd: BenchSlapd): LdapSourceConfig {
  return ldapConfig({
    name: 'directory',
    flavor: 'openldap',
    urls: [slapd.ldapsUrl],
    baseDN: PEOPLE,
    bindDN: slapd.readerDn,
    bindPassword: slapd.readerPassword,
    tls: { caFile: slapd.ca.certPath, rejectUnauthorized: true, startTls: false },
  });
}

export function benchLdapConfig(source: LdapSourceConfig, users: number): SeatsyncConfig {
  const seats = seatsFor(users);
  return aConfig({
    sources: [source],
    pools: [
      { name: 'primary', seats: seats.primary, notify: null },
      { name: 'extranet', seats: seats.extranet, notify: null },
    ],
    profiles: [
      { name: 'contractor', when: { attribute: { employeeType: ['contractor'] } }, pools: ['extranet'] },
      { name: 'staff', when: null, pools: ['primary'] },
    ],
  });
}

/**
 * The same setup as a config file for `seatsync` in `dir`; the bind password comes from the
 * environment variable BENCH_LDAP_PASSWORD, as a deployment would pass it.
 */
export function writeBenchLdapYaml(options: { dir: string; slapd: BenchSlapd; users: number; databaseUrl: string }): string {
  const { slapd } = options;
  const seats = seatsFor(options.users);
  const yaml = `database: { url: "${options.databaseUrl}" }
dataDir: ${options.dir}
sources:
  - name: directory
    kind: ldap
    flavor: openldap
    url: ${slapd.ldapsUrl}
    bindDN: ${slapd.readerDn}
    bindPassword: \${BENCH_LDAP_PASSWORD}
    tls: { ca: ${slapd.ca.certPath} }
    baseDN: ${PEOPLE}
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
  const path = join(options.dir, 'seatsync.yaml');
  writeFileSync(path, yaml);
  return path;
}
