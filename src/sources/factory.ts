// Builds the DirectorySource for a configured source: the one place that knows every adapter.
import type { SeatsyncConfig, SourceConfig } from '../config/types.ts';
import type { Logger } from '../logging.ts';
import type { DirectorySource } from './directory-source.ts';
import { createFileSource } from './file/file-source.ts';

export function createSource(config: SourceConfig, logger: Logger): DirectorySource {
  switch (config.kind) {
    case 'file':
      return createFileSource(config);
    case 'ldap':
      return lazySource(config, async () => (await import('./ldap/ldap-source.ts')).createLdapSource(config, { logger }));
    case 'entra':
      return lazySource(config, async () => (await import('./entra/entra-source.ts')).createEntraSource(config, { logger }));
    default: {
      const never: never = config;
      throw new Error(`unknown source kind ${(never as SourceConfig).kind}`);
    }
  }
}

/**
 * A source whose adapter module is imported on first use: a command that syncs a file source never loads
 * ldapts or the Microsoft identity libraries (tens of MB each).
 */
function lazySource(config: SourceConfig, load: () => Promise<DirectorySource>): DirectorySource {
  let loaded: Promise<DirectorySource> | null = null;
  const adapter = (): Promise<DirectorySource> => (loaded ??= load());
  return {
    name: config.name,
    kind: config.kind,
    async *read(options) {
      return yield* (await adapter()).read(options);
    },
    async check(options) {
      return (await adapter()).check(options);
    },
    async close() {
      if (loaded) await (await loaded).close();
    },
  };
}

/** A factory by name over the config, for runs that pick sources by name. */
export function createSourceFactory(config: SeatsyncConfig, logger: Logger): (name: string) => DirectorySource {
  return (name) => {
    const sourceConfig = config.sources.find((s) => s.name === name);
    if (!sourceConfig) throw new Error(`unknown source ${name}`);
    return createSource(sourceConfig, logger.child({ source: name }));
  };
}
