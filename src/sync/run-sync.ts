// A sync of several sources, one after the other, each in its own run and transaction (a dry run: each
// planned after the ones before it, all rolled back; see syncSources).
import type { SeatsyncConfig } from '../config/types.ts';
import { sourceLogger } from '../logging.ts';
import { repositoriesOf } from '../store/repositories.ts';
import { poolViews, type PoolView } from './status.ts';
import { syncSources, type SourceRunResult, type SyncSourcesDeps, type SyncSourcesOptions } from './sync-source.ts';

export interface SyncReport {
  readonly runs: SourceRunResult[];
  /** Seat usage after the runs (for a dry run: as they would have left it). */
  readonly pools: PoolView[];
}

export type RunSyncDeps = SyncSourcesDeps;

export type RunSyncOptions = Omit<SyncSourcesOptions, 'onRun'> & {
  /** Sources to sync, in order; empty: every configured source. */
  readonly sources: readonly string[];
};

/** The configured pools of a plan's view, in config order (the shape `poolViews` returns). */
function configuredPools(config: SeatsyncConfig, views: readonly PoolView[]): PoolView[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  return config.pools.map((p) => byName.get(p.name) ?? { name: p.name, seats: p.seats, used: 0, available: p.seats, waiting: 0 });
}

export async function runSync(deps: RunSyncDeps, options: RunSyncOptions): Promise<SyncReport> {
  const { sources, ...rest } = options;
  const names = sources.length > 0 ? sources : deps.config.sources.map((s) => s.name);
  const runs = await syncSources(deps, names, { ...rest, onRun: (result) => afterRun(deps, result) });
  // The last run's allocation already counted the pools as it left them. A dry run: the last one planned,
  // since the held and failed ones after it were rolled back (a held run's plan with planHeld included).
  const last = options.dryRun ? (runs.findLast((r) => r.outcome === 'planned')?.poolsAfter ?? null) : (runs.at(-1)?.poolsAfter ?? null);
  const pools = last !== null ? configuredPools(deps.config, last) : await poolsIfReachable(deps, runs);
  return { runs, pools };
}

/** The notifier's look at the source's health; its failure (the database gone too) must not hide the run's report. */
async function afterRun(deps: RunSyncDeps, result: SourceRunResult): Promise<void> {
  if (result.runId === null || !deps.notifier?.afterRun) return;
  try {
    await deps.notifier.afterRun(deps.db, { runId: result.runId, source: result.source, now: Date.now() });
  } catch (error) {
    sourceLogger(deps.logger, result.source).warn({ err: error, runId: result.runId }, 'could not check whether the source is failing for the failure email');
  }
}

/** The stored pools; none when the database is gone and a run failed already (its report matters more). */
async function poolsIfReachable(deps: RunSyncDeps, runs: readonly SourceRunResult[]): Promise<PoolView[]> {
  try {
    return await poolViews(repositoriesOf(deps.db), deps.config);
  } catch (error) {
    if (!runs.some((r) => r.status === 'failed')) throw error;
    deps.logger.warn({ err: error }, 'the pools could not be read after a failed run');
    return [];
  }
}
