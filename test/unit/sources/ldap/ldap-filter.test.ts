import { FilterParser } from 'ldapts';
import { describe, expect, it } from 'vitest';

import {
  andFilter,
  equalityFilter,
  filterProblem,
  greaterOrEqualFilter,
  groupClassFilter,
  inChainMemberOfFilter,
  orFilter,
  parenthesize,
} from '../../../../src/sources/ldap/ldap-filter.ts';

describe('LDAP filters', () => {
  it('escapes RFC 4515 specials in values placed in filters', () => {
    expect(equalityFilter('cn', 'R&D (Team) *\\x')).toBe('(cn=R&D \\28Team\\29 \\2a\\5cx)');
    expect(greaterOrEqualFilter('modifyTimestamp', '20240101000000Z')).toBe('(modifyTimestamp>=20240101000000Z)');
  });

  it('builds the in-chain filter with the DN escaped, and ldapts parses it back to the same DN', () => {
    const dn = 'CN=R&D (Team) *,OU=Groups,DC=corp,DC=test';
    const filter = inChainMemberOfFilter(dn);
    expect(filter).toBe('(memberOf:1.2.840.113556.1.4.1941:=CN=R&D \\28Team\\29 \\2a,OU=Groups,DC=corp,DC=test)');
    const parsed = FilterParser.parseString(filter) as unknown as { matchType: string; rule: string; value: string };
    expect(parsed).toMatchObject({ matchType: 'memberOf', rule: '1.2.840.113556.1.4.1941', value: dn });
  });

  it('keeps DN escapes (\\,) as literal backslashes in the value', () => {
    const parsed = FilterParser.parseString(inChainMemberOfFilter('CN=Doe\\, John,DC=x')) as unknown as { value: string };
    expect(parsed.value).toBe('CN=Doe\\, John,DC=x');
  });

  it('refuses attribute names that could smuggle filter syntax', () => {
    expect(() => equalityFilter('cn)(uid=*', 'x')).toThrow(/invalid attribute name/);
    expect(equalityFilter('cn;lang-en', 'x')).toBe('(cn;lang-en=x)');
  });

  it('combines filters, adding parentheses an administrator left out', () => {
    expect(parenthesize('department=*')).toBe('(department=*)');
    expect(andFilter('(objectClass=user)', null, undefined, ' ', 'department=*')).toBe('(&(objectClass=user)(department=*))');
    expect(andFilter('(a=1)')).toBe('(a=1)');
    expect(andFilter()).toBe('(objectClass=*)');
    expect(orFilter(['(a=1)'])).toBe('(a=1)');
    expect(groupClassFilter()).toBe('(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))');
  });

  it('reports filters that do not parse', () => {
    expect(filterProblem('(cn=a(b)')).toMatch(/Illegal unescaped character/);
    expect(filterProblem('(&(a=1)))')).toMatch(/Unbalanced/);
    expect(filterProblem('(objectClass=user)')).toBeNull();
  });
});
