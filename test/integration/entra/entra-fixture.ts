// Shared setup of the Entra integration tests: a Graph emulator trusted by this process, an app
// registration, a source config pointing at it, and helpers to drain a read.
import { stringify } from 'yaml';
import { parseConfigText } from '../../../src/config/index.ts';
import type { EntraSourceConfig } from '../../../src/config/types.ts';
import type { DirectorySource, SourceItem, SourceReader, SourceReadOptions, SourceReadOutcome } from '../../../src/sources/directory-source.ts';
import type { EntraSourceOptions } from '../../../src/sources/entra/entra-source.ts';
import { createSource } from '../../../src/sources/factory.ts';
import { silentLogger } from '../../../src/logging.ts';
import type { DirectoryUser } from '../../../src/domain/types.ts';
import { startGraphEmulator, trustEmulatorCa, type AppRegistration, type GraphEmulator } from '../../support/graph-emulator/index.ts';

export const SECRET = 'emulator-secret-value';
export const DAY_MS = 24 * 60 * 60 * 1000;

export interface EntraFixture {
  readonly emulator: GraphEmulator;
  readonly app: AppRegistration;
  config(overrides?: Partial<EntraSourceConfig>): EntraSourceConfig;
  source(overrides?: Partial<EntraSourceConfig>, options?: EntraSourceOptions): DirectorySource;
  close(): Promise<void>;
}

export async function startEntraFixture(): Promise<EntraFixture> {
  const emulator = await startGraphEmulator();
  trustEmulatorCa(emulator.tls.caPem);
  const app = emulator.registerApp({ secret: SECRET });
  const sources: DirectorySource[] = [];
  // As the config loader makes it from what a user writes, so every other setting is the product's default.
  const entry = { name: 'entra', kind: 'entra', tenantId: emulator.tenantId, clientId: app.clientId, clientSecret: SECRET, cloud: { graph: emulator.graphUrl, login: emulator.loginUrl } };
  const text = stringify({ sources: [entry], pools: { primary: { seats: 1 } }, profiles: [{ name: 'staff', pools: ['primary'] }] });
  const [loaded] = parseConfigText(text, { file: 'seatsync.yaml', env: {} }).config.sources;
  if (loaded?.kind !== 'entra') throw new Error(`the config loader made a ${String(loaded?.kind)} source of an Entra entry`);
  const config = (overrides: Partial<EntraSourceConfig> = {}): EntraSourceConfig => ({ ...loaded, ...overrides });
  return {
    emulator,
    app,
    config,
    source: (overrides, options = {}) => {
      // Built from config through the factory, as the CLI and the worker build it. Fast retries: the tests
      // assert that retries happen, not how long the production backoff is.
      const { logger, ...tuning } = options;
      const entra = { ...tuning, retry: { backoffBaseMs: 10, backoffMaxMs: 50, ...options.retry } };
      const source = createSource(config(overrides), logger ?? silentLogger(), { entra });
      sources.push(source);
      return source;
    },
    close: async () => {
      for (const source of sources) await source.close();
      await emulator.close();
    },
  };
}

export function readOptions(overrides: Partial<SourceReadOptions> = {}): SourceReadOptions {
  return { cursor: null, forceFull: false, groupsOfInterest: [], attributes: [], ...overrides };
}

export interface Drained {
  readonly pages: number;
  readonly items: SourceItem[];
  readonly users: DirectoryUser[];
  readonly deleted: string[];
  readonly outcome: SourceReadOutcome;
}

export async function drain(reader: SourceReader): Promise<Drained> {
  const items: SourceItem[] = [];
  let pages = 0;
  for (;;) {
    const next = await reader.next();
    if (next.done) {
      return {
        pages,
        items,
        users: items.flatMap((item) => (item.kind === 'user' ? [item.user] : [])),
        deleted: items.flatMap((item) => (item.kind === 'deleted' ? [item.externalId] : [])),
        outcome: next.value,
      };
    }
    pages += 1;
    items.push(...next.value.items);
  }
}

/** Adds `count` plain users named `${prefix}{i}@corp.test`. */
export function seedUsers(emulator: GraphEmulator, count: number, prefix = 'user'): string[] {
  return emulator.directory.addUsers(count, (i) => ({
    userPrincipalName: `${prefix}${i}@corp.test`,
    mail: `${prefix}${i}@corp.test`,
    displayName: `${prefix} ${i}`,
  }));
}
