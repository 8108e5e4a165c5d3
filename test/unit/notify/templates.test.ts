import { describe, expect, it } from 'vitest';
import {
  planNotifications,
  testEvent,
  type GraceExpiringEvent,
  type LimitExceededEvent,
  type NotificationEvent,
  type SyncHeldEvent,
} from '../../../src/domain/notifications.ts';
import { parseEvent } from '../../../src/notify/deliver.ts';
import { MAX_ACCOUNTS_SHOWN, renderMessage } from '../../../src/notify/templates.ts';
import { aPool, anAccount, anInput, blockingRun, DAY, HOUR, RULES, T0 } from './builders.ts';

function limitEvent(ids: number[], overrides: Partial<LimitExceededEvent> = {}): LimitExceededEvent {
  const [event] = planNotifications(anInput({ ...blockingRun(ids), poolsAfter: [aPool('primary', 100, 100, 7), aPool('extranet', 20, 12)] })).events;
  return { ...(event as LimitExceededEvent), ...overrides };
}

const render = (event: NotificationEvent, publicUrl: string | null = null) => renderMessage(event, { publicUrl });

describe('limit exceeded message', () => {
  it('says what happened and where in the subject', () => {
    expect(render(limitEvent([1, 2])).subject).toBe('License limit exceeded — primary 100/100, 7 waiting');
  });

  it('has the pool table, the newly blocked accounts and what to do in the text body', () => {
    const { text } = render(limitEvent([1, 2]));
    expect(text).toContain('Pools\n  Pool      Seats  Used  Available  Waiting\n  primary     100   100          0        7\n  extranet     20    12          8        0');
    expect(text).toContain('Newly blocked accounts (2)\n  - User 1 (user1, user1@corp.example.test) — primary\n  - User 2 (user2, user2@corp.example.test) — primary');
    expect(text).toContain('The sync of corp-ad at 2025-03-04 09:00 UTC found no free seat for 2 accounts.');
    expect(text).toContain('Add seats: raise pools.primary.seats in the seatsync configuration');
    expect(text).toContain('seatsync accounts block USERNAME');
    expect(text).not.toContain('`');
    expect(text).not.toContain('Dashboard');
  });

  it('has the same content in the HTML body, as tables', () => {
    const { html } = render(limitEvent([1]));
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<h2>License limit exceeded — primary 100/100, 7 waiting</h2>');
    expect(html).toMatch(/<td[^>]*>primary<\/td><td[^>]*>100<\/td><td[^>]*>100<\/td><td[^>]*>0<\/td><td[^>]*>7<\/td>/);
    expect(html).toMatch(/<td[^>]*>User 1<\/td><td[^>]*>user1<\/td><td[^>]*>user1@corp.example.test<\/td><td[^>]*>primary<\/td>/);
    expect(html).toContain('<code>pools.primary.seats</code>');
    expect(html).toContain('<code>seatsync accounts block USERNAME</code>');
  });

  it('escapes directory data in the HTML body', () => {
    const event = limitEvent([1], {
      blocked: [anAccount(1, ['primary'], { displayName: '<script>alert("x")</script>', username: 'tom&jerry', email: "o'hara@x.test" })],
    });
    const { html, text } = render(event);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    expect(html).toContain('tom&#38;jerry');
    expect(html).toContain('o&#39;hara@x.test');
    expect(text).toContain('<script>alert("x")</script> (tom&jerry, o\'hara@x.test)');
  });

  it('cuts a long list with a count and the command that lists the accounts this run blocked', () => {
    const ids = Array.from({ length: 120 }, (_, i) => i + 1);
    const event = limitEvent(ids);
    const { text, html } = render(event);
    expect(text).toContain(`Newly blocked accounts (120)`);
    expect(text).toContain(`  - User ${MAX_ACCOUNTS_SHOWN} (`);
    expect(text).not.toContain(`  - User ${MAX_ACCOUNTS_SHOWN + 1} (`);
    expect(text).toContain(`  … and ${120 - MAX_ACCOUNTS_SHOWN} more: seatsync audit --run ${event.runId} --to blocked\n`);
    expect(html).toContain(`… and ${120 - MAX_ACCOUNTS_SHOWN} more: <code>seatsync audit --run ${event.runId} --to blocked</code>`);
  });

  it('narrows the command to the audit reason of a group that lost its seats', () => {
    const ids = Array.from({ length: 60 }, (_, i) => i + 1);
    const base = limitEvent(ids);
    const event = { ...base, blocked: base.blocked.map((a) => ({ ...a, blockReason: 'pool-shrunk' as const })), blockedByReason: { 'pool-shrunk': 60 } };
    expect(render(event).text).toContain(`… and 10 more: seatsync audit --run ${event.runId} --to blocked --reason pool-shrunk\n`);
  });

  it('counts the accounts left out of the payload too', () => {
    const event = limitEvent([1, 2, 3], { blockedTotal: 900, blockedByReason: { seats: 900 } });
    expect(render(event).text).toContain('… and 897 more');
  });

  it('renders an event of an older version (no block reasons) as accounts that found no free seat', () => {
    const { blockedByReason: _, ...event } = limitEvent([1, 2]);
    const old = { ...event, blocked: event.blocked.map(({ blockReason: _r, waitingSince: _w, ...line }) => line) } as LimitExceededEvent;
    const { subject, text } = render(old);
    expect(subject).toBe('License limit exceeded — primary 100/100, 7 waiting');
    expect(text).toContain('found no free seat for 2 accounts. They are blocked and hold no seat;');
    expect(text).toContain('Newly blocked accounts (2)');
  });

  it('writes one account in the singular', () => {
    const { text } = render(limitEvent([1]));
    expect(text).toContain('found no free seat for 1 account. It is blocked and holds no seat;');
  });

  it('gives each reason its paragraph and list, and counts the lost seats in the subject', () => {
    const base = limitEvent([1, 2, 3]);
    const line = (id: number, extra: object) => ({ ...base.blocked[id - 1], ...extra }) as LimitExceededEvent['blocked'][number];
    const event: LimitExceededEvent = {
      ...base,
      blocked: [
        line(1, { blockReason: 'protected', heldSince: '2025-01-01T08:00:00.000Z', takenBy: 'root' }),
        line(2, { blockReason: 'pool-shrunk', heldSince: '2025-02-01T08:00:00.000Z' }),
        line(3, { blockReason: 'grace-expired', heldSince: '2025-03-01T08:00:00.000Z' }),
      ],
      blockedByReason: { protected: 1, 'pool-shrunk': 1, 'grace-expired': 1 },
    };
    const { subject, text, html } = render(event);
    expect(subject).toBe('3 accounts lost their seats — primary 100/100, 7 waiting');
    expect(text).toContain('The sync of corp-ad at 2025-03-04 09:00 UTC: the protected account root took a seat in a full pool');
    expect(text).toContain('Lost their seat to a protected account (1)\n  - User 1 (user1, user1@corp.example.test) — primary, held a seat since 2025-01-01 08:00 UTC, seat taken by root');
    expect(text).toContain('Lost their seat to a smaller pool (1)\n  - User 2 (user2, user2@corp.example.test) — primary, held a seat since 2025-02-01 08:00 UTC');
    expect(text).toContain('the grace period of 1 account ended without a free seat.');
    expect(text).toContain('Grace ended without a free seat (1)');
    expect(text).not.toContain('Newly blocked accounts');
    expect(html).toMatch(/<th[^>]*>Held a seat since<\/th><th[^>]*>Seat taken by<\/th>/);
  });

  it('says an account lost its seat because an admin unprotected it, not because the pool shrank', () => {
    const base = limitEvent([1]);
    const occasion = { kind: 'admin-action' as const, id: 'admin-1-9', actor: 'ops', action: 'unprotect' as const, account: { id: 1, username: 'user1' } };
    const line = { ...base.blocked[0], blockReason: 'admin', heldSince: '2025-01-01T08:00:00.000Z' } as LimitExceededEvent['blocked'][number];
    const { subject, text } = render({ ...base, occasion, runId: null, blocked: [line], blockedTotal: 1, blockedByReason: { admin: 1 } });
    expect(subject).toBe('1 account lost its seat — primary 100/100, 7 waiting');
    expect(text).toContain(
      'ops unprotected user1 at 2025-03-04 09:00 UTC: no longer protected, 1 account lost the seat it held beyond the seats of primary, which protected accounts alone fill.',
    );
    expect(text).toContain('Lost their seat when an admin unprotected them (1)\n  - User 1 (user1, user1@corp.example.test) — primary, held a seat since 2025-01-01 08:00 UTC');
    expect(text).not.toContain('smaller pool');
  });

  it('links the dashboard when publicUrl is set, and only to http(s)', () => {
    const { text, html } = render(limitEvent([1]), 'https://seatsync.corp.example.test/');
    expect(text).toContain('Console: https://seatsync.corp.example.test/');
    expect(html).toContain('<a href="https://seatsync.corp.example.test/">Open the seatsync console</a>');
    expect(render(limitEvent([1]), 'javascript:alert(1)').html).not.toContain('href');
  });

  it('reports grace activations', () => {
    const event = limitEvent([1], {
      blocked: [],
      blockedTotal: 0,
      pools: [aPool('primary', 100, 102)],
      shortPools: ['primary'],
      grace: [anAccount(7, ['primary'], { graceUntil: '2025-03-11T09:00:00.000Z' })],
      graceTotal: 1,
    });
    const { subject, text, html } = render(event);
    expect(subject).toBe('License limit exceeded — primary 102/100, 2 over');
    expect(text).toContain('Activated under grace (1)\n  - User 7 (user7, user7@corp.example.test) — primary, grace until 2025-03-11 09:00 UTC');
    expect(html).toContain('<th style="text-align:left;border-bottom:2px solid #d0d7de;padding:4px 12px 4px 0">Grace until</th>');
  });
});

