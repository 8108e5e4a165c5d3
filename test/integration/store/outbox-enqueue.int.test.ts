// A run's emails are queued in one statement however many there are (up to the outbox's insert batch),
// on both databases: each dedupe key once, the first event with a key kept (one already queued by an
// earlier run, or an earlier event of the same call), and `inserted` counts the rows added. Every row of
// a call is due at the earliest time its events were planned.
import { describe, expect, it } from 'vitest';
import { testEvent, type NotificationEvent } from '../../../src/domain/notifications.ts';
import type { Queryable } from '../../../src/store/db.ts';
import { outboxOf } from '../../../src/store/outbox-store.ts';
import { repositoriesOf } from '../../../src/store/repositories.ts';
import type { TargetRow } from '../../../src/targets/target-rows.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';

const T0 = Date.parse('2026-12-07T08:00:00.000Z');

/** Event `i` of a run: its own dedupe key, or the key `key` when given; planned `i` seconds after T0. */
const anEvent = (i: number, key = `run-7:${i}`): NotificationEvent => ({
  ...testEvent({ now: T0 + i * 1_000, to: `user${i}@corp.example.test`, nonce: String(i) }),
  dedupeKey: key,
});

/** `q`, counting the statements sent through it. */
function counting(q: Queryable): { readonly q: Queryable; statements: () => number } {
  let statements = 0;
  return {
    q: { ...q, query: (sql, params) => ((statements += 1), q.query(sql, params)) },
    statements: () => statements,
  };
}

describe.each(DATABASE_KINDS)('outbox enqueue on %s', (kind) => {
  const t = testDatabaseOf(kind);

  it('queues many events in one statement, each dedupe key once, the first event with a key kept', async () => {
    const outbox = outboxOf(t.db);
    // An earlier run queued the key of event 3.
    expect(await t.db.transaction((tx) => outbox.enqueue(tx, [anEvent(-1, 'run-7:3')]))).toEqual({ inserted: 1 });

    const events = Array.from({ length: 2_000 }, (_, i) => anEvent(i));
    // Repeats within the call, of events before them, and of the one queued earlier.
    const call = [
      ...events.slice(0, 1_000), anEvent(2_000, 'run-7:10'), anEvent(2_001, 'run-7:3'), ...events.slice(1_000), anEvent(2_002, 'run-7:1500'),
    ];
    const sent = await t.db.transaction(async (tx) => {
      const c = counting(tx);
      expect(await outbox.enqueue(c.q, call)).toEqual({ inserted: 1_999 });
      return c.statements();
    });
    expect(sent).toBe(1);

    const rows = await t.db.query<{ dedupe_key: string; recipient: string; next_attempt_at: Date; payload: NotificationEvent; target: string | null }>(
      'SELECT dedupe_key, recipient, next_attempt_at, payload, target FROM outbox ORDER BY id',
    );
    expect(rows.rows).toHaveLength(2_000);
    const [earlier, ...queued] = rows.rows;
    expect(earlier).toMatchObject({ dedupe_key: 'run-7:3', recipient: 'user-1@corp.example.test' });
    expect(earlier?.next_attempt_at).toEqual(new Date(T0 - 1_000));
    // In the call's order, each key from its first event: its recipient and payload; due when the call's earliest event was planned.
    const kept = events.filter((e) => e.dedupeKey !== 'run-7:3');
    expect(queued.map((r) => r.dedupe_key)).toEqual(kept.map((e) => e.dedupeKey));
    for (const [index, row] of queued.entries()) {
      const event = kept[index]!;
      expect(row).toEqual({ dedupe_key: event.dedupeKey, recipient: event.recipient, next_attempt_at: new Date(T0), payload: event, target: null });
    }

    // The same call again adds nothing.
    expect(await t.db.transaction((tx) => outbox.enqueue(tx, call))).toEqual({ inserted: 0 });
    expect(await t.db.transaction((tx) => outbox.enqueue(tx, []))).toEqual({ inserted: 0 });
  });

  it('adds a target\'s rows through the same insert: addressed to their target, due at the time given', async () => {
    const now = new Date(T0 + 3_600_000);
    const row = (i: number, target: string): TargetRow => ({
      kind: 'webhook', target, payload: { type: 'account.activated', timestamp: now.toISOString(), data: { i } }, dedupeKey: `hook-${i}`, orderingKey: `account-${i}`,
    });
    const rows = [row(1, 'crm'), row(2, 'wiki'), row(1, 'crm')];
    const sent = await t.db.transaction(async (tx) => {
      const c = counting(tx);
      expect(await repositoriesOf(c.q).targets.insertRows(rows, { now })).toBe(2);
      return c.statements();
    });
    expect(sent).toBe(1);
    const stored = await t.db.query<{ recipient: string; target: string; next_attempt_at: Date; ordering_key: string }>(
      `SELECT recipient, target, next_attempt_at, ordering_key FROM outbox WHERE target IS NOT NULL ORDER BY id`,
    );
    expect(stored.rows).toEqual([
      { recipient: 'crm', target: 'crm', next_attempt_at: now, ordering_key: 'account-1' },
      { recipient: 'wiki', target: 'wiki', next_attempt_at: now, ordering_key: 'account-2' },
    ]);
  });
});
