import { describe, expect, it } from 'vitest';
import { attributeNamer, firstRdnValue, reportedGroups } from '../../../../src/sources/file/group-keys.ts';

describe('firstRdnValue', () => {
  it('returns the value of the first RDN of a normalized DN, null for a plain name', () => {
    expect(firstRdnValue('cn=partners,ou=groups,dc=example,dc=test')).toBe('partners');
    expect(firstRdnValue('cn=smith\\, jones,ou=groups')).toBe('smith\\, jones');
    expect(firstRdnValue('partners')).toBeNull();
  });
});

describe('reportedGroups', () => {
  it('normalizes and de-duplicates the groups written in the file', () => {
    expect(reportedGroups(['CN=Staff, OU=Groups', ' cn=staff,ou=groups ', '', 'Sales'], [])).toEqual(['cn=staff,ou=groups', 'sales']);
  });

  it('answers for a group of interest named by its plain name when the file has its DN', () => {
    expect(reportedGroups(['CN=Partners,OU=Groups,DC=x'], ['partners', 'staff'])).toEqual(['cn=partners,ou=groups,dc=x', 'partners']);
  });

  it('answers for a group of interest named by DN when the file has its plain name', () => {
    expect(reportedGroups(['Partners'], ['cn=partners,ou=groups,dc=x', 'cn=staff,ou=groups,dc=x'])).toEqual([
      'partners',
      'cn=partners,ou=groups,dc=x',
    ]);
  });

  it('reports nothing for a user without groups', () => {
    expect(reportedGroups([''], ['partners'])).toEqual([]);
  });
});

describe('attributeNamer', () => {
  it('uses the configured spelling for names that differ only by case', () => {
    const name = attributeNamer(['employeeType']);
    expect(name('EMPLOYEETYPE')).toBe('employeeType');
    expect(name('department')).toBe('department');
  });
});
