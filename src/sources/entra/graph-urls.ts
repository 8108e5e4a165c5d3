// The Graph URLs an app registration is used with, apart from graph-connection.ts so that the Graph mail
// transport can name them without loading @azure/identity (a large import, else paid at every command's start).
import type { EntraSourceConfig } from '../../config/types.ts';

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** `https://graph.microsoft.com/.default`: the app's granted application permissions on that Graph. */
export function graphScope(config: EntraSourceConfig): string {
  return `${trimSlash(config.cloud.graph)}/.default`;
}
