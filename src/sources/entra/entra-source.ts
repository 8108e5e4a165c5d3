// The Microsoft Entra ID source: users from Microsoft Graph (@microsoft/microsoft-graph-client) signed in
// with @azure/identity (client secret or certificate), full reads and users/delta incremental reads.
import type { EntraSourceConfig } from '../../config/types.ts';
import { silentLogger, type Logger } from '../../logging.ts';
import type { DirectorySource } from '../directory-source.ts';
import { checkEntra } from './entra-check.ts';
import { readEntra } from './entra-read.ts';
import type { EntraDeps } from './entra-session.ts';
import { createCredential } from './graph-connection.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-middleware.ts';

export interface EntraSourceOptions {
  readonly logger?: Logger;
  /** Retries of throttled and failed requests; defaults in DEFAULT_RETRY_POLICY (8 attempts, 5 min total wait). */
  readonly retry?: Partial<RetryPolicy>;
  /** An incremental read with more changes than this becomes a full read, to bound memory. Default 50000. */
  readonly maxBufferedChanges?: number;
  /** Clock in epoch ms (tests of `fullEvery`). Default Date.now. */
  readonly now?: () => number;
}

export function createEntraSource(given: EntraSourceConfig, options: EntraSourceOptions = {}): DirectorySource {
  // Object ids compare case-insensitively; Graph writes them in lowercase.
  const config: EntraSourceConfig = { ...given, group: given.group?.trim().toLowerCase() ?? null };
  const logger = (options.logger ?? silentLogger()).child({ kind: 'entra' });
  const deps: EntraDeps = {
    config,
    credential: createCredential(config),
    policy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    logger,
    errors: { source: config.name, config },
    maxBufferedChanges: options.maxBufferedChanges ?? 50_000,
    nowMs: options.now ?? Date.now,
  };
  return {
    name: config.name,
    kind: 'entra',
    read: (readOptions) => readEntra(deps, readOptions),
    check: async (checkOptions) => ({ report: await checkEntra(deps, checkOptions) }),
    // Nothing is pooled per source: fetch and node:https keep-alive sockets close on their own.
    close: async () => {},
  };
}
