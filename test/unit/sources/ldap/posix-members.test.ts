// posixGroup memberUid values as the directory compares them: uids case-insensitively (RFC 4519 `uid`
// is caseIgnoreMatch), and DNs, which some directories store there, as member DNs.
import { describe, expect, it } from 'vitest';
import { posixMembers, posixUidKey } from '../../../../src/sources/ldap/group-expander.ts';

describe('posixMembers', () => {
  it('keeps uids in lower case and tells DNs apart', () => {
    expect(posixMembers(['merizzia', ' MerizziA ', 'uid=Jdoe,ou=People,dc=example,dc=test', '2.5.4.3=x,dc=test', '', 'jo.doe'])).toEqual({
      uids: ['merizzia', 'merizzia', 'jo.doe'],
      dns: ['uid=Jdoe,ou=People,dc=example,dc=test', '2.5.4.3=x,dc=test'],
    });
  });

  it('matches a user uid of any case', () => {
    const { uids } = posixMembers(['merizzia']);
    expect(uids).toContain(posixUidKey('MerizziA'));
  });
});
