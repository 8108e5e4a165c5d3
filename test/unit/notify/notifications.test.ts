import { describe, expect, it } from 'vitest';
import {
  EMPTY_NOTIFY_STATE,
  MAX_ACCOUNTS_IN_EVENT,
  notifyRulesOf,
  planNotifications,
  reminderDue,
  testEvent,
  type HeldInput,
  type HoldNotices,
  type NotificationEvent,
  type NotifyRules,
} from '../../../src/domain/notifications.ts';
import { aPool, anAccount, anInput, blockedChange, blockingRun, DAY, graceChange, HOUR, ofRun, RULES, T0 } from './builders.ts';

const only = <K extends NotificationEvent['kind']>(events: NotificationEvent[], kind: K): Extract<NotificationEvent, { kind: K }>[] =>
  events.filter((e): e is Extract<NotificationEvent, { kind: K }> => e.kind === kind);

describe('limit exceeded', () => {
  it('sends one event to notify.to listing the pools and the newly blocked accounts', () => {
    const { events, state } = planNotifications(anInput({ ...blockingRun([1, 2, 3]), poolsAfter: [aPool('primary', 100, 100, 7)] }));
    expect(events).toHaveLength(1);
    const [event] = only(events, 'limit-exceeded');
    expect(event).toMatchObject({
      recipient: 'licenses@corp.example.test',
      dedupeKey: 'limit:42:licenses@corp.example.test',
      runId: '42',
      source: 'corp-ad',
      at: '2025-03-04T09:00:00.000Z',
      shortPools: ['primary'],
      blockedTotal: 3,
      graceTotal: 0,
    });
    expect(event?.pools).toEqual([aPool('primary', 100, 100, 7)]);
    expect(event?.blocked.map((a) => [a.displayName, a.username, a.email])).toEqual([
      ['User 1', 'user1', 'user1@corp.example.test'],
      ['User 2', 'user2', 'user2@corp.example.test'],
      ['User 3', 'user3', 'user3@corp.example.test'],
    ]);
    expect(state.lastLimitEmailAt).toEqual({ 'licenses@corp.example.test': T0 });
  });

  it('sends nothing when the run blocks nobody and nobody waits', () => {
    const { events, state } = planNotifications(anInput());
    expect(events).toEqual([]);
    expect(state).toEqual(EMPTY_NOTIFY_STATE);
  });

  it('splits the run between notify.to and a pool with its own recipient, one event each', () => {
    const config = { ...RULES, poolRecipients: { extranet: 'Partners@corp.example.test' } };
    const input = anInput({
      config,
      poolsAfter: [aPool('primary', 10, 10, 2), aPool('extranet', 5, 5, 1), aPool('cases', 3, 1)],
      plan: {
        newlyBlocked: [1, 2, 3],
        graceStarted: [],
        changes: [blockedChange(1, ['primary']), blockedChange(2, ['extranet']), blockedChange(3, ['primary'])],
      },
      accounts: [anAccount(1), anAccount(2, ['extranet']), anAccount(3)],
    });
    const events = only(planNotifications(input).events, 'limit-exceeded');
    expect(events.map((e) => [e.recipient, e.dedupeKey, e.blocked.map((a) => a.id), e.pools.map((p) => p.name), e.shortPools])).toEqual([
      ['licenses@corp.example.test', 'limit:42:licenses@corp.example.test', [1, 3], ['primary', 'cases'], ['primary']],
      ['Partners@corp.example.test', 'limit:42:partners@corp.example.test', [2], ['extranet'], ['extranet']],
    ]);
  });

  it('reports an account only to the recipients of the pools that are full', () => {
    const config = { ...RULES, poolRecipients: { extranet: 'partners@corp.example.test' } };
    const input = anInput({
      config,
      poolsAfter: [aPool('primary', 10, 10, 1), aPool('extranet', 5, 2, 1)],
      plan: { newlyBlocked: [1], graceStarted: [], changes: [blockedChange(1, ['primary', 'extranet'])] },
      accounts: [anAccount(1, ['primary', 'extranet'])],
    });
    const events = planNotifications(input).events;
    expect(events.map((e) => e.recipient)).toEqual(['licenses@corp.example.test']);
    expect(only(events, 'limit-exceeded')[0]?.blocked[0]?.pools).toEqual(['primary']);
  });

  it('treats the same address in another case as one recipient', () => {
    const config = { ...RULES, poolRecipients: { extranet: 'LICENSES@corp.example.test' } };
    const input = anInput({
      config,
      poolsAfter: [aPool('primary', 1, 1, 1), aPool('extranet', 1, 1, 1)],
      plan: { newlyBlocked: [1, 2], graceStarted: [], changes: [blockedChange(1, ['primary']), blockedChange(2, ['extranet'])] },
      accounts: [anAccount(1), anAccount(2, ['extranet'])],
    });
    const events = planNotifications(input).events;
    expect(events).toHaveLength(1);
    expect(only(events, 'limit-exceeded')[0]?.shortPools).toEqual(['primary', 'extranet']);
  });

  it('keeps at most MAX_ACCOUNTS_IN_EVENT accounts in the payload and counts them all', () => {
    const ids = Array.from({ length: 500 }, (_, i) => i + 1);
    const [event] = only(planNotifications(anInput({ ...blockingRun(ids), poolsAfter: [aPool('primary', 100, 100, 500)] })).events, 'limit-exceeded');
    expect(event?.blocked).toHaveLength(MAX_ACCOUNTS_IN_EVENT);
    expect(event?.blockedTotal).toBe(500);
  });

  it('reports accounts activated under grace with their grace end', () => {
    const until = T0 + 7 * DAY;
    const input = anInput({
      poolsAfter: [aPool('primary', 100, 102)],
      plan: { newlyBlocked: [], graceStarted: [5, 6], changes: [graceChange(5, ['primary'], until), graceChange(6, ['primary'], until)] },
      accounts: [anAccount(5), anAccount(6)],
    });
    const [event] = only(planNotifications(input).events, 'limit-exceeded');
    expect(event?.graceTotal).toBe(2);
    expect(event?.blockedTotal).toBe(0);
    expect(event?.grace.map((a) => [a.username, a.graceUntil])).toEqual([
      ['user5', '2025-03-11T09:00:00.000Z'],
      ['user6', '2025-03-11T09:00:00.000Z'],
    ]);
  });

  it('still lists an account whose details were not found, by its username from the plan', () => {
    const input = anInput({
      poolsAfter: [aPool('primary', 1, 1, 1)],
      plan: { newlyBlocked: [9], graceStarted: [], changes: [blockedChange(9)] },
      accounts: [],
    });
    const [event] = only(planNotifications(input).events, 'limit-exceeded');
    expect(event?.blocked).toEqual([
      { id: 9, displayName: null, username: 'user9', email: null, pools: ['primary'], blockReason: 'seats', waitingSince: expect.any(String) },
    ]);
  });

  it('gives the same dedupe keys when the same run is planned twice, and other keys for another run', () => {
    const input = anInput({ ...blockingRun([1]), poolsAfter: [aPool('primary', 1, 1, 1)] });
    const keys = (runId: string): string[] => planNotifications({ ...input, ...ofRun(runId) }).events.map((e) => e.dedupeKey);
    expect(keys('42')).toEqual(keys('42'));
    expect(keys('43')).toEqual(['limit:43:licenses@corp.example.test']);
    // The run's id, its occasion and its keys come from the one occasion.
    expect(planNotifications({ ...input, ...ofRun('43') }).events[0]).toMatchObject({ runId: '43', occasion: { kind: 'run', runId: '43' } });
  });

  it('produces JSON-serializable events', () => {
    const input = anInput({
      ...blockingRun([1, 2]),
      poolsAfter: [aPool('primary', 2, 2, 2)],
      held: { wouldDisable: 1, wouldRemove: 20, total: 40, threshold: 5, reason: 'removals', lastOkRunId: '7', heldSince: T0, heldRuns: 1 },
    });
    const { events } = planNotifications(input);
    expect(JSON.parse(JSON.stringify(events))).toEqual(events);
  });

  it('tells a holder that lost its seat from one that found none, with since when it held it and who took it', () => {
    const held = (id: number, activatedAt: number) => ({ state: 'active' as const, held: ['primary'], waitingFor: [], waitingSince: null, activatedAt, graceUntil: null });
    const lost = (id: number, reason: 'pool-shrunk' | 'protected' | 'admin', extra = {}) => ({ ...blockedChange(id), from: held(id, T0 - id * DAY), reason, ...extra });
    const input = anInput({
      poolsAfter: [aPool('primary', 2, 2, 3)],
      plan: {
        newlyBlocked: [1, 2, 3, 4],
        graceStarted: [],
        changes: [lost(1, 'pool-shrunk'), lost(2, 'protected', { takenBy: { id: 9, username: 'root' } }), blockedChange(3), lost(4, 'admin')],
      },
      accounts: [anAccount(1), anAccount(2), anAccount(3), anAccount(4)],
    });
    const [event] = only(planNotifications(input).events, 'limit-exceeded');
    expect(event?.blockedByReason).toEqual({ protected: 1, admin: 1, 'pool-shrunk': 1, seats: 1 });
    // Grouped by reason, the ones that lost a seat first (`admin`: an admin unprotected it).
    expect(event?.blocked.map((a) => [a.username, a.blockReason, a.heldSince ?? null, a.takenBy ?? null])).toEqual([
      ['user2', 'protected', new Date(T0 - 2 * DAY).toISOString(), 'root'],
      ['user4', 'admin', new Date(T0 - 4 * DAY).toISOString(), null],
      ['user1', 'pool-shrunk', new Date(T0 - DAY).toISOString(), null],
      ['user3', 'seats', null, null],
    ]);
  });

  it('lists an account blocked by the change that made it ask (a new profile, enabled again, returned) with those that found no free seat', () => {
    const from = (state: 'active' | 'disabled' | 'removed') =>
      ({ state, held: state === 'active' ? ['primary'] : [], waitingFor: [], waitingSince: null, activatedAt: state === 'active' ? T0 - DAY : null, graceUntil: null }) as const;
    const input = anInput({
      poolsAfter: [aPool('primary', 2, 2, 4)],
      plan: {
        newlyBlocked: [1, 2, 3, 4],
        graceStarted: [],
        changes: [
          { ...blockedChange(1), from: from('active'), reason: 'profile-changed' },
          { ...blockedChange(2), from: from('disabled'), reason: 'directory-enabled' },
          { ...blockedChange(3), from: from('removed'), reason: 'returned' },
          blockedChange(4),
        ],
      },
      accounts: [anAccount(1), anAccount(2), anAccount(3), anAccount(4)],
    });
    const [event] = only(planNotifications(input).events, 'limit-exceeded');
    expect(event?.blockedByReason).toEqual({ seats: 4 });
    expect(event?.blocked.map((a) => [a.username, a.blockReason, a.heldSince ?? null])).toEqual([
      ['user1', 'seats', null],
      ['user2', 'seats', null],
      ['user3', 'seats', null],
      ['user4', 'seats', null],
    ]);
  });

  it('names the admin action that caused the event; its run id is null and its keys are the action\'s', () => {
    const occasion = { kind: 'admin-action' as const, id: 'admin-3-99', actor: 'ops', action: 'unblock' as const, account: { id: 3, username: 'user3' } };
    const [event] = only(planNotifications(anInput({ ...blockingRun([3]), occasion })).events, 'limit-exceeded');
    expect(event).toMatchObject({ runId: null, occasion, dedupeKey: 'limit:admin-3-99:licenses@corp.example.test' });
    const [ofRun42] = only(planNotifications(anInput(blockingRun([3]))).events, 'limit-exceeded');
    expect(ofRun42).toMatchObject({ runId: '42', occasion: { kind: 'run', runId: '42' } });
  });
});

