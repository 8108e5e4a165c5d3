// The one entry point of a sync, for every caller (`seatsync sync` and `check`, the worker's sync job, the
// tests and benchmarks): the sources named (none: every configured one), one after the other, each in its
// own run and transaction, the notifier told of each run as it ends; a dry run plans each after the ones
// before it, all rolled back (sync-source.ts `planInTurn`). Returns the runs and the pools they leave.
import type { SeatsyncConfig } from '../config/types.ts';
import { sourceLogger } from '../logging.ts';
import { repositoriesOf } from '../store/repositories.ts';
import { poolViews, type PoolView } from './status.ts';
import type { SyncProgress } from './read-source.ts';
import { planInTurn, syncSource, type SourceRunResult, type SyncDeps, type SyncSourceOptions } from './sync-source.ts';

export interface SyncReport {
  readonly runs: SourceRunResult[];
  /** Seat usage after the runs (for a dry run: as they would have left it). */
  readonly pools: PoolView[];
}

export type RunSyncOptions = Omit<SyncSourceOptions, 'onProgress' | 'forceFull'> & {
  /** Sources to sync, in order; empty: every configured source. */
  readonly sources: readonly string[];
  /** Every source read in full, or those named (`seatsync check`'s, which count their users from the read). */
  readonly forceFull: boolean | ReadonlySet<string>;
  readonly onProgress?: (source: string, progress: SyncProgress) => void;
};

/** The configured pools of a plan's view, in config order (the shape `poolViews` returns). */
function configuredPools(config: SeatsyncConfig, views: readonly PoolView[]): PoolView[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  return config.pools.map((p) => byName.get(p.name) ?? { name: p.name, seats: p.seats, used: 0, available: p.seats, waiting: 0 });
}

export async function runSync(deps: SyncDeps, options: RunSyncOptions): Promise<SyncReport> {
  const { sources, onProgress, forceFull, ...rest } = options;
  const names = sources.length > 0 ? sources : deps.config.sources.map((s) => s.name);
  const optionsFor = (name: string): SyncSourceOptions => ({
    ...rest,
    forceFull: typeof forceFull === 'boolean' ? forceFull : forceFull.has(name),
    ...(onProgress ? { onProgress: (p: SyncProgress) => onProgress(name, p) } : {}),
  });
  const runs = options.dryRun ? await planInTurn(deps, names.map((name) => ({ name, options: optionsFor(name) }))) : await syncEach(deps, names, optionsFor);
  // The last run's allocation already counted the pools as it left them. A dry run: the last one planned,
  // since the held and failed ones after it were rolled back (a held run's plan with planHeld included).
  const last = options.dryRun ? (runs.findLast((r) => r.outcome === 'planned')?.poolsAfter ?? null) : (runs.at(-1)?.poolsAfter ?? null);
  const pools = last !== null ? configuredPools(deps.config, last) : await poolsIfReachable(deps, runs);
  return { runs, pools };
}

/** Each source's run applied before the next source is read, the notifier told of it as it ends. */
async function syncEach(deps: SyncDeps, names: readonly string[], optionsFor: (name: string) => SyncSourceOptions): Promise<SourceRunResult[]> {
  const runs: SourceRunResult[] = [];
  for (const name of names) {
    const run = await syncSource(deps, name, optionsFor(name));
    runs.push(run);
    await afterRun(deps, run);
  }
  return runs;
}

/** The notifier's look at the source's health; its failure (the database gone too) must not hide the run's report. */
async function afterRun(deps: SyncDeps, result: SourceRunResult): Promise<void> {
  if (result.runId === null || !deps.notifier?.afterRun) return;
  try {
    await deps.notifier.afterRun(deps.db, { runId: result.runId, source: result.source, now: Date.now() });
  } catch (error) {
    sourceLogger(deps.logger, result.source).warn({ err: error, runId: result.runId }, 'could not check whether the source is failing for the failure email');
  }
}

/** The stored pools; none when the database is gone and a run failed already (its report matters more). */
async function poolsIfReachable(deps: SyncDeps, runs: readonly SourceRunResult[]): Promise<PoolView[]> {
  try {
    return await poolViews(repositoriesOf(deps.db), deps.config);
  } catch (error) {
    if (!runs.some((r) => r.status === 'failed')) throw error;
    deps.logger.warn({ err: error }, 'the pools could not be read after a failed run');
    return [];
  }
}
