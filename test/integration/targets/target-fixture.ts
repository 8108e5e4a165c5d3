// A seatsync deployment provisioning a scimmy-based SCIM application over HTTPS with a test CA: a CSV
// directory, a PostgreSQL database, and the config file users write. Runs go through the same
// composition as `seatsync sync` (sources from the factory, the emails' and targets' hooks chained,
// then a delivery pass); tests that are about the CLI run the process itself.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.ts';
import type { SeatsyncConfig } from '../../../src/config/types.ts';
import { silentLogger } from '../../../src/logging.ts';
import { deliverNotifications } from '../../../src/notify/deliver-configured.ts';
import { followConfig } from '../../../src/notify/delivery-channels.ts';
import { openDatabase, type Database } from '../../../src/store/db.ts';
import { migrate } from '../../../src/store/migrations.ts';
import { repositoriesOf } from '../../../src/store/repositories.ts';
import type { SyncReport } from '../../../src/sync/run-sync.ts';
import { aConfigYaml, aCsvFile, type CsvPerson } from '../../support/config-builder.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import { SCIM_TOKEN, TestScimServer } from '../../support/scim/scim-server.ts';
import { syncWithAllocation } from '../../support/sync.ts';
import { createTestCa, type TestCa } from '../../support/test-ca.ts';

export interface TargetFixture {
  readonly dir: string;
  readonly ca: TestCa;
  readonly scim: TestScimServer;
  readonly csv: { path: string; write(people: readonly CsvPerson[]): void };
  readonly configPath: string;
  readonly db: Database;
  config(): Promise<SeatsyncConfig>;
  /** Rewrites the config file's targets / seats (YAML lines under `targets:`); the next pass uses new channels. */
  writeConfig(options: { readonly seats?: number; readonly targets?: string }): void;
  sync(): Promise<SyncReport>;
  deliver(): ReturnType<typeof deliverNotifications>;
  close(): Promise<void>;
}

export function scimTargetYaml(scim: TestScimServer, ca: TestCa, extra: Record<string, string> = {}): string {
  const lines = [`  - name: app`, `    kind: scim`, `    url: ${scim.url}`, `    token: ${SCIM_TOKEN}`, `    tls: { ca: ${ca.certPath} }`];
  for (const [key, value] of Object.entries(extra)) lines.push(`    ${key}: ${value}`);
  return lines.join('\n');
}

export async function startTargetFixture(options: {
  readonly people: readonly CsvPerson[];
  readonly seats: number;
  readonly targetExtra?: Record<string, string>;
  /** The `targets:` entries instead of the SCIM one (given the CA, e.g. to start a webhook receiver). */
  readonly targets?: (ca: TestCa, scim: TestScimServer) => Promise<string>;
}): Promise<TargetFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-targets-'));
  const ca = await createTestCa(join(dir, 'ca'));
  const scim = await TestScimServer.start(ca);
  const csv = aCsvFile(options.people);
  const database = await createPostgresDatabase();
  const db = await openDatabase({ url: database.url, dataDir: 'unused' });
  await migrate(db);
  const configPath = join(dir, 'seatsync.yaml');
  // The config is read again after each rewrite, as the worker's watch does; delivery passes keep their
  // transport and targets (connections, tokens) until it changes, as in the worker.
  let loaded: SeatsyncConfig | null = null;
  const writeConfig = (o: { seats?: number; targets?: string }): void => {
    loaded = null;
    writeFileSync(
      configPath,
      aConfigYaml({
        databaseUrl: database.url,
        sources: { hr: csv.path },
        seats: { primary: o.seats ?? options.seats },
        policy: { maxRemovals: '100%' },
        extra: `targets:\n${o.targets ?? scimTargetYaml(scim, ca, options.targetExtra)}`,
      }),
    );
  };
  const targets = options.targets === undefined ? undefined : await options.targets(ca, scim);
  writeConfig(targets === undefined ? {} : { targets });
  const config = async (): Promise<SeatsyncConfig> => (loaded ??= await loadConfig({ path: configPath }));
  const channels = followConfig(() => loaded!, silentLogger());
  return {
    dir, ca, scim, csv, configPath, db, config, writeConfig,
    async sync() {
      return (await syncWithAllocation(db, await config())).report;
    },
    async deliver() {
      await config();
      return channels.use((c) => deliverNotifications({ channels: c, outbox: repositoriesOf(db).outbox, logger: silentLogger() }));
    },
    async close() {
      await channels.close();
      await scim.close();
      await db.close();
      await database.drop();
    },
  };
}

/** The application's view of seatsync's users: userName → active. */
export function appUsers(scim: TestScimServer): Record<string, boolean> {
  return Object.fromEntries([...scim.store.users.values()].map((u) => [u.userName, u.active]).sort(([a], [b]) => String(a).localeCompare(String(b))));
}

/** Makes every pending target row due now (a retry's backoff, in tests that do not wait for it). */
export async function makeDue(db: Database): Promise<void> {
  await db.query(`UPDATE outbox SET next_attempt_at = now() - interval '1 second' WHERE status = 'pending' AND target IS NOT NULL`);
}
