// The Entra side of the emulator: tenant discovery (OpenID metadata, instance discovery), the OAuth2
// client-credentials token endpoint with secrets or certificate assertions, and the errors Entra gives
// (AADSTS90002 tenant not found, AADSTS700016 unknown app, AADSTS7000215 bad secret, AADSTS700027 bad
// certificate, AADSTS500011 unknown resource).
import { constants, createHmac, randomBytes, randomUUID, verify, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from './http-util.ts';

export interface AppRegistration {
  readonly clientId: string;
  readonly secrets: Set<string>;
  /** Registered certificates by hex SHA-1 and hex SHA-256 thumbprint. */
  readonly certificates: Map<string, X509Certificate>;
  /** Granted application permissions (app roles), e.g. `User.Read.All`. */
  readonly roles: Set<string>;
}

export interface AccessTokenInfo {
  readonly clientId: string;
  readonly audience: string;
  readonly expiresAtMs: number;
}

const DEFAULT_ROLES = ['User.Read.All', 'GroupMember.Read.All', 'Mail.Send'];

export class AuthEndpoints {
  readonly tenantId: string;
  readonly apps = new Map<string, AppRegistration>();
  private readonly tokens = new Map<string, AccessTokenInfo>();
  private readonly signingKey = randomBytes(32);
  /** Login origin (authority host). */
  private readonly origin: () => string;
  /** The Graph origin: the only resource tokens are issued for. */
  private readonly resource: () => string;
  tokenLifetimeSeconds = 3599;

  constructor(options: { tenantId: string; origin: () => string; resource: () => string }) {
    this.tenantId = options.tenantId.toLowerCase();
    this.origin = options.origin;
    this.resource = options.resource;
  }

  registerApp(init: { clientId?: string; secret?: string; certificatePem?: string; roles?: readonly string[] }): AppRegistration {
    const app: AppRegistration = {
      clientId: init.clientId ?? randomUUID(),
      secrets: new Set(init.secret ? [init.secret] : []),
      certificates: new Map(),
      roles: new Set(init.roles ?? DEFAULT_ROLES),
    };
    if (init.certificatePem) this.addCertificate(app, init.certificatePem);
    this.apps.set(app.clientId.toLowerCase(), app);
    return app;
  }

  addCertificate(app: AppRegistration, certificatePem: string): void {
    const cert = new X509Certificate(certificatePem);
    for (const fingerprint of [cert.fingerprint, cert.fingerprint256]) app.certificates.set(fingerprint.replaceAll(':', '').toLowerCase(), cert);
  }

  /** Returns the token's details, or null when unknown or expired. */
  checkAccessToken(token: string): AccessTokenInfo | null {
    const info = this.tokens.get(token);
    return info && info.expiresAtMs > Date.now() ? info : null;
  }

  /** Handles `/{tenant}/…` and `/common/discovery/instance`; false when the path is not an auth path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const parts = url.pathname.split('/').filter((part) => part !== '');
    if (parts[0] === 'common' && parts[1] === 'discovery' && parts[2] === 'instance') {
      sendJson(res, 200, this.instanceDiscovery());
      return true;
    }
    const [tenant, ...rest] = parts;
    const path = rest.join('/');
    if (tenant === undefined || (path !== 'v2.0/.well-known/openid-configuration' && path !== 'oauth2/v2.0/token')) return false;
    if (tenant.toLowerCase() !== this.tenantId) {
      sendJson(res, 400, aadError('invalid_tenant', 90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`));
      return true;
    }
    if (path === 'oauth2/v2.0/token' && req.method === 'POST') await this.token(req, res);
    else if (path === 'v2.0/.well-known/openid-configuration' && req.method === 'GET') sendJson(res, 200, this.openIdConfiguration());
    else sendJson(res, 405, aadError('invalid_request', 900561, 'The endpoint only accepts POST requests.'));
    return true;
  }

  private openIdConfiguration(): object {
    const base = `${this.origin()}/${this.tenantId}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${this.origin()}/${this.tenantId}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'emulator.test',
      msgraph_host: new URL(this.resource()).host,
    };
  }

  private instanceDiscovery(): object {
    const host = new URL(this.origin()).host;
    return {
      tenant_discovery_endpoint: `${this.origin()}/${this.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  }

  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    if (form.get('grant_type') !== 'client_credentials') {
      sendJson(res, 400, aadError('unsupported_grant_type', 70003, 'The app requested an unsupported grant type.'));
      return;
    }
    const clientId = form.get('client_id') ?? '';
    const app = this.apps.get(clientId.toLowerCase());
    if (!app) {
      sendJson(res, 400, aadError('unauthorized_client', 700016,
        `Application with identifier '${clientId}' was not found in the directory '${this.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`));
      return;
    }
    const failure = this.authenticateClient(app, form);
    if (failure) {
      sendJson(res, 401, failure);
      return;
    }
    const audience = this.resourceOf(form.get('scope') ?? '');
    if (audience === null) {
      sendJson(res, 400, aadError('invalid_resource', 500011,
        `The resource principal named ${form.get('scope')} was not found in the tenant named ${this.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`));
      return;
    }
    const accessToken = this.issueToken(app.clientId, audience);
    sendJson(res, 200, { token_type: 'Bearer', expires_in: this.tokenLifetimeSeconds, ext_expires_in: this.tokenLifetimeSeconds, access_token: accessToken });
  }

  /** The only resource here is the emulator's own Graph: `https://127.0.0.1:PORT/.default`. */
  private resourceOf(scope: string): string | null {
    const resource = scope.trim().replace(/\/\.default$/, '').replace(/\/$/, '');
    return scope.trim().endsWith('/.default') && resource === this.resource() ? resource : null;
  }

  private authenticateClient(app: AppRegistration, form: URLSearchParams): object | null {
    const secret = form.get('client_secret');
    if (secret !== null) {
      return app.secrets.has(secret) ? null : aadError('invalid_client', 7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`);
    }
    const assertion = form.get('client_assertion');
    if (assertion !== null && form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return this.checkAssertion(app, assertion);
    }
    return aadError('invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }

  private checkAssertion(app: AppRegistration, assertion: string): object | null {
    const [headerPart = '', payloadPart = '', signaturePart = ''] = assertion.split('.');
    const header = parseJwtPart(headerPart);
    const payload = parseJwtPart(payloadPart);
    const thumbprintB64 = header?.['x5t#S256'] ?? header?.x5t;
    const thumbprint = typeof thumbprintB64 === 'string' ? Buffer.from(thumbprintB64, 'base64url').toString('hex') : '';
    const cert = app.certificates.get(thumbprint);
    if (!header || !payload || !cert) {
      return aadError('invalid_client', 700027,
        `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint.toUpperCase()}']`);
    }
    const pss = header.alg === 'PS256';
    const signed = verify('sha256', Buffer.from(`${headerPart}.${payloadPart}`),
      { key: cert.publicKey, ...(pss ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO } : {}) },
      Buffer.from(signaturePart, 'base64url'));
    const expected = `${this.origin()}/${this.tenantId}/oauth2/v2.0/token`;
    const timely = typeof payload.exp === 'number' && payload.exp * 1000 > Date.now();
    if (!signed || payload.iss !== app.clientId || payload.sub !== app.clientId || payload.aud !== expected || !timely) {
      return aadError('invalid_client', 700027, 'Client assertion failed signature validation.');
    }
    return null;
  }

  private issueToken(clientId: string, audience: string): string {
    const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256' })).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + this.tokenLifetimeSeconds;
    const body = Buffer.from(JSON.stringify({ aud: audience, tid: this.tenantId, appid: clientId, exp, jti: randomUUID() })).toString('base64url');
    const signature = createHmac('sha256', this.signingKey).update(`${header}.${body}`).digest('base64url');
    const token = `${header}.${body}.${signature}`;
    this.tokens.set(token, { clientId, audience, expiresAtMs: exp * 1000 });
    return token;
  }
}

function parseJwtPart(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Entra's OAuth2 error body: `AADSTSnnnn: …` in the description, the number in `error_codes`. */
export function aadError(error: string, code: number, description: string): object {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
  return {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}
