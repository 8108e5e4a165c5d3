// Maps what ldapts and Node's sockets throw to SourceErrors whose `code` says what kind of failure it
// is, and whose message names the URL or DN involved. Secrets never reach a message.
import { ResultCodeError } from 'ldapts';

import { SourceError, type SourceErrorCode } from '../directory-source.ts';

export type LdapOperation = 'connect' | 'starttls' | 'bind' | 'search';

export interface LdapFailureContext {
  readonly url: string;
  readonly operation: LdapOperation;
  /** The DN the operation was about: the bind DN for a bind, the base DN for a search. */
  readonly dn?: string;
}

export interface LdapFailure {
  readonly code: SourceErrorCode;
  /** What went wrong, without the URL: "connection refused (ECONNREFUSED)". */
  readonly detail: string;
}

const UNTRUSTED_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
]);

const SOCKET_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EPIPE: 'connection closed by the server',
};

/** LDAP result codes (RFC 4511 §4.1.9 and AD's) → failure kind. */
const RESULT_CODES: Readonly<Record<number, { code: SourceErrorCode; detail: string }>> = {
  3: { code: 'protocol', detail: 'server time limit exceeded (raise timeLimitSeconds, or narrow the filter)' },
  4: {
    code: 'protocol',
    detail: 'server size limit exceeded (allow paged searches past it, e.g. OpenLDAP `limits … size.prtotal=unlimited`)',
  },
  8: { code: 'tls', detail: 'the server requires a protected connection (use ldaps:// or StartTLS)' },
  11: { code: 'protocol', detail: 'server administrative limit exceeded (lower pageSize)' },
  13: { code: 'tls', detail: 'the server requires a protected connection (use ldaps:// or StartTLS)' },
  32: { code: 'not-found', detail: 'no such object' },
  34: { code: 'not-found', detail: 'invalid DN syntax' },
  48: { code: 'auth', detail: 'inappropriate authentication (empty password?)' },
  49: { code: 'auth', detail: 'invalid credentials' },
  50: { code: 'permission', detail: 'insufficient access rights' },
  51: { code: 'connect', detail: 'server busy' },
  52: { code: 'connect', detail: 'server unavailable' },
  53: { code: 'protocol', detail: 'server unwilling to perform' },
};

export function classifyLdapError(error: unknown): LdapFailure {
  if (error instanceof SourceError) return { code: error.code, detail: error.message };
  if (error instanceof ResultCodeError) {
    const known = RESULT_CODES[error.code];
    const serverText = error.message.replace(/\s*Code: 0x[\da-f]+$/i, '').trim();
    if (known) return { code: known.code, detail: serverText ? `${known.detail}: ${serverText}` : known.detail };
    return { code: 'protocol', detail: `LDAP result ${error.code}: ${serverText}` };
  }
  const nodeCode = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (nodeCode === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { code: 'tls', detail: `certificate name mismatch (${message})` };
  }
  if (nodeCode && UNTRUSTED_CERT_CODES.has(nodeCode)) {
    return { code: 'tls', detail: `certificate not trusted (${nodeCode}); set tls.ca to the CA that issued it` };
  }
  if (nodeCode === 'CERT_HAS_EXPIRED' || nodeCode === 'CERT_NOT_YET_VALID') {
    return { code: 'tls', detail: `certificate not valid now (${nodeCode})` };
  }
  if (nodeCode && (nodeCode.startsWith('ERR_SSL_') || nodeCode.startsWith('ERR_TLS_'))) {
    return { code: 'tls', detail: `TLS handshake failed (${nodeCode}: ${message})` };
  }
  if (nodeCode && SOCKET_CODES[nodeCode]) return { code: 'connect', detail: `${SOCKET_CODES[nodeCode]} (${nodeCode})` };
  if (/Connection timeout/i.test(message)) return { code: 'connect', detail: 'connect timed out' };
  if (/Operation timed out/i.test(message)) return { code: 'connect', detail: 'no answer within the operation timeout' };
  if (/Socket error|Connection closed|socket hang up|Socket connection not established/i.test(message)) {
    return { code: 'connect', detail: `connection lost (${oneLine(message)})` };
  }
  return { code: 'protocol', detail: oneLine(message) };
}

/** A SourceError naming the URL (and DN) of the failed operation. */
export function toSourceError(sourceName: string, error: unknown, context: LdapFailureContext): SourceError {
  if (error instanceof SourceError) return error;
  const failure = classifyLdapError(error);
  return new SourceError(sourceName, failure.code, describeFailure(failure, context), { cause: error });
}

export function describeFailure(failure: LdapFailure, context: LdapFailureContext): string {
  const { url, operation, dn } = context;
  switch (failure.code) {
    case 'connect':
      return `cannot reach ${url}: ${failure.detail}`;
    case 'tls':
      return `TLS with ${url} failed: ${failure.detail}`;
    case 'auth':
      return `bind as ${dn ?? '(anonymous)'} to ${url} failed: ${failure.detail}`;
    case 'not-found':
      return `${dn ?? 'entry'} not found on ${url} (${failure.detail})`;
    case 'permission':
      return `${operation} of ${dn ?? 'entry'} on ${url} refused: ${failure.detail}`;
    default:
      return `${operation}${dn ? ` of ${dn}` : ''} on ${url} failed: ${failure.detail}`;
  }
}

function errorCode(error: unknown): string | null {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error as { code: unknown };
    if (typeof code === 'string') return code;
  }
  return null;
}

function oneLine(message: string): string {
  return message.split('\n').map((line) => line.trim()).filter(Boolean).join(' ');
}
