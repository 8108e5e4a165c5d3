// The DirectorySource contract against OpenLDAP: each fixture is a private slapd seeded offline, so
// entryUUID and createTimestamp are the seeds' own.
import { normalizeDn } from '../../../src/domain/names.ts';
import { createSource } from '../../../src/sources/factory.ts';
import { silentLogger } from '../../../src/logging.ts';
import {
  CONTRACT_GROUPS,
  describeDirectorySourceContract,
  type DirectorySourceFixture,
  type FixtureRequest,
  type SeedUser,
} from '../../contract/directory-source.contract.ts';
import { ldifEntry, startOpenLdap } from '../../support/openldap.ts';
import { formatGeneralizedTime } from '../../../src/sources/directory-values.ts';

import { ldapConfig } from './ldap-test-kit.ts';

const SUFFIX = 'dc=contract,dc=test';
const PEOPLE = `ou=people,${SUFFIX}`;
const groupDn = (name: string): string => `cn=${name},ou=groups,${SUFFIX}`;
const userDn = (seed: SeedUser): string => `uid=${seed.username},${PEOPLE}`;

function seedLdif(seeds: readonly SeedUser[]): string {
  const entries = seeds.map((seed, index) => {
    const stamp = formatGeneralizedTime(seed.createdAt);
    return ldifEntry(userDn(seed), {
      objectClass: 'inetOrgPerson',
      uid: seed.username,
      cn: seed.displayName,
      sn: seed.username,
      mail: seed.email,
      entryUUID: seed.externalId ?? `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      createTimestamp: stamp,
      modifyTimestamp: stamp,
      ...(seed.enabled ? {} : { pwdAccountLockedTime: '000001010000Z' }),
      ...(seed.attributes ?? {}),
    });
  });
  for (const name of Object.values(CONTRACT_GROUPS)) {
    const members = seeds.filter((seed) => seed.groups.includes(name)).map(userDn);
    // groupOfNames needs a member; a group nobody is in is a posixGroup, as many directories have.
    entries.push(
      members.length > 0
        ? ldifEntry(groupDn(name), { objectClass: 'groupOfNames', cn: name, member: members })
        : ldifEntry(groupDn(name), { objectClass: 'posixGroup', cn: name, gidNumber: '7000' }),
    );
  }
  return entries.join('');
}

async function openLdapFixture(request: FixtureRequest): Promise<DirectorySourceFixture> {
  const server = await startOpenLdap({ suffix: SUFFIX, seedLdif: seedLdif(request.seeds) });
  const source = createSource(
    ldapConfig({
      name: 'contract-openldap',
      flavor: 'openldap',
      urls: [server.ldapsUrl],
      baseDN: PEOPLE,
      bindDN: server.readerDn,
      bindPassword: server.readerPassword,
      tls: { caFile: server.ca.certPath, rejectUnauthorized: true, startTls: false },
      pageSize: request.pageSize,
      // Disabled seeds carry a permanent ppolicy lock.
      disabled: { kind: 'attribute-value', attribute: 'pwdAccountLockedTime', values: ['000001010000Z'] },
    }),
    silentLogger(),
  );
  const ids = new Map(request.seeds.map((seed) => [seed.username, seed.externalId ?? '']));
  return {
    source,
    pageSize: request.pageSize,
    idOf: (username) => ids.get(username) ?? '',
    groupKey: (name) => normalizeDn(groupDn(name)),
    createdAt: 'as-seeded',
    close: () => server.stop(),
  };
}

describeDirectorySourceContract('ldap (OpenLDAP slapd)', openLdapFixture);
