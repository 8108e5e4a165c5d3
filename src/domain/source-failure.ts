// When a source keeps failing, who hears of it and when (SPEC §8: "a source that keeps failing is
// reported to the responsible person"). Pure: the caller reads the source's health from its runs and
// the outage state, plans here after every run of the source, then enqueues the events and saves the
// state in one transaction.
//
// - An outage begins with the first failed run after a run that read the directory (`ok` or `held`).
// - `source-failing`: once the outage has lasted `failureAfter` (a duration since its first failed run,
//   or a number of failed runs in a row); one email per outage (its dedupe key names the outage's first
//   run), then a reminder at most every `remindEvery` while it lasts (none when reminders are off).
// - `source-recovered`: the first run that reads the directory again, only after an outage that was
//   reported; `held` when that run was held (it read the directory but applied nothing, so the source has
//   no successful run since the outage began). An outage that ended before it was reported is forgotten
//   silently.
import { isoOrNull } from './iso-time.ts';
import type { SourceFailingEvent, SourceRecoveredEvent } from './notification-events.ts';
import { reminderDue } from './notifications.ts';

/** `notify.failureAfter`: how long a source may fail before the responsible person is told. */
export type FailureThreshold = { readonly afterMs: number } | { readonly afterRuns: number };

/** How the source is doing, from its runs (times in epoch ms). */
export interface SourceHealthInput {
  readonly consecutiveFailures: number;
  /** The outage's first failed run; null while the source works. */
  readonly failingSince: { readonly runId: string; readonly at: number } | null;
  readonly lastError: { readonly code: string | null; readonly message: string } | null;
  readonly lastSuccessAt: number | null;
}

/** Persisted per source between runs; null: no outage known. */
export interface OutageState {
  /** Run id of the outage's first failed run. */
  readonly since: string;
  readonly sinceAt: number;
  /** When the first email of this outage was queued; null: not reported yet. */
  readonly reportedAt: number | null;
  /** When its last email (first or reminder) was queued. */
  readonly lastEmailAt: number | null;
  readonly failures: number;
}

export interface SourceFailureInput {
  readonly source: string;
  /** The run just finished (it names the events). */
  readonly runId: string;
  readonly now: number;
  readonly health: SourceHealthInput;
  readonly state: OutageState | null;
  readonly rules: { readonly notifyTo: string; readonly failureAfter: FailureThreshold | null; readonly remindEveryMs: number | null };
}

export interface SourceFailurePlan {
  readonly events: (SourceFailingEvent | SourceRecoveredEvent)[];
  readonly state: OutageState | null;
}

export function planSourceFailure(input: SourceFailureInput): SourceFailurePlan {
  const { health, source, now } = input;
  const base = { recipient: input.rules.notifyTo.trim(), at: new Date(now).toISOString(), runId: input.runId, source };
  if (health.consecutiveFailures === 0 || health.failingSince === null) {
    const reported = input.state?.reportedAt ?? null;
    if (input.state === null || reported === null) return { events: [], state: null };
    const recovered: SourceRecoveredEvent = {
      ...base,
      kind: 'source-recovered',
      dedupeKey: `source-recovered:${source}:${input.state.since}`,
      failingSince: new Date(input.state.sinceAt).toISOString(),
      failures: input.state.failures,
      held: health.lastSuccessAt === null || health.lastSuccessAt < input.state.sinceAt,
    };
    return { events: [recovered], state: null };
  }
  const since = health.failingSince;
  const known = input.state !== null && input.state.since === since.runId ? input.state : null;
  const outage: OutageState = { since: since.runId, sinceAt: since.at, reportedAt: known?.reportedAt ?? null, lastEmailAt: known?.lastEmailAt ?? null, failures: health.consecutiveFailures };
  const failing = (reminder: boolean, key: string): SourceFailingEvent => ({
    ...base,
    kind: 'source-failing',
    dedupeKey: key,
    failingSince: new Date(since.at).toISOString(),
    failures: health.consecutiveFailures,
    error: health.lastError ?? { code: null, message: 'unknown error' },
    lastSuccessAt: isoOrNull(health.lastSuccessAt),
    reminder,
  });
  if (outage.reportedAt === null) {
    if (!thresholdReached(input.rules.failureAfter, health.consecutiveFailures, now - since.at)) return { events: [], state: outage };
    return { events: [failing(false, `source-failing:${source}:${since.runId}`)], state: { ...outage, reportedAt: now, lastEmailAt: now } };
  }
  if (!reminderDue(outage.lastEmailAt ?? outage.reportedAt, now, input.rules.remindEveryMs)) return { events: [], state: outage };
  return { events: [failing(true, `source-failing:${source}:${since.runId}:${input.runId}`)], state: { ...outage, lastEmailAt: now } };
}

function thresholdReached(threshold: FailureThreshold | null, failures: number, failingForMs: number): boolean {
  if (threshold === null) return false;
  return 'afterRuns' in threshold ? failures >= threshold.afterRuns : failingForMs >= threshold.afterMs;
}
