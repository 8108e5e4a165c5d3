// Builds the @azure/identity credential and the Microsoft Graph client for one Entra source.
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { AuthenticationHandler, Client, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { EntraSourceConfig } from '../../config/types.ts';
import type { Logger } from '../../logging.ts';
import { usesLibrary } from '../library-choice.ts';
import { graphScope, trimSlash } from './graph-urls.ts';
import { NodeHttpHandler } from './node-http-handler.ts';
import { RetryMiddleware, type RequestStats, type RetryPolicy } from './retry-middleware.ts';

/**
 * Login hosts MSAL knows (public and national clouds). For any other host (a proxy, an emulator) instance
 * discovery is turned off: MSAL would otherwise ask https://login.microsoftonline.com/common/discovery/instance
 * whether the host is a valid authority, which fails without internet access and leaks the host name.
 * The tenant's OpenID metadata (`/{tenant}/v2.0/.well-known/openid-configuration`) is still read from it.
 */
const KNOWN_LOGIN_HOSTS = new Set([
  'login.microsoftonline.com', 'login.microsoft.com', 'login.windows.net', 'sts.windows.net',
  'login.microsoftonline.us', 'login.usgovcloudapi.net', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn',
]);

/** Graph hosts the client attaches tokens to by itself; others must be listed as `customHosts`. */
const KNOWN_GRAPH_HOSTS = new Set([
  'graph.microsoft.com', 'graph.microsoft.us', 'dod-graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn', 'canary.graph.microsoft.com',
]);

export { graphScope, trimSlash };

export function createCredential(config: EntraSourceConfig): TokenCredential {
  const authorityHost = trimSlash(config.cloud.login);
  const options = {
    authorityHost,
    disableInstanceDiscovery: !KNOWN_LOGIN_HOSTS.has(new URL(authorityHost).hostname.toLowerCase()),
  };
  const { credential } = config;
  switch (credential.kind) {
    case 'secret':
      return new ClientSecretCredential(config.tenantId, config.clientId, credential.clientSecret, options);
    case 'certificate':
      return new ClientCertificateCredential(config.tenantId, config.clientId, { certificatePath: credential.certificatePath }, options);
  }
}

/**
 * A Graph client whose requests go through the retry middleware counting into `stats`, sent by node:https
 * (by the client's own fetch handler with SEATSYNC_USE_LIBRARY=graph-transport).
 */
export function createGraphClient(options: {
  config: EntraSourceConfig;
  credential: TokenCredential;
  policy: RetryPolicy;
  stats: RequestStats;
  logger: Logger;
}): Client {
  const { config } = options;
  const graph = new URL(trimSlash(config.cloud.graph));
  const authentication = new AuthenticationHandler(
    new TokenCredentialAuthenticationProvider(options.credential, { scopes: [graphScope(config)] }),
  );
  const retry = new RetryMiddleware({ policy: options.policy, stats: options.stats, logger: options.logger });
  authentication.setNext(retry);
  retry.setNext(usesLibrary('graph-transport') ? new HTTPMessageHandler() : new NodeHttpHandler());
  const customHost = KNOWN_GRAPH_HOSTS.has(graph.hostname.toLowerCase()) ? null : graph.hostname.toLowerCase();
  return Client.initWithMiddleware({
    middleware: authentication,
    baseUrl: `${graph.origin}${graph.pathname === '/' ? '' : graph.pathname}/`,
    defaultVersion: 'v1.0',
    ...(customHost ? { customHosts: new Set([customHost]) } : {}),
  });
}
