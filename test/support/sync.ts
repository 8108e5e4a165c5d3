// A sync as `seatsync sync` runs it (every source of the config, built through the source factory), with
// its log kept: the report, the log lines, and how the first source's allocation ran (the `allocation` of
// its 'sync finished' line).
import { createLogger, silentLogger } from '../../src/logging.ts';
import { createSourceFactory } from '../../src/sources/factory.ts';
import type { Database } from '../../src/store/db.ts';
import type { SeatsyncConfig } from '../../src/config/types.ts';
import { runSync, type SyncReport } from '../../src/sync/run-sync.ts';
import { capturedLog, logLines, type LogLine } from './log-lines.ts';

export async function syncWithAllocation(
  db: Database,
  config: SeatsyncConfig,
  options: { readonly now?: number; readonly allocationSlice?: number } = {},
): Promise<{ report: SyncReport; allocation: unknown; lines: LogLine[] }> {
  const log = capturedLog();
  const { now, allocationSlice } = options;
  const report = await runSync(
    { db, config, logger: createLogger({ level: 'info', destination: log.destination }), createSource: createSourceFactory(config, silentLogger()) },
    {
      sources: [], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'test',
      ...(now === undefined ? {} : { now: () => now }), ...(allocationSlice === undefined ? {} : { allocationSlice }),
    },
  );
  const lines = logLines(log.text());
  return { report, allocation: lines.find((entry) => entry.msg === 'sync finished')?.['allocation'], lines };
}