describe('reminder', () => {
  const waiting = [aPool('primary', 100, 100, 7)];
  const mailedAt = (at: number) => ({ ...EMPTY_NOTIFY_STATE, lastLimitEmailAt: { 'licenses@corp.example.test': at } });

  it('sends nothing while accounts wait if remindEvery has not passed since the last email', () => {
    const { events, state } = planNotifications(anInput({ poolsAfter: waiting, state: mailedAt(T0 - 23 * HOUR) }));
    expect(events).toEqual([]);
    expect(state.lastLimitEmailAt['licenses@corp.example.test']).toBe(T0 - 23 * HOUR);
  });

  it('sends one reminder once remindEvery has passed, and restarts the wait', () => {
    const { events, state } = planNotifications(anInput({ poolsAfter: waiting, state: mailedAt(T0 - DAY) }));
    const [event] = only(events, 'reminder');
    expect(events).toHaveLength(1);
    expect(event).toMatchObject({
      recipient: 'licenses@corp.example.test',
      dedupeKey: 'reminder:42:licenses@corp.example.test',
      shortPools: ['primary'],
      lastEmailAt: '2025-03-03T09:00:00.000Z',
    });
    expect(state.lastLimitEmailAt['licenses@corp.example.test']).toBe(T0);
    // The next run an hour later: nothing.
    expect(planNotifications(anInput({ now: T0 + HOUR, poolsAfter: waiting, state })).events).toEqual([]);
  });

  it('is off when remindEvery is off', () => {
    const config = { ...RULES, remindEveryMs: null };
    expect(planNotifications(anInput({ config, poolsAfter: waiting, state: mailedAt(T0 - 30 * DAY) })).events).toEqual([]);
  });

  it('reminds when accounts wait and no email was ever recorded', () => {
    const [event] = only(planNotifications(anInput({ poolsAfter: waiting })).events, 'reminder');
    expect(event?.lastEmailAt).toBeNull();
  });

  it('sends nothing when nobody waits any more', () => {
    expect(planNotifications(anInput({ poolsAfter: [aPool('primary', 100, 100)], state: mailedAt(T0 - 30 * DAY) })).events).toEqual([]);
  });

  it('is replaced by the limit email when the run blocks someone new', () => {
    const { events } = planNotifications(anInput({ ...blockingRun([1]), poolsAfter: waiting, state: mailedAt(T0 - 2 * DAY) }));
    expect(events.map((e) => e.kind)).toEqual(['limit-exceeded']);
  });

  it('a run right after a limit email that blocks nobody new sends nothing', () => {
    const first = planNotifications(anInput({ ...blockingRun([1]), poolsAfter: waiting }));
    const second = planNotifications(anInput({ now: T0 + 15 * 60_000, ...ofRun('43'), poolsAfter: waiting, state: first.state }));
    expect(second.events).toEqual([]);
  });

  it('counts per recipient: a limit email to one does not delay the reminder of another', () => {
    const config = { ...RULES, poolRecipients: { extranet: 'partners@corp.example.test' } };
    const state = { ...EMPTY_NOTIFY_STATE, lastLimitEmailAt: { 'licenses@corp.example.test': T0 - DAY, 'partners@corp.example.test': T0 - DAY } };
    const input = anInput({
      config,
      state,
      poolsAfter: [aPool('primary', 1, 1, 3), aPool('extranet', 1, 1, 1)],
      plan: { newlyBlocked: [1], graceStarted: [], changes: [blockedChange(1, ['primary'])] },
      accounts: [anAccount(1)],
    });
    const { events } = planNotifications(input);
    expect(events.map((e) => [e.kind, e.recipient])).toEqual([
      ['limit-exceeded', 'licenses@corp.example.test'],
      ['reminder', 'partners@corp.example.test'],
    ]);
  });

  it('forgets recipients that are no longer configured', () => {
    const state = { ...EMPTY_NOTIFY_STATE, lastLimitEmailAt: { 'old@corp.example.test': T0 - HOUR } };
    expect(planNotifications(anInput({ state })).state.lastLimitEmailAt).toEqual({});
  });
});

