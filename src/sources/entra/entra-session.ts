// Per-source state (credential, policy) and per-read sessions (a Graph client with its own counters).
import type { TokenCredential } from '@azure/identity';
import type { EntraSourceConfig } from '../../config/types.ts';
import type { Logger } from '../../logging.ts';
import { authError, diagnoseDiscovery, type ErrorScope } from './entra-errors.ts';
import { GraphApi } from './graph-api.ts';
import { createGraphClient, graphScope } from './graph-connection.ts';
import { emptyStats, type RequestStats, type RetryPolicy } from './retry-middleware.ts';

export interface EntraDeps {
  readonly config: EntraSourceConfig;
  readonly credential: TokenCredential;
  readonly policy: RetryPolicy;
  readonly logger: Logger;
  readonly errors: ErrorScope;
  readonly maxBufferedChanges: number;
  readonly nowMs: () => number;
}

export interface Session {
  readonly api: GraphApi;
  readonly stats: RequestStats;
}

export function openSession(deps: EntraDeps, signal?: AbortSignal): Session {
  const stats = emptyStats();
  const client = createGraphClient({ config: deps.config, credential: deps.credential, policy: deps.policy, stats, logger: deps.logger });
  return { api: new GraphApi(client, signal), stats };
}

/**
 * Gets a token before the first Graph call, so that a bad tenant, app, secret or certificate is reported
 * as such (inside the Graph client the same failure would surface as a generic request error). The
 * credential caches the token for the Graph calls that follow.
 */
export async function authenticate(deps: EntraDeps, signal?: AbortSignal): Promise<void> {
  try {
    await deps.credential.getToken(graphScope(deps.config), signal ? { abortSignal: signal } : {});
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
    if (!/AADSTS\d+/.test(text) && /endpoints_resolution_error|CredentialUnavailableError/.test(text)) {
      throw await diagnoseDiscovery(deps.errors, error);
    }
    throw authError(deps.errors, error);
  }
}

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Group keys of the run that name Entra groups (object ids). Others (LDAP DNs or names meant for another
 * source, since profiles are shared) cannot match an Entra user and are left out.
 */
export function splitGroupKeys(keys: readonly string[]): { ids: string[]; ignored: string[] } {
  const ids = new Set<string>();
  const ignored: string[] = [];
  for (const key of keys) {
    const id = key.trim().toLowerCase();
    if (OBJECT_ID.test(id)) ids.add(id);
    else ignored.push(key);
  }
  return { ids: [...ids], ignored };
}
