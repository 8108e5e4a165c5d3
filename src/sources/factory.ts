// Builds the DirectorySource for a configured source: the one place that knows every adapter. To add a
// source kind: its config type in src/config, an adapter folder here returning a DirectorySource, and a
// case below (the switch is exhaustive, so the compiler lists what is missing).
import type { SeatsyncConfig, SourceConfig } from '../config/types.ts';
import { sourceLogger, type Logger } from '../logging.ts';
import type { DirectorySource } from './directory-source.ts';
import type { EntraSourceOptions } from './entra/entra-source.ts';
import type { FileSourceOptions } from './file/file-source.ts';
import type { LdapSourceOptions } from './ldap/ldap-source.ts';

/**
 * Adapter settings that are not config keys: clocks, retry timings and page sizes that tests shorten.
 * Production passes none; the adapters' defaults apply.
 */
export interface AdapterTuning {
  readonly file?: FileSourceOptions;
  readonly ldap?: Omit<LdapSourceOptions, 'logger'>;
  readonly entra?: Omit<EntraSourceOptions, 'logger'>;
}

/** Each kind's adapter module, imported on first use (see `lazySource`) or ahead of it (`preloadAdapters`). */
const adapterModules = {
  file: () => import('./file/file-source.ts'),
  ldap: () => import('./ldap/ldap-source.ts'),
  entra: () => import('./entra/entra-source.ts'),
} satisfies Record<SourceConfig['kind'], () => Promise<unknown>>;

/** The source's adapter; its log lines carry the source's name (bound here, once: adapters never add it). */
export function createSource(config: SourceConfig, parentLogger: Logger, tuning: AdapterTuning = {}): DirectorySource {
  const logger = sourceLogger(parentLogger, config.name);
  switch (config.kind) {
    case 'file':
      return lazySource(config, async () => (await adapterModules.file()).createFileSource(config, tuning.file));
    case 'ldap':
      return lazySource(config, async () => (await adapterModules.ldap()).createLdapSource(config, { ...tuning.ldap, logger }));
    case 'entra':
      return lazySource(config, async () => (await adapterModules.entra()).createEntraSource(config, { ...tuning.entra, logger }));
    default: {
      const never: never = config;
      throw new Error(`unknown source kind ${(never as SourceConfig).kind}`);
    }
  }
}

/**
 * A source whose adapter module is imported on first use: a command loads only the adapters of the sources
 * it reads (a file source never loads ldapts or the Microsoft identity libraries, tens of MB each; an LDAP
 * one never loads the CSV and LDIF parsers), and none before it reads or a command about to read it asks
 * (`preloadAdapters`). Every member of the port is passed on: `Required` makes a member added to
 * DirectorySource (optional or not) a compile error here until it is forwarded, and test/contract/source-factory.contract.test.ts compares the result with its adapter.
 */
function lazySource(config: SourceConfig, load: () => Promise<DirectorySource>): DirectorySource {
  let loaded: Promise<DirectorySource> | null = null;
  const adapter = (): Promise<DirectorySource> => (loaded ??= load());
  const source: Required<DirectorySource> = {
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
  return source;
}

/**
 * Begins importing the adapters of the named sources (every configured one when `names` is empty) for a
 * command about to read them (`sync`, `check`; the worker reads its sources later, on its first job).
 * Started before the command connects to the database, the import (for an Entra source, the identity
 * and Graph libraries) overlaps the connection instead of delaying the first read, and with it the run
 * (BENCHMARKS.md, "Before and after, back to back, through the CLI (2026-12-07 07:38–08:05 UTC…)",
 * its Entra delta). A failed import is reported by the source's first
 * use.
 */
export function preloadAdapters(config: SeatsyncConfig, names: readonly string[]): void {
  for (const source of config.sources) {
    if (names.length === 0 || names.includes(source.name)) adapterModules[source.kind]().catch(() => undefined);
  }
}

/** A factory by name over the config, for runs that pick sources by name. */
export function createSourceFactory(config: SeatsyncConfig, logger: Logger, tuning: AdapterTuning = {}): (name: string) => DirectorySource {
  return (name) => {
    const sourceConfig = config.sources.find((s) => s.name === name);
    if (!sourceConfig) throw new Error(`unknown source ${name}`);
    return createSource(sourceConfig, logger, tuning);
  };
}