describe('early warning', () => {
  const config = { ...RULES, warnAt: 0.9 };
  const run = (used: number, state = EMPTY_NOTIFY_STATE, seats = 100) =>
    planNotifications(anInput({ config, state, poolsAfter: [aPool('primary', seats, used)] }));

  it('warns once when usage crosses warnAt upwards, and re-arms when it falls below', () => {
    const below = run(89);
    expect(below.events).toEqual([]);
    const crossed = run(90, below.state);
    expect(only(crossed.events, 'early-warning')).toEqual([
      expect.objectContaining({ recipient: 'licenses@corp.example.test', dedupeKey: 'warn:42:licenses@corp.example.test', warnAt: 0.9, pools: [aPool('primary', 100, 90)] }),
    ]);
    expect(crossed.state.warnedPools).toEqual(['primary']);
    const stillAbove = run(99, crossed.state);
    expect(stillAbove.events).toEqual([]);
    const fell = run(85, stillAbove.state);
    expect(fell.events).toEqual([]);
    expect(fell.state.warnedPools).toEqual([]);
    expect(only(run(91, fell.state).events, 'early-warning')).toHaveLength(1);
  });

  it('never warns for a pool with no seats', () => {
    expect(run(0, EMPTY_NOTIFY_STATE, 0).events).toEqual([]);
  });

  it('is off without warnAt', () => {
    expect(planNotifications(anInput({ poolsAfter: [aPool('primary', 100, 100)] })).events).toEqual([]);
  });

  it('groups the pools crossing in one run into one event per recipient', () => {
    const input = anInput({ config, poolsAfter: [aPool('primary', 10, 9), aPool('extranet', 20, 19), aPool('cases', 10, 5)] });
    const events = only(planNotifications(input).events, 'early-warning');
    expect(events).toHaveLength(1);
    expect(events[0]?.pools.map((p) => p.name)).toEqual(['primary', 'extranet']);
  });

  it('does not warn about a pool the same run reports as exceeded, but disarms it', () => {
    const input = anInput({ config, ...blockingRun([1]), poolsAfter: [aPool('primary', 10, 10, 1)] });
    const { events, state } = planNotifications(input);
    expect(events.map((e) => e.kind)).toEqual(['limit-exceeded']);
    expect(state.warnedPools).toEqual(['primary']);
  });

  it('forgets pools that no longer exist', () => {
    const state = { ...EMPTY_NOTIFY_STATE, warnedPools: ['gone', 'primary'] };
    expect(run(95, state).state.warnedPools).toEqual(['primary']);
  });
});

