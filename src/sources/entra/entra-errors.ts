// Maps @azure/identity and Microsoft Graph failures to SourceErrors that say what to fix.
import type { EntraSourceConfig } from '../../config/types.ts';
import { SourceError } from '../directory-source.ts';
import { trimSlash } from './graph-connection.ts';
import { NETWORK_ERROR, THROTTLED_ERROR, TLS_ERROR } from './retry-middleware.ts';

export interface ErrorScope {
  readonly source: string;
  readonly config: EntraSourceConfig;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).slice(0, 400);
}

/** Maps a failed token request. Entra's answer names the problem with an `AADSTSnnnn` code. */
export function authError(scope: ErrorScope, error: unknown): SourceError {
  const { source, config } = scope;
  const message = messageOf(error);
  const aadsts = /AADSTS(\d+)/.exec(message)?.[1];
  const fail = (code: 'auth' | 'connect' | 'tls', text: string): SourceError => new SourceError(source, code, text, { cause: error });
  switch (aadsts) {
    case '90002':
      return fail('auth', `tenant "${config.tenantId}" was not found at ${config.cloud.login} (AADSTS90002): check tenantId, and that cloud is the tenant's cloud`);
    case '700016':
      return fail('auth', `application (client id) "${config.clientId}" was not found in tenant ${config.tenantId} (AADSTS700016): check clientId, and that the app registration is in this tenant`);
    case '7000215':
      return fail('auth', 'the client secret was rejected (AADSTS7000215): set clientSecret to the secret\'s Value (not its Secret ID) from the app registration\'s "Certificates & secrets" page');
    case '7000222':
      return fail('auth', 'the client secret has expired (AADSTS7000222): create a new secret in the app registration and update clientSecret');
    case '700027':
    case '700024':
      return fail('auth', `the certificate was rejected (AADSTS${aadsts}): upload the certificate in ${certificateName(config)} to the app registration ("Certificates & secrets"), or point certificatePath at the registered one`);
    case '500011':
      return fail('auth', `the tenant does not know the resource ${graphOf(config)} (AADSTS500011): check cloud.graph`);
    case undefined:
      break;
    default:
      return fail('auth', `authentication failed (AADSTS${aadsts}): ${firstLine(message)}`);
  }
  if (/ENOENT|EACCES|no such file|PEM|certificate/i.test(message) && config.credential.kind === 'certificate') {
    return fail('auth', `cannot use the certificate file ${config.credential.certificatePath}: ${firstLine(message)} (it must hold the PEM private key and certificate)`);
  }
  return fail('auth', `authentication failed: ${firstLine(message)}`);
}

/** When MSAL only says "endpoints_resolution_error", ask the tenant's OpenID metadata ourselves for the reason. */
export async function diagnoseDiscovery(scope: ErrorScope, error: unknown): Promise<SourceError> {
  const { source, config } = scope;
  const url = `${trimSlash(config.cloud.login)}/${encodeURIComponent(config.tenantId)}/v2.0/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  } catch (probeError) {
    const cause = (probeError as { cause?: { code?: string; message?: string } }).cause;
    const detail = `${cause?.code ?? ''} ${cause?.message ?? messageOf(probeError)}`.trim();
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/i.test(detail)) {
      return new SourceError(source, 'tls', `the certificate of ${config.cloud.login} is not trusted (${detail}): add its CA with NODE_EXTRA_CA_CERTS`, { cause: error });
    }
    return new SourceError(source, 'connect', `cannot reach the login host ${config.cloud.login} (${detail}): check cloud.login and the network`, { cause: error });
  }
  const body = await response.text().catch(() => '');
  if (/AADSTS\d+/.test(body)) return authError(scope, new Error(body, { cause: error }));
  return new SourceError(source, 'auth',
    `cannot read the tenant's OpenID metadata at ${url} (HTTP ${response.status}): check tenantId and cloud.login`, { cause: error });
}

/** What a Graph call was for, so that its failure can say so. */
export interface CallScope {
  /** e.g. "list users", "members of scope group 6b1c…". */
  readonly what: string;
  /** Graph application permission the call needs. */
  readonly permission: 'User.Read.All' | 'GroupMember.Read.All';
  /** Message for a 404 (e.g. the group does not exist); absent: a 404 is a protocol error. */
  readonly notFound?: string;
}

interface GraphErrorLike {
  readonly statusCode?: number;
  readonly code?: string | null;
  readonly message?: string;
}

export function graphError(scope: ErrorScope, call: CallScope, error: unknown): SourceError {
  if (error instanceof SourceError) return error;
  const { source, config } = scope;
  const e = (typeof error === 'object' && error !== null ? error : {}) as GraphErrorLike;
  const status = e.statusCode ?? -1;
  const code = e.code ?? '';
  const message = firstLine(e.message ?? messageOf(error));
  const fail = (kind: SourceError['code'], text: string): SourceError => new SourceError(source, kind, text, { cause: error });
  if (code === THROTTLED_ERROR) return fail('throttled', `${call.what}: ${message}; nothing was applied, the run can be retried later`);
  if (code === NETWORK_ERROR) return fail('connect', `${call.what}: cannot reach Microsoft Graph at ${graphOf(config)}: ${message}`);
  if (code === TLS_ERROR) return fail('tls', `${call.what}: the certificate of ${graphOf(config)} is not trusted (${message}): add its CA with NODE_EXTRA_CA_CERTS`);
  if (/AuthenticationRequiredError|CredentialUnavailableError|AuthenticationError/.test(code)) return authError(scope, error);
  if (status === 401) return fail('auth', `${call.what}: Graph refused the access token (${code}: ${message}); check that cloud.graph and cloud.login belong to the same cloud`);
  if (status === 403) {
    return fail('permission', `${call.what}: the app lacks the Microsoft Graph application permission ${call.permission} (${code || 'HTTP 403'}): add it under "API permissions" of app ${config.clientId} and grant admin consent`);
  }
  if (status === 404 && call.notFound) return fail('not-found', call.notFound);
  return fail('protocol', `${call.what}: Graph answered ${status > 0 ? `HTTP ${status}` : 'with an error'}${code ? ` ${code}` : ''}: ${message}`);
}

/** A delta link that can no longer be used: the caller starts over with a full read. */
export function isDeltaReset(error: unknown): boolean {
  const e = (typeof error === 'object' && error !== null ? error : {}) as GraphErrorLike;
  return e.statusCode === 410 || /^(syncStateNotFound|syncStateInvalid|resyncRequired)$/i.test(e.code ?? '');
}

function graphOf(config: EntraSourceConfig): string {
  return trimSlash(config.cloud.graph);
}

function certificateName(config: EntraSourceConfig): string {
  return config.credential.kind === 'certificate' ? config.credential.certificatePath : 'the configured certificate';
}
