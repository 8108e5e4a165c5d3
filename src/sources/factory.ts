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

/** Imports a kind's adapter module (once; later calls share the import). */
export function loadAdapter(kind: SourceConfig['kind']): Promise<unknown> {
  return adapterModules[kind]();
}

/**
 * The source's adapter; its log lines carry the source's name (bound here, once: adapters never add it).
 * A run reads it on a thread of its own when its kind is read there and no tuning hook (a test's clock,
 * which cannot cross to another thread) is given for it.
 */
export function createSource(config: SourceConfig, parentLogger: Logger, tuning: AdapterTuning = {}): DirectorySource {
  const source = adapterSource(config, sourceLogger(parentLogger, config.name), tuning);
  if (KINDS_READ_ON_THREAD.has(config.kind) && tuning[config.kind] === undefined) readsOnThread.set(source, config);
  return source;
}

function adapterSource(config: SourceConfig, logger: Logger, tuning: AdapterTuning): DirectorySource {
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
 * Kinds a run reads on a thread of its own (sync/read-thread.ts): decoding a directory's answers is CPU
 * work, done there while the run's thread stages and classifies. A file is read where the run is; an
 * Entra read waits on the network.
 */
export const KINDS_READ_ON_THREAD: ReadonlySet<SourceConfig['kind']> = new Set(['ldap']);

/** Sources whose runs read them on a thread of their own, with the config the thread builds them from. */
const readsOnThread = new WeakMap<DirectorySource, SourceConfig>();

/**
 * The config to build `source` from on a thread of its own, for a run's read: set for an LDAP source
 * built here (the thread builds its own from the config); undefined for other kinds and for sources not
 * built by this factory, which a run reads in its own thread.
 */
export function threadConfigOf(source: DirectorySource): SourceConfig | undefined {
  return readsOnThread.get(source);
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
 * command about to use them (`sync`, `check`; the worker reads its sources later, on its first job).
 * Started before the command connects to the database, the import (for an Entra source, the identity
 * and Graph libraries) overlaps the connection instead of delaying the first read, and with it the run
 * (BENCHMARKS.md, "The Entra delta's run in-process"). A failed import is reported by the source's first
 * use. `reading`: the command only reads the sources, so the kinds read on a thread of their own
 * (`KINDS_READ_ON_THREAD`) are imported there, not here.
 */
export function preloadAdapters(config: SeatsyncConfig, names: readonly string[], options: { readonly reading?: boolean } = {}): void {
  for (const source of selectedSources(config, names)) {
    if (options.reading !== true || !KINDS_READ_ON_THREAD.has(source.kind)) loadAdapter(source.kind).catch(() => undefined);
  }
}

/** The named sources (every configured one when `names` is empty), in config order. */
export function selectedSources(config: SeatsyncConfig, names: readonly string[]): SourceConfig[] {
  return config.sources.filter((source) => names.length === 0 || names.includes(source.name));
}

/** A factory by name over the config, for runs that pick sources by name. */
export function createSourceFactory(config: SeatsyncConfig, logger: Logger, tuning: AdapterTuning = {}): (name: string) => DirectorySource {
  return (name) => {
    const sourceConfig = config.sources.find((s) => s.name === name);
    if (!sourceConfig) throw new Error(`unknown source ${name}`);
    return createSource(sourceConfig, logger, tuning);
  };
}
