// A sync as `seatsync sync` runs it (every source of the config, built through the source factory, with
// the emails' and the targets' hooks the config asks for), with its log kept: the report, the log lines,
// and how the first source's allocation ran (the `allocation` of its 'sync finished' line).
import { runHooksFor } from '../../src/run-hooks.ts';
import { repositoriesOf } from '../../src/store/repositories.ts';
import { createLogger } from '../../src/logging.ts';
import { createSourceFactory } from '../../src/sources/factory.ts';
import type { Database } from '../../src/store/db.ts';
import type { SeatsyncConfig } from '../../src/config/types.ts';
import { runSync, type RunSyncOptions, type SyncReport } from '../../src/sync/run-sync.ts';
import type { SyncDeps } from '../../src/sync/sync-source.ts';
import { capturedLog, logLines, type LogLine } from './log-lines.ts';

/**
 * What a test's sync does otherwise than `seatsync sync` with no flags: the flags (`sources` default every
 * source, `dryRun`, `allowRemovals`, `forceFull` default false, `trigger` default `test`; `planHeld` as
 * `check` asks for it), the slice size,
 * a fixed clock (`now`, default the real one), sources of the test's own instead of the factory's, and
 * hooks instead of the product's.
 */
export type TestSyncOptions = Partial<Pick<RunSyncOptions, 'sources' | 'dryRun' | 'planHeld' | 'allowRemovals' | 'forceFull' | 'trigger' | 'allocationSlice'>> &
  Partial<Pick<SyncDeps, 'createSource' | 'notifier'>> & { readonly now?: number };

export async function syncWithAllocation(
  db: Database,
  config: SeatsyncConfig,
  options: TestSyncOptions = {},
): Promise<{ report: SyncReport; allocation: unknown; lines: LogLine[] }> {
  const log = capturedLog();
  const logger = createLogger({ level: 'info', destination: log.destination });
  const { now, createSource, notifier, ...flags } = options;
  const hooks = notifier ?? runHooksFor(config, repositoriesOf(db).outbox);
  const report = await runSync(
    { db, config, logger, createSource: createSource ?? createSourceFactory(config, logger), ...(hooks ? { notifier: hooks } : {}) },
    { sources: [], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'test', ...flags, ...(now === undefined ? {} : { now: () => now }) },
  );
  const lines = logLines(log.text());
  return { report, allocation: lines.find((entry) => entry.msg === 'sync finished')?.['allocation'], lines };
}
