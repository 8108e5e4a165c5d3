// Rule 10 of SPEC ("a run that would disable or remove too much is held"): how many accounts one run may
// disable or remove, why a run is held, if it is, and how that is said. Pure: the run's apply
// (sync/apply-run.ts) weighs a read with it; the log line, the email, the CLI and the console say the
// reason it gives in these words.
import { counted, formatCount } from './counted.ts';

/** What a run would do to a source's accounts, as the hold weighs it. */
export interface HoldCounts {
  /** Accounts of the source that are present now. */
  readonly total: number;
  readonly wouldRemove: number;
  readonly wouldDisable: number;
  /** Entries the read returned in scope, readable or not (not deletions): none, and the source looks empty. */
  readonly returned: number;
}

/** A percentage never allows fewer than this many disables/removals per run. */
const MIN_REMOVALS = 5;

/** Rule 10: how many accounts one run may disable or remove without being held. */
export function removalThreshold(maxRemovals: { readonly count: number } | { readonly percent: number }, total: number): number {
  if ('count' in maxRemovals) return maxRemovals.count;
  return Math.max(MIN_REMOVALS, Math.floor((total * maxRemovals.percent) / 100));
}

/**
 * Whether a run with these counts can be held at all: it returned nothing, or would disable or remove
 * someone. When not, `holdReason` is null whatever the source's total, which then need not be counted.
 */
export function mayBeHeld(counts: Omit<HoldCounts, 'total'>): boolean {
  return counts.returned === 0 || counts.wouldRemove + counts.wouldDisable > 0;
}

/**
 * Why rule 10 holds a run, if it does (null: it does not), in this order:
 * - `empty-read`: a full read (`full`: the read listed every id in scope) returned no entry at all
 *   although the source has accounts: a wrong filter or an empty export, never a real directory (entries
 *   returned but unreadable are not an empty read: their accounts are kept as they were);
 * - `unidentified`: a full read would sweep an account while some entry came back without a readable
 *   id: the read is partial, and the account it would remove may be that entry's;
 * - `removals`: it would disable or remove more than the threshold (`policy.maxRemovals`).
 */
export function holdReason(counts: HoldCounts, options: { threshold: number; mode: 'full' | 'incremental'; unidentified: number }): HoldReason | null {
  if (options.mode === 'full' && counts.returned === 0 && counts.total > 0) return 'empty-read';
  if (options.mode === 'full' && options.unidentified > 0 && counts.wouldRemove > 0) return 'unidentified';
  return counts.wouldRemove + counts.wouldDisable > options.threshold ? 'removals' : null;
}

export const HOLD_REASONS = ['empty-read', 'unidentified', 'removals'] as const;

export type HoldReason = (typeof HOLD_REASONS)[number];

/** A held run as it is reported: its counts, its threshold and, from this version on, its reason. */
export interface HeldReport {
  readonly wouldDisable: number;
  readonly wouldRemove: number;
  readonly total: number;
  /** null: not known (not reported). */
  readonly threshold: number | null;
  /** Absent in a run recorded before the reason was: `removals`. */
  readonly reason?: HoldReason;
}

/**
 * A held run's report as the API, `--json` and `status` give it: its fields only (not the run's other
 * details), with the reason always said (`removals` where a run of an older version did not record it).
 */
export function heldReport(held: HeldReport): HeldReport & { readonly reason: HoldReason } {
  return { wouldDisable: held.wouldDisable, wouldRemove: held.wouldRemove, total: held.total, threshold: held.threshold, reason: held.reason ?? 'removals' };
}

/** What a held run would have done and why it was held, in one clause ("it would disable 0 and remove 4 of 10 accounts (policy.maxRemovals allows 2 per run)"). */
export function describeHold(held: HeldReport): string {
  const would = `it would disable ${formatCount(held.wouldDisable)} and remove ${formatCount(held.wouldRemove)} of ${counted(held.total, 'account')}`;
  switch (held.reason ?? 'removals') {
    case 'empty-read':
      return `the source returned no users although it has ${counted(held.total, 'account')}`;
    case 'unidentified':
      return `${would}, while some entries came back without a readable id: any account it would remove may be one of them`;
    case 'removals':
      return would + (held.threshold === null ? '' : ` (policy.maxRemovals allows ${formatCount(held.threshold)} per run)`);
  }
}

/** The dry run that lists the accounts a held run of `source` would disable or remove (before anyone applies it). */
export function heldReviewCommand(source: string): string {
  return `seatsync sync --source ${source} --dry-run --allow-removals --only disabled,removed`;
}
