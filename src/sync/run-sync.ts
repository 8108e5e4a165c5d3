// A sync of several sources, one after the other, each in its own run and transaction.
import type { SeatsyncConfig } from '../config/types.ts';
import { sourceLogger } from '../logging.ts';
import type { DirectorySource } from '../sources/directory-source.ts';
import { repositoriesOf } from '../store/repositories.ts';
import { poolViews, type PoolView } from './status.ts';
import { syncSource, type SourceRunResult, type SyncSourceDeps, type SyncSourceOptions } from './sync-source.ts';

export interface SyncReport {
  readonly runs: SourceRunResult[];
  /** Seat usage after the runs (for a dry run: as the last run would have left it). */
  readonly pools: PoolView[];
}

export type RunSyncDeps = Omit<SyncSourceDeps, 'source'> & { readonly createSource: (name: string) => DirectorySource };

export type RunSyncOptions = Omit<SyncSourceOptions, 'onProgress'> & {
  /** Sources to sync, in order; empty: every configured source. */
  readonly sources: readonly string[];
  readonly onProgress?: (source: string, progress: { phase: string; read: number }) => void;
};

/** The configured pools of a plan's view, in config order (the shape `poolViews` returns). */
function configuredPools(config: SeatsyncConfig, views: readonly PoolView[]): PoolView[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  return config.pools.map((p) => byName.get(p.name) ?? { name: p.name, seats: p.seats, used: 0, available: p.seats, waiting: 0 });
}

export async function runSync(deps: RunSyncDeps, options: RunSyncOptions): Promise<SyncReport> {
  const names = options.sources.length > 0 ? options.sources : deps.config.sources.map((s) => s.name);
  const runs: SourceRunResult[] = [];
  for (const name of names) {
    const source = deps.createSource(name);
    try {
      const result = await syncSource({ ...deps, source }, { ...options, onProgress: (p) => options.onProgress?.(name, p) });
      runs.push(result);
      await afterRun(deps, result);
    } finally {
      await source.close().catch((error: unknown) => sourceLogger(deps.logger, name).warn({ err: error }, 'closing the source failed'));
    }
  }
  // The last run's allocation already counted the pools as it left them (a dry run: the last that planned, as it would have).
  const planned = options.dryRun ? runs.findLast((r) => r.poolsAfter !== null)?.poolsAfter : null;
  const last = runs.at(-1)?.poolsAfter ?? null;
  const pools = planned ?? (last !== null ? configuredPools(deps.config, last) : await poolsIfReachable(deps, runs));
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
