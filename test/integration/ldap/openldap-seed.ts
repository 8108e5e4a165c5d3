// The directory the OpenLDAP integration tests read: 1,700 people (past the 500-entry size limit), two
// of them locked; nested groups three levels deep with a cycle; a 1,600-member group; a posixGroup; a
// scope group; a quiet OU for incremental reads; and entries that must be skipped.
import { ldifEntry, SEED_TIMESTAMP } from '../../support/openldap.ts';

import { pad } from './ldap-test-kit.ts';

export const SUFFIX = 'dc=example,dc=test';
export const PEOPLE = `ou=people,${SUFFIX}`;
export const GROUPS = `ou=groups,${SUFFIX}`;
export const STAFF = `ou=staff,${SUFFIX}`;
export const DELTA = `ou=delta,${SUFFIX}`;
export const ODD = `ou=odd,${SUFFIX}`;

export const PEOPLE_COUNT = 1_700;
export const BIG_GROUP_SIZE = 1_600;
export const DELTA_COUNT = 20;
export const LOCKED = ['p0001', 'p0002'];

export const personDn = (uid: string, ou = PEOPLE): string => `uid=${uid},${ou}`;
export const groupDn = (cn: string): string => `cn=${cn},${GROUPS}`;

const stamps = { createTimestamp: SEED_TIMESTAMP, modifyTimestamp: SEED_TIMESTAMP };

function person(uid: string, ou: string, extra: Record<string, string> = {}): string {
  return ldifEntry(personDn(uid, ou), {
    objectClass: 'inetOrgPerson',
    uid,
    cn: `Person ${uid}`,
    sn: uid,
    mail: `${uid}@example.test`,
    ...stamps,
    ...extra,
  });
}

function groupOfNames(cn: string, members: readonly string[]): string {
  return ldifEntry(groupDn(cn), { objectClass: 'groupOfNames', cn, member: members, ...stamps });
}

export function openLdapSeed(): string {
  const parts: string[] = [];
  for (const ou of ['staff', 'delta', 'odd']) {
    parts.push(ldifEntry(`ou=${ou},${SUFFIX}`, { objectClass: 'organizationalUnit', ou, ...stamps }));
  }
  for (let n = 0; n < PEOPLE_COUNT; n += 1) {
    const uid = `p${pad(n)}`;
    // A permanent lock (ppolicy): the openldap flavor's default disabled rule.
    parts.push(person(uid, PEOPLE, LOCKED.includes(uid) ? { pwdAccountLockedTime: '000001010000Z' } : {}));
  }
  for (let n = 0; n < DELTA_COUNT; n += 1) parts.push(person(`d${pad(n, 3)}`, DELTA));
  parts.push(person('odd-with-id', ODD, { employeeNumber: 'E-100' }), person('odd-without-id', ODD));

  // top ∋ mid ∋ leaf ∋ mid: three levels with a cycle between the last two.
  parts.push(groupOfNames('top', [personDn('p0010'), groupDn('mid')]));
  parts.push(groupOfNames('mid', [personDn('p0011'), groupDn('leaf')]));
  parts.push(
    ldifEntry(groupDn('leaf'), { objectClass: 'groupOfUniqueNames', cn: 'leaf', uniqueMember: [personDn('p0012'), groupDn('mid')], ...stamps }),
  );
  parts.push(ldifEntry(groupDn('posix'), { objectClass: 'posixGroup', cn: 'posix', gidNumber: '5000', memberUid: ['p0013', 'p0014'], ...stamps }));
  parts.push(groupOfNames('big', Array.from({ length: BIG_GROUP_SIZE }, (_, n) => personDn(`p${pad(n)}`))));
  parts.push(groupOfNames('scope', [groupDn('top'), personDn('p0020')]));
  parts.push(groupOfNames('deltagroup', [personDn('d000', DELTA)]));
  return parts.join('');
}