describe('other messages', () => {
  it('reminder', () => {
    const state = { lastLimitEmailAt: { 'licenses@corp.example.test': T0 - DAY }, warnedPools: [], graceNotified: {} };
    const [event] = planNotifications(anInput({ state, poolsAfter: [aPool('primary', 100, 100, 7)] })).events;
    const { subject, text } = render(event as NotificationEvent);
    expect(subject).toBe('Still over the license limit — primary 100/100, 7 waiting');
    expect(text).toContain('The last email about it was sent at 2025-03-03 09:00 UTC.');
    expect(text).toContain('seatsync accounts --state blocked');
  });

  it('early warning', () => {
    const [event] = planNotifications(anInput({ config: { ...RULES, warnAt: 0.9 }, poolsAfter: [aPool('primary', 100, 92)] })).events;
    const { subject, text } = render(event as NotificationEvent);
    expect(subject).toBe('License usage above 90% — primary 92/100');
    expect(text).toContain('This pool has reached 90% of its seats.');
  });

  it('sync held', () => {
    const [event] = planNotifications(anInput({ held: { wouldDisable: 2, wouldRemove: 40, total: 120, threshold: 12, reason: 'removals', lastOkRunId: '7', heldSince: T0, heldRuns: 1 } })).events;
    const { subject, text, html } = render(event as NotificationEvent);
    expect(subject).toBe('Sync held for corp-ad — would disable 2 and remove 40 of 120 accounts');
    expect(text).toContain('(policy.maxRemovals allows 12 per run)');
    expect(text).toContain('seatsync sync --source corp-ad --allow-removals');
    expect(html).toContain('<code>seatsync sync --source corp-ad --allow-removals</code>');
  });

  it('sync held on an empty result', () => {
    const [event] = planNotifications(anInput({ held: { wouldDisable: 0, wouldRemove: 120, total: 120, reason: 'empty-read', lastOkRunId: '7', heldSince: T0, heldRuns: 1 } })).events;
    const { subject, text } = render(event as NotificationEvent);
    expect(subject).toBe('Sync held for corp-ad — the source returned no users');
    expect(text).toContain('was held and changed nothing: the source returned no users although it has 120 accounts.');
  });

  it('sync held for entries without a readable id', () => {
    const [event] = planNotifications(anInput({ held: { wouldDisable: 0, wouldRemove: 2, total: 120, threshold: 12, reason: 'unidentified', lastOkRunId: '7', heldSince: T0, heldRuns: 1 } })).events;
    const { subject, text } = render(event as NotificationEvent);
    expect(subject).toBe('Sync held for corp-ad — would disable 0 and remove 2 of 120 accounts');
    expect(text).toContain('it would disable 0 and remove 2 of 120 accounts, while some entries came back without a readable id');
  });

  it('sync still held: the reminder says since when, how many runs, what waits and the commands, as the first email does', () => {
    const held = { wouldDisable: 3, wouldRemove: 40, total: 120, threshold: 12, reason: 'removals' as const, lastOkRunId: '7', heldSince: T0, heldRuns: 1 };
    const notices = { lastOkRunId: '7', lastEmailAt: T0, reminders: 0 };
    const [event] = planNotifications(anInput({ now: T0 + DAY, held: { ...held, heldRuns: 25, notices } })).events;
    const [first] = planNotifications(anInput({ held })).events;
    const { subject, text, html } = render(event as NotificationEvent);
    expect(subject).toBe('Sync still held for corp-ad since 2025-03-04 09:00 UTC — would disable 3 and remove 40 of 120 accounts');
    expect(text).toContain(
      'The sync of corp-ad has been held since 2025-03-04 09:00 UTC (25 held runs) and changed nothing. Its last run, at 2025-03-05 09:00 UTC, ' +
        'was held too: it would disable 3 and remove 40 of 120 accounts (policy.maxRemovals allows 12 per run).',
    );
    expect(text).toContain('users deleted or disabled there keep their accounts and their seats');
    expect(html).toContain('<h2>Sync still held for corp-ad since 2025-03-04 09:00 UTC — would disable 3 and remove 40 of 120 accounts</h2>');
    // The same actions as the first email of the hold: review with a dry run, check the source, apply.
    const actions = (t: string) => t.slice(t.indexOf('What to do'));
    expect(actions(text)).toBe(actions(render(first as NotificationEvent).text));
    expect(text).toContain('seatsync sync --source corp-ad --dry-run --allow-removals --only disabled,removed');
    expect(text).toContain('seatsync sync --source corp-ad --allow-removals');
    // Stored in the outbox and read back, it renders the same.
    expect(render(parseEvent(JSON.parse(JSON.stringify(event))) as NotificationEvent)).toEqual(render(event as NotificationEvent));
  });

  it('sync held and its reminder write every count with thousands separators', () => {
    const held = { wouldDisable: 1_250, wouldRemove: 4_800, total: 52_000, threshold: 5_200, reason: 'removals' as const, lastOkRunId: '7', heldSince: T0, heldRuns: 1_440 };
    const notices = { lastOkRunId: '7', lastEmailAt: T0, reminders: 0 };
    const [first] = planNotifications(anInput({ held })).events;
    const [reminder] = planNotifications(anInput({ now: T0 + DAY, held: { ...held, notices } })).events;
    const counts = 'would disable 1,250 and remove 4,800 of 52,000 accounts';
    expect(render(first as NotificationEvent).subject).toBe(`Sync held for corp-ad — ${counts}`);
    const { subject, text, html } = render(reminder as NotificationEvent);
    expect(subject).toBe(`Sync still held for corp-ad since 2025-03-04 09:00 UTC — ${counts}`);
    expect(text).toContain('(1,440 held runs)');
    expect(text).toContain('it would disable 1,250 and remove 4,800 of 52,000 accounts (policy.maxRemovals allows 5,200 per run)');
    expect(html).toContain(`<h2>Sync still held for corp-ad since 2025-03-04 09:00 UTC — ${counts}</h2>`);
  });

  it('sync still held on an empty result', () => {
    const notices = { lastOkRunId: '7', lastEmailAt: T0, reminders: 0 };
    const held = { wouldDisable: 0, wouldRemove: 120, total: 120, reason: 'empty-read' as const, lastOkRunId: '7', heldSince: T0, heldRuns: 2, notices };
    const [event] = planNotifications(anInput({ now: T0 + 2 * DAY, held })).events;
    const { subject, text } = render(event as NotificationEvent);
    expect(subject).toBe('Sync still held for corp-ad since 2025-03-04 09:00 UTC — the source returned no users');
    expect(text).toContain('was held too: the source returned no users although it has 120 accounts.');
  });

  it('sync held, as the previous version stored it (two booleans, no reason): read from the outbox, it renders as it does now', () => {
    const held = (reason: SyncHeldEvent['reason']) =>
      planNotifications(anInput({ held: { wouldDisable: 0, wouldRemove: 2, total: 120, threshold: 12, reason, lastOkRunId: '7', heldSince: T0, heldRuns: 1 } })).events[0] as SyncHeldEvent;
    const stored = (event: SyncHeldEvent, booleans: { emptyResult: boolean; unidentified?: boolean }) => {
      const { reason: _reason, ...rest } = event;
      return JSON.parse(JSON.stringify({ ...rest, ...booleans })) as unknown;
    };
    const cases = [
      ['empty-read', { emptyResult: true }],
      ['unidentified', { emptyResult: false, unidentified: true }],
      ['removals', { emptyResult: false }],
    ] as const;
    for (const [reason, booleans] of cases) {
      const read = parseEvent(stored(held(reason), booleans));
      expect(read).toMatchObject({ kind: 'sync-held', reason });
      expect(render(read as NotificationEvent)).toEqual(render(held(reason)));
    }
    // A stored event that has its reason keeps it.
    expect(parseEvent(JSON.parse(JSON.stringify(held('unidentified'))))).toEqual(held('unidentified'));
  });

  it('grace expiring', () => {
    const [event] = planNotifications(
      anInput({ poolsAfter: [aPool('primary', 100, 101)], graceExpiringSoon: [{ ...anAccount(3), graceUntil: T0 + 5 * HOUR }] }),
    ).events;
    const { subject, text } = render(event as GraceExpiringEvent);
    expect(subject).toBe('Grace ends soon for 1 account — primary 101/100, 1 over');
    expect(text).toContain('Grace ending (1)\n  - User 3 (user3, user3@corp.example.test) — primary, grace until 2025-03-04 14:00 UTC');
  });

  it('test message', () => {
    const { subject, text, html } = render(testEvent({ now: T0, to: 'licenses@corp.example.test', nonce: 'n' }));
    expect(subject).toBe('seatsync test message');
    expect(text).toContain('requested at 2025-03-04 09:00 UTC');
    expect(html).toContain('<h2>seatsync test message</h2>');
  });

  it('keeps the subject on one line', () => {
    const event = { ...testEvent({ now: T0, to: 'x@y.test', nonce: 'n' }) };
    const held = { ...event, kind: 'sync-held' as const, source: 'evil\r\nBcc: x@y.test', wouldDisable: 0, wouldRemove: 9, total: 9, threshold: null, reason: 'removals' as const, lastOkRunId: '7', heldSince: T0, heldRuns: 1 };
    expect(render(held).subject).not.toMatch(/[\r\n]/);
  });
});
