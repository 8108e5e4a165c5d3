// The mass-change safety of SPEC rule 10, as two small pure functions.
import type { PolicyConfig } from '../config/types.ts';
import type { RemovalCounts } from '../store/repositories.ts';

/** A percentage never allows fewer than this many disables/removals per run. */
export const MIN_REMOVALS = 5;

/** How many accounts one run may disable or remove without being held. */
export function removalThreshold(maxRemovals: PolicyConfig['maxRemovals'], total: number): number {
  if ('count' in maxRemovals) return maxRemovals.count;
  return Math.max(MIN_REMOVALS, Math.floor((total * maxRemovals.percent) / 100));
}

export interface HoldOptions {
  readonly threshold: number;
  /** `full`: the read listed every id in scope (a full read, or an incremental one with an id listing). */
  readonly mode: 'full' | 'incremental';
  /** Entries the read returned but whose stable id it could not read (0 when none). */
  readonly unidentified: number;
}

/**
 * A run is held when it would disable or remove more than the threshold, when a full read returned
 * nobody although the source has accounts (a wrong filter or an empty export, never a real directory),
 * or when a full read would sweep an account while some entry came back without a readable id: the
 * read is partial, and the account it would remove may be that entry's.
 */
export function shouldHold(counts: RemovalCounts, options: HoldOptions): boolean {
  if (options.mode === 'full' && counts.staged === 0 && counts.total > 0) return true;
  if (options.mode === 'full' && options.unidentified > 0 && counts.wouldRemove > 0) return true;
  return counts.wouldRemove + counts.wouldDisable > options.threshold;
}
