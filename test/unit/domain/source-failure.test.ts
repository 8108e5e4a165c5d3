import { describe, expect, it } from 'vitest';
import { planSourceFailure, type OutageState, type SourceFailureInput } from '../../../src/domain/source-failure.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 11, 7, 8, 0, 0);

function failing(options: { failures: number; sinceAt?: number; since?: string; now: number; state?: OutageState | null; rules?: Partial<SourceFailureInput['rules']> }): SourceFailureInput {
  return {
    source: 'corp-ad',
    runId: String(100 + options.failures),
    now: options.now,
    health: {
      consecutiveFailures: options.failures,
      failingSince: { runId: options.since ?? '101', at: options.sinceAt ?? T0 },
      lastError: { code: 'unavailable', message: 'connect ECONNREFUSED 10.0.0.5:636' },
      lastSuccessAt: T0 - 15 * MIN,
    },
    state: options.state ?? null,
    rules: { notifyTo: ' ops@corp.example.test ', failureAfter: { afterMs: HOUR }, remindEveryMs: 24 * HOUR, ...options.rules },
  };
}

const working = (now: number, state: OutageState | null): SourceFailureInput => ({
  ...failing({ failures: 1, now, state }),
  health: { consecutiveFailures: 0, failingSince: null, lastError: null, lastSuccessAt: now },
});

describe('planSourceFailure', () => {
  it('stays quiet before failureAfter, remembering the outage', () => {
    const plan = planSourceFailure(failing({ failures: 3, now: T0 + 59 * MIN }));
    expect(plan.events).toEqual([]);
    expect(plan.state).toEqual({ since: '101', sinceAt: T0, reportedAt: null, lastEmailAt: null, failures: 3 });
  });

  it('emails once the outage lasted failureAfter, naming the source, the error and the last success', () => {
    const now = T0 + HOUR;
    const plan = planSourceFailure(failing({ failures: 5, now }));
    expect(plan.events).toEqual([
      expect.objectContaining({
        kind: 'source-failing', recipient: 'ops@corp.example.test', dedupeKey: 'source-failing:corp-ad:101', source: 'corp-ad', failures: 5, reminder: false,
        error: { code: 'unavailable', message: 'connect ECONNREFUSED 10.0.0.5:636' }, lastSuccessAt: new Date(T0 - 15 * MIN).toISOString(),
      }),
    ]);
    expect(plan.state).toMatchObject({ reportedAt: now, lastEmailAt: now });
  });

  it('counts runs when failureAfter is a number of runs', () => {
    const rules = { failureAfter: { afterRuns: 3 } };
    expect(planSourceFailure(failing({ failures: 2, now: T0 + 5 * HOUR, rules })).events).toEqual([]);
    expect(planSourceFailure(failing({ failures: 3, now: T0 + MIN, rules })).events).toHaveLength(1);
  });

  it('sends no second email for the same outage, then a reminder after remindEvery', () => {
    const reported: OutageState = { since: '101', sinceAt: T0, reportedAt: T0 + HOUR, lastEmailAt: T0 + HOUR, failures: 5 };
    expect(planSourceFailure(failing({ failures: 9, now: T0 + 10 * HOUR, state: reported })).events).toEqual([]);
    const later = planSourceFailure(failing({ failures: 99, now: T0 + 25 * HOUR, state: reported }));
    expect(later.events).toEqual([expect.objectContaining({ kind: 'source-failing', reminder: true, dedupeKey: 'source-failing:corp-ad:101:199' })]);
    expect(later.state).toMatchObject({ reportedAt: T0 + HOUR, lastEmailAt: T0 + 25 * HOUR });
    const noReminders = planSourceFailure(failing({ failures: 99, now: T0 + 25 * HOUR, state: reported, rules: { remindEveryMs: null } }));
    expect(noReminders.events).toEqual([]);
  });

  it('sends nothing when failureAfter is off', () => {
    expect(planSourceFailure(failing({ failures: 50, now: T0 + 50 * HOUR, rules: { failureAfter: null } })).events).toEqual([]);
  });

  it('treats a new outage as new, even when the old one was reported', () => {
    const old: OutageState = { since: '50', sinceAt: T0 - 5 * HOUR, reportedAt: T0 - 4 * HOUR, lastEmailAt: T0 - 4 * HOUR, failures: 7 };
    const plan = planSourceFailure(failing({ failures: 1, now: T0 + MIN, state: old }));
    expect(plan.events).toEqual([]);
    expect(plan.state).toMatchObject({ since: '101', reportedAt: null });
  });

  it('sends one "recovered" email after a reported outage, and forgets one that was not reported', () => {
    const reported: OutageState = { since: '101', sinceAt: T0, reportedAt: T0 + HOUR, lastEmailAt: T0 + HOUR, failures: 6 };
    const recovered = planSourceFailure(working(T0 + 2 * HOUR, reported));
    expect(recovered.events).toEqual([
      expect.objectContaining({ kind: 'source-recovered', dedupeKey: 'source-recovered:corp-ad:101', failures: 6, failingSince: new Date(T0).toISOString() }),
    ]);
    expect(recovered.state).toBeNull();
    expect(planSourceFailure(working(T0 + 2 * HOUR, { ...reported, reportedAt: null, lastEmailAt: null }))).toEqual({ events: [], state: null });
    expect(planSourceFailure(working(T0, null))).toEqual({ events: [], state: null });
  });

  it('says the run that ended a reported outage was held when the source has no success since the outage began', () => {
    const reported: OutageState = { since: '101', sinceAt: T0, reportedAt: T0 + HOUR, lastEmailAt: T0 + HOUR, failures: 6 };
    const applied = planSourceFailure(working(T0 + 2 * HOUR, reported));
    expect(applied.events).toEqual([expect.objectContaining({ kind: 'source-recovered', held: false })]);
    // A held run reads the directory (the outage is over) but is no success: the last one predates the outage.
    const heldRun = working(T0 + 2 * HOUR, reported);
    const held = planSourceFailure({ ...heldRun, health: { ...heldRun.health, lastSuccessAt: T0 - 15 * MIN } });
    expect(held.events).toEqual([expect.objectContaining({ kind: 'source-recovered', held: true })]);
    expect(held.state).toBeNull();
    const neverSynced = planSourceFailure({ ...heldRun, health: { ...heldRun.health, lastSuccessAt: null } });
    expect(neverSynced.events).toEqual([expect.objectContaining({ held: true })]);
  });
});