describe('sync held', () => {
  it('always sends one event to notify.to, even when nothing else happens', () => {
    const config = { ...RULES, poolRecipients: { primary: 'other@corp.example.test' } };
    const { events } = planNotifications(anInput({ config, held: { wouldDisable: 3, wouldRemove: 40, total: 120, threshold: 12, reason: 'removals', lastOkRunId: '7', heldSince: T0, heldRuns: 1 } }));
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'sync-held',
        recipient: 'licenses@corp.example.test',
        dedupeKey: 'held:corp-ad:7',
        source: 'corp-ad',
        wouldDisable: 3,
        wouldRemove: 40,
        total: 120,
        threshold: 12,
        reason: 'removals',
      }),
    ]);
  });
});

describe('sync held, again', () => {
  it('gives the same held situation the same key (one email), and a hold after an ok run a new key', () => {
    const held = { wouldDisable: 3, wouldRemove: 40, total: 120, threshold: 12, reason: 'removals' as const, lastOkRunId: '7', heldSince: T0, heldRuns: 1 };
    const first = planNotifications(anInput({ ...ofRun('42'), held })).events[0];
    const again = planNotifications(anInput({ ...ofRun('43'), held })).events[0];
    // The directory moved a little while the source stayed held: the same situation, no second email.
    const moved = planNotifications(anInput({ ...ofRun('44'), held: { ...held, wouldRemove: 41, wouldDisable: 2, total: 121 } })).events[0];
    expect(again?.dedupeKey).toBe(first?.dedupeKey);
    expect(moved?.dedupeKey).toBe(first?.dedupeKey);
    // The same numbers after a run went through (the source synced ok in between): a new hold, a new key.
    const later = planNotifications(anInput({ ...ofRun('50'), held: { ...held, lastOkRunId: '45' } })).events[0];
    expect(later?.dedupeKey).not.toBe(first?.dedupeKey);
  });
});

