// The Authorization header of SCIM requests: a fixed bearer token, or an OAuth 2.0 client-credentials
// token (RFC 6749 §4.4) fetched from `tokenUrl` and kept until shortly before it expires.
import type { ScimTargetConfig } from '../../config/types.ts';
import { DeliveryError } from '../../notify/transports/transport.ts';
import { statusError, type HttpClient } from '../http-request.ts';

/** A token is renewed this long before its `expires_in` runs out, in ms (clock skew, slow requests). */
const RENEW_BEFORE_MS = 60_000;
/** Lifetime assumed when the token endpoint gives no `expires_in`, in ms. */
const DEFAULT_LIFETIME_MS = 5 * 60_000;

export interface ScimAuth {
  header(): Promise<string>;
  /** Forget a cached token (the server refused it). */
  reset(): void;
}

export function scimAuth(auth: ScimTargetConfig['auth'], http: HttpClient, now: () => number = Date.now): ScimAuth {
  if (auth.kind === 'token') return { header: () => Promise.resolve(`Bearer ${auth.token}`), reset: () => undefined };
  let cached: { value: string; until: number } | null = null;
  // Requests sent at once share one token request.
  let fetching: Promise<string> | null = null;
  const fetchToken = async (): Promise<string> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret });
    if (auth.scope !== null) form.set('scope', auth.scope);
    const res = await http.request({
      method: 'POST', url: auth.tokenUrl, body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    });
    if (res.status === 400 || res.status === 401) {
      throw new DeliveryError(`OAuth token endpoint refused the client credentials (HTTP ${res.status})`, { code: 'auth', retryable: true });
    }
    if (res.status < 200 || res.status >= 300) throw statusError('OAuth token request', res);
    const body = parseToken(res.body);
    const lifetimeMs = body.expiresInSeconds === null ? DEFAULT_LIFETIME_MS : body.expiresInSeconds * 1000;
    cached = { value: `Bearer ${body.accessToken}`, until: now() + Math.max(0, lifetimeMs - RENEW_BEFORE_MS) };
    return cached.value;
  };
  return {
    reset: () => {
      cached = null;
    },
    header: async () => {
      if (cached !== null && cached.until > now()) return cached.value;
      fetching ??= fetchToken().finally(() => {
        fetching = null;
      });
      return fetching;
    },
  };
}

function parseToken(text: string): { accessToken: string; expiresInSeconds: number | null } {
  try {
    const body = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token === 'string' && body.access_token !== '') {
      return { accessToken: body.access_token, expiresInSeconds: typeof body.expires_in === 'number' ? body.expires_in : null };
    }
  } catch {
    // reported below
  }
  throw new DeliveryError('OAuth token endpoint answered without an access_token', { code: 'auth', retryable: true });
}
