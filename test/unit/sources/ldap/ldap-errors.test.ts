import {
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  SizeLimitExceededError,
  StrongAuthRequiredError,
  UnwillingToPerformError,
} from 'ldapts';
import { describe, expect, it } from 'vitest';

import { SourceError } from '../../../../src/sources/directory-source.ts';
import { classifyLdapError, toSourceError } from '../../../../src/sources/ldap/ldap-errors.ts';

const nodeError = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classifyLdapError', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['bad credentials', new InvalidCredentialsError('80090308: LdapErr: DSID-0C09044E'), 'auth', /invalid credentials: 80090308/],
    ['missing base', new NoSuchObjectError(), 'not-found', /no such object/],
    ['no rights', new InsufficientAccessError(), 'permission', /insufficient access/],
    ['signing required', new StrongAuthRequiredError(), 'tls', /ldaps:\/\/ or StartTLS/],
    ['size limit', new SizeLimitExceededError(), 'protocol', /size limit/],
    ['unwilling', new UnwillingToPerformError(), 'protocol', /unwilling/],
    ['name mismatch', nodeError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), 'tls', /name mismatch/],
    ['unknown CA', nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls', /not trusted/],
    ['self-signed', nodeError('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls', /not trusted/],
    ['expired', nodeError('CERT_HAS_EXPIRED'), 'tls', /not valid now/],
    ['plain port', nodeError('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls', /handshake failed/],
    ['refused', nodeError('ECONNREFUSED'), 'connect', /connection refused/],
    ['dns', nodeError('ENOTFOUND'), 'connect', /host name not found/],
    ['connect timeout', new Error('Connection timeout'), 'connect', /timed out/],
    ['op timeout', new Error('SearchRequest: Operation timed out'), 'connect', /operation timeout/],
    ['lost', new Error('Connection closed before message response was received. Message type: SearchRequest (0x63)'), 'connect', /connection lost/],
    ['other', new Error('something odd'), 'protocol', /something odd/],
  ])('%s', (_, error, code, detail) => {
    const failure = classifyLdapError(error);
    expect(failure.code).toBe(code);
    expect(failure.detail).toMatch(detail);
  });
});

describe('toSourceError', () => {
  it('names the URL and the DN in the message', () => {
    const auth = toSourceError('corp', new InvalidCredentialsError(''), { url: 'ldaps://dc1:636', operation: 'bind', dn: 'svc@corp.test' });
    expect(auth).toBeInstanceOf(SourceError);
    expect(auth).toMatchObject({ code: 'auth', source: 'corp' });
    expect(auth.message).toBe('corp: bind as svc@corp.test to ldaps://dc1:636 failed: invalid credentials');
    const missing = toSourceError('corp', new NoSuchObjectError(''), { url: 'ldaps://dc1:636', operation: 'search', dn: 'OU=Gone,DC=corp' });
    expect(missing.message).toBe('corp: OU=Gone,DC=corp not found on ldaps://dc1:636 (no such object)');
  });

  it('passes SourceErrors through unchanged', () => {
    const original = new SourceError('corp', 'tls', 'x');
    expect(toSourceError('corp', original, { url: 'u', operation: 'connect' })).toBe(original);
  });
});