describe('sync held, reminders while the hold lasts', () => {
  const held: HeldInput = { wouldDisable: 3, wouldRemove: 40, total: 120, threshold: 12, reason: 'removals', lastOkRunId: '7', heldSince: T0, heldRuns: 1 };
  /** What the runs tell of the hold: since when it is held and its held runs, this one counted. */
  type HoldRuns = Pick<HeldInput, 'heldSince' | 'heldRuns'>;
  /** One held run of corp-ad at `now`, planned from the notices the previous one left. */
  const heldRun = (now: number, runId: string, notices: HoldNotices | null, runs: HoldRuns, config: NotifyRules = RULES) => {
    const plan = planNotifications(anInput({ now, ...ofRun(runId), config, held: { ...held, ...runs, notices } }));
    return { events: only(plan.events, 'sync-held'), notices: plan.holdNotices ?? null, all: plan.events };
  };
  /** Held runs at these times, in turn, the first the start of the hold; the events of each. */
  const heldRuns = (times: readonly number[], config: NotifyRules = RULES) => {
    let notices: HoldNotices | null = null;
    return times.map((now, i) => {
      const run = heldRun(now, String(100 + i), notices, { heldSince: times[0] ?? now, heldRuns: i + 1 }, config);
      notices = run.notices;
      return run;
    });
  };

  it('the first held run of a hold: its one email, and the notices of the hold begin', () => {
    const first = heldRun(T0, '42', null, { heldSince: T0, heldRuns: 1 });
    expect(first.events).toHaveLength(1);
    expect(first.events[0]?.dedupeKey).toBe('held:corp-ad:7');
    expect(first.events[0]).not.toHaveProperty('reminder');
    expect(first.notices).toEqual({ lastOkRunId: '7', lastEmailAt: T0, reminders: 0 });
  });

  it('runs that stay held send nothing until remindEvery has passed since the last email, then a numbered reminder saying since when', () => {
    const runs = heldRuns([T0, T0 + HOUR, T0 + DAY - 1, T0 + DAY, T0 + DAY + HOUR, T0 + 2 * DAY]);
    expect(runs.map((r) => r.events.map((e) => e.dedupeKey))).toEqual([
      ['held:corp-ad:7'],
      [],
      [],
      ['held:corp-ad:7:reminder:1'],
      [],
      ['held:corp-ad:7:reminder:2'],
    ]);
    expect(runs[3]?.events[0]).toMatchObject({
      kind: 'sync-held',
      recipient: 'licenses@corp.example.test',
      source: 'corp-ad',
      runId: '103',
      at: new Date(T0 + DAY).toISOString(),
      wouldDisable: 3,
      wouldRemove: 40,
      total: 120,
      threshold: 12,
      reason: 'removals',
      reminder: { ordinal: 1, heldSince: new Date(T0).toISOString(), heldRuns: 4 },
    });
    expect(runs[5]?.events[0]?.reminder).toEqual({ ordinal: 2, heldSince: new Date(T0).toISOString(), heldRuns: 6 });
    // A run that sends nothing leaves the notices as they were; one that reminds moves them on.
    expect(runs[4]?.notices).toEqual(runs[3]?.notices);
    expect(runs[5]?.notices).toEqual({ lastOkRunId: '7', lastEmailAt: T0 + 2 * DAY, reminders: 2 });
    // Only the held email: a held run has no pool usage for the other rules.
    expect(runs.flatMap((r) => r.all).every((e) => e.kind === 'sync-held')).toBe(true);
  });

  it('says since when and how many runs as the runs tell, not as the notices were kept (a hold older than its notices)', () => {
    const notices: HoldNotices = { lastOkRunId: '7', lastEmailAt: T0, reminders: 0 };
    const run = heldRun(T0 + DAY, '142', notices, { heldSince: T0 - 5 * DAY, heldRuns: 120 });
    expect(run.events[0]?.reminder).toEqual({ ordinal: 1, heldSince: new Date(T0 - 5 * DAY).toISOString(), heldRuns: 120 });
  });

  it('counts remindEvery from the last email, not in fixed steps from the start of the hold: never two within remindEvery', () => {
    // No run for almost two days (a stopped worker), then hourly runs again.
    const runs = heldRuns([T0, T0 + DAY + 23 * HOUR, T0 + 2 * DAY, T0 + 2 * DAY + 23 * HOUR - 1, T0 + 2 * DAY + 23 * HOUR]);
    expect(runs.map((r) => r.events.map((e) => e.reminder?.ordinal ?? 0))).toEqual([[0], [1], [], [], [2]]);
  });

  it('plans the same reminder with the same key when the same run is planned twice, or two runs plan it from the same notices', () => {
    const [, second] = heldRuns([T0, T0 + DAY]);
    const before: HoldNotices = { lastOkRunId: '7', lastEmailAt: T0, reminders: 0 };
    expect(heldRun(T0 + DAY, '101', before, { heldSince: T0, heldRuns: 2 }).events).toEqual(second?.events);
    expect(heldRun(T0 + DAY + 1, '102', before, { heldSince: T0, heldRuns: 2 }).events[0]?.dedupeKey).toBe(second?.events[0]?.dedupeKey);
  });

  it('sends no reminder when remindEvery is off: the first email of the hold only', () => {
    const runs = heldRuns([T0, T0 + DAY, T0 + 7 * DAY, T0 + 30 * DAY], { ...RULES, remindEveryMs: null });
    expect(runs.map((r) => r.events.map((e) => e.dedupeKey))).toEqual([['held:corp-ad:7'], [], [], []]);
    expect(runs[3]?.notices).toEqual({ lastOkRunId: '7', lastEmailAt: T0, reminders: 0 });
  });

  it('a hold after a run went through is a new one: its first email again, its notices start over', () => {
    const old: HoldNotices = { lastOkRunId: '7', lastEmailAt: T0 - HOUR, reminders: 8 };
    const plan = planNotifications(anInput({ held: { ...held, lastOkRunId: '45', notices: old } }));
    expect(plan.events.map((e) => e.dedupeKey)).toEqual(['held:corp-ad:45']);
    expect(plan.holdNotices).toEqual({ lastOkRunId: '45', lastEmailAt: T0, reminders: 0 });
    // A source that never synced ok, then held: the hold of `never`.
    expect(planNotifications(anInput({ held: { ...held, lastOkRunId: null } })).events[0]?.dedupeKey).toBe('held:corp-ad:never');
  });

  it('keeps no hold notices for a run that was not held', () => {
    expect(planNotifications(anInput()).holdNotices).toBeUndefined();
  });
});

