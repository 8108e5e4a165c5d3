import { describe, expect, it } from 'vitest';
import {
  collectAttributes,
  collectGroupsOfInterest,
  dnHasSuffix,
  matchProfile,
  matchRule,
} from '../../../src/domain/profiles.ts';
import type { MatchRule, Profile } from '../../../src/domain/types.ts';
import { aUser } from '../../support/builders.ts';

const PARTNERS = 'cn=partners,ou=groups,dc=corp,dc=example,dc=test';
const ADMINS = 'cn=it admins,ou=groups,dc=corp,dc=example,dc=test';

describe('matchRule', () => {
  it.each([
    { name: 'memberOf: member of a listed group', rule: { memberOf: [PARTNERS] }, user: { groups: [PARTNERS] }, ok: true },
    { name: 'memberOf: any of several groups', rule: { memberOf: [ADMINS, PARTNERS] }, user: { groups: ['cn=x', PARTNERS] }, ok: true },
    { name: 'memberOf: not a member', rule: { memberOf: [PARTNERS] }, user: { groups: [ADMINS] }, ok: false },
    {
      name: 'memberOf: user groups normalized defensively',
      rule: { memberOf: [ADMINS] },
      user: { groups: ['CN=IT Admins, OU=Groups, DC=corp,DC=example,DC=test'] },
      ok: true,
    },
    { name: 'memberOf: rule values normalized defensively', rule: { memberOf: ['CN=Partners, OU=Groups,DC=corp,DC=example,DC=test'] }, user: { groups: [PARTNERS] }, ok: true },
    { name: 'memberOf: object ids compare case-insensitively', rule: { memberOf: ['6b1c0e2a-aaaa'] }, user: { groups: ['6B1C0E2A-AAAA'] }, ok: true },
    { name: 'memberOf: an empty list accepts nobody', rule: { memberOf: [] }, user: { groups: [PARTNERS] }, ok: false },
    { name: 'dn: below the suffix', rule: { dn: ['ou=a,dc=x'] }, user: { dn: 'CN=U, OU=A,DC=X' }, ok: true },
    { name: 'dn: the suffix itself', rule: { dn: ['ou=a,dc=x'] }, user: { dn: 'ou=a,dc=x' }, ok: true },
    { name: 'dn: only at an RDN boundary', rule: { dn: ['ou=a,dc=x'] }, user: { dn: 'cn=u,ou=ba,dc=x' }, ok: false },
    { name: 'dn: not behind an escaped comma', rule: { dn: ['ou=a,dc=x'] }, user: { dn: 'cn=u\\,ou=a,dc=x' }, ok: false },
    { name: 'dn: after an escaped backslash', rule: { dn: ['ou=a,dc=x'] }, user: { dn: 'cn=u\\\\,ou=a,dc=x' }, ok: true },
    { name: 'dn: elsewhere in the tree', rule: { dn: ['ou=a,dc=x'] }, user: { dn: 'cn=u,ou=a,dc=y' }, ok: false },
    { name: 'dn: a user without a DN', rule: { dn: ['ou=a,dc=x'] }, user: { dn: null }, ok: false },
    { name: 'attribute: case-insensitive name and value', rule: { attribute: { employeeType: ['service'] } }, user: { attributes: { EMPLOYEETYPE: ['Service'] } }, ok: true },
    { name: 'attribute: any accepted value among several', rule: { attribute: { dept: ['a', 'b'] } }, user: { attributes: { dept: ['c', 'B'] } }, ok: true },
    { name: 'attribute: other value', rule: { attribute: { dept: ['a'] } }, user: { attributes: { dept: ['b'] } }, ok: false },
    { name: 'attribute: missing attribute', rule: { attribute: { dept: ['a'] } }, user: { attributes: {} }, ok: false },
    {
      name: 'attribute: every named attribute must match',
      rule: { attribute: { dept: ['a'], site: ['paris'] } },
      user: { attributes: { dept: ['a'], site: ['lyon'] } },
      ok: false,
    },
    {
      name: 'all parts: group and attribute both match',
      rule: { memberOf: [PARTNERS], attribute: { dept: ['a'] } },
      user: { groups: [PARTNERS], attributes: { dept: ['a'] } },
      ok: true,
    },
    {
      name: 'all parts: one part fails',
      rule: { memberOf: [PARTNERS], dn: ['ou=a,dc=x'] },
      user: { groups: [PARTNERS], dn: 'cn=u,ou=b,dc=x' },
      ok: false,
    },
    { name: 'a rule without parts accepts everyone', rule: {}, user: {}, ok: true },
  ])('$name', ({ rule, user, ok }) => {
    expect(matchRule(aUser(user), rule as MatchRule)).toBe(ok);
  });
});

describe('matchProfile', () => {
  const profiles: Profile[] = [
    { name: 'partner', when: { memberOf: [PARTNERS] }, pools: ['extranet'] },
    { name: 'service', when: { attribute: { employeeType: ['service'] } }, pools: [] },
    { name: 'staff', pools: ['primary'] },
  ];

  it('first match wins, in order', () => {
    const user = aUser({ groups: [PARTNERS], attributes: { employeeType: ['service'] } });
    expect(matchProfile(user, profiles)?.name).toBe('partner');
    expect(matchProfile(aUser({ attributes: { employeeType: ['service'] } }), profiles)?.name).toBe('service');
  });

  it('a profile without `when` matches everyone', () => {
    expect(matchProfile(aUser(), profiles)?.name).toBe('staff');
  });

  it('returns null when no profile matches (out of scope)', () => {
    expect(matchProfile(aUser(), profiles.slice(0, 2))).toBeNull();
    expect(matchProfile(aUser(), [])).toBeNull();
  });

  it('accepts config profiles whose `when` is null', () => {
    const config = [{ name: 'all', when: null, pools: ['primary'] }];
    expect(matchProfile(aUser(), config)).toBe(config[0]);
  });
});

describe('dnHasSuffix', () => {
  it('never matches an empty suffix', () => {
    expect(dnHasSuffix('cn=u,dc=x', '')).toBe(false);
  });
});

describe('collectGroupsOfInterest / collectAttributes', () => {
  const profiles = [
    { name: 'a', when: { memberOf: ['CN=Partners, OU=Groups,DC=corp,DC=example,DC=test'], attribute: { employeeType: ['x'] } }, pools: [] },
    { name: 'b', when: { memberOf: [PARTNERS], attribute: { EmployeeType: ['y'], dept: ['z'] } }, pools: [] },
    { name: 'c', pools: [] },
  ];

  it('lists each normalized group of the profiles and of policy.protect once, sorted', () => {
    expect(collectGroupsOfInterest(profiles, { memberOf: [ADMINS] })).toEqual([ADMINS, PARTNERS]);
    expect(collectGroupsOfInterest(profiles, null)).toEqual([PARTNERS]);
    expect(collectGroupsOfInterest([], null)).toEqual([]);
  });

  it('lists each attribute name once (case-insensitively, first spelling), sorted', () => {
    expect(collectAttributes(profiles, { attribute: { costCenter: ['1'] } })).toEqual(['costCenter', 'dept', 'employeeType']);
  });
});