describe('reminderDue', () => {
  it.each([
    [null, T0, DAY, true],
    [undefined, T0, DAY, true],
    [T0 - DAY, T0, DAY, true],
    [T0 - DAY + 1, T0, DAY, false],
    [T0 - 30 * DAY, T0, null, false],
    [null, T0, null, false],
  ] as const)('last email %s, now %s, every %s: %s', (last, now, every, due) => {
    expect(reminderDue(last, now, every)).toBe(due);
  });
});

describe('grace expiring', () => {
  const grace = (id: number, untilMs: number) => ({ ...anAccount(id), graceUntil: untilMs });

  it('announces accounts whose grace ends within a day, once', () => {
    const first = planNotifications(anInput({ graceExpiringSoon: [grace(1, T0 + 20 * HOUR), grace(2, T0 + 30 * HOUR)] }));
    const [event] = only(first.events, 'grace-expiring');
    expect(first.events).toHaveLength(1);
    expect(event).toMatchObject({ dedupeKey: 'grace:42:licenses@corp.example.test', accountsTotal: 1 });
    expect(event?.accounts.map((a) => [a.username, a.graceUntil])).toEqual([['user1', '2025-03-05T05:00:00.000Z']]);
    expect(first.state.graceNotified).toEqual({ '1': T0 + 20 * HOUR });

    const later = planNotifications(anInput({ now: T0 + 7 * HOUR, ...ofRun('43'), state: first.state, graceExpiringSoon: [grace(1, T0 + 20 * HOUR), grace(2, T0 + 30 * HOUR)] }));
    expect(only(later.events, 'grace-expiring').map((e) => e.accounts.map((a) => a.id))).toEqual([[2]]);
    expect(later.state.graceNotified).toEqual({ '1': T0 + 20 * HOUR, '2': T0 + 30 * HOUR });
  });

  it('forgets accounts no longer in grace, and keeps the marks when the caller did not look', () => {
    const state = { ...EMPTY_NOTIFY_STATE, graceNotified: { '1': T0 + HOUR } };
    expect(planNotifications(anInput({ state, graceExpiringSoon: [] })).state.graceNotified).toEqual({});
    expect(planNotifications(anInput({ state })).state.graceNotified).toEqual({ '1': T0 + HOUR });
  });

  it('announces a grace again when it was given a new end', () => {
    const state = { ...EMPTY_NOTIFY_STATE, graceNotified: { '1': T0 - HOUR } };
    expect(only(planNotifications(anInput({ state, graceExpiringSoon: [grace(1, T0 + HOUR)] })).events, 'grace-expiring')).toHaveLength(1);
  });
});

describe('helpers', () => {
  it('builds the rules from the config shapes', () => {
    const rules = notifyRulesOf({
      notify: { to: 'licenses@corp.example.test', remindEveryMs: DAY, warnAt: 0.9 },
      pools: [
        { name: 'primary', notify: null },
        { name: 'extranet', notify: 'partners@corp.example.test' },
      ],
    });
    expect(rules).toEqual({ notifyTo: 'licenses@corp.example.test', poolRecipients: { extranet: 'partners@corp.example.test' }, remindEveryMs: DAY, warnAt: 0.9 });
  });

  it('gives each test message its own dedupe key', () => {
    const a = testEvent({ now: T0, to: 'licenses@corp.example.test', nonce: 'a1' });
    const b = testEvent({ now: T0, to: 'licenses@corp.example.test', nonce: 'b2' });
    expect(a.dedupeKey).not.toBe(b.dedupeKey);
    expect(a).toMatchObject({ kind: 'test', recipient: 'licenses@corp.example.test', at: '2025-03-04T09:00:00.000Z' });
  });
});
