// What a change of accounts becomes for each target (pure): SCIM rows, webhook events, pool.full.
import { describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../../src/config/types.ts';
import type { AllocationPlan, SeatState } from '../../../src/domain/types.ts';
import { accountEventRows, poolFullEvents, scimRows, webhookRows, type AccountSnapshot } from '../../../src/targets/target-rows.ts';

const tls = { caFile: null, rejectUnauthorized: true };
const TARGETS: TargetConfig[] = [
  { name: 'app', kind: 'scim', url: 'https://a/scim', auth: { kind: 'token', token: 't' }, deprovision: 'deactivate', groups: false, tls, timeoutMs: 1, schedule: null },
  { name: 'hooks', kind: 'webhook', url: 'https://h', secret: 'whsec_x', tls, timeoutMs: 1 },
];

const anAccount = (over: Partial<AccountSnapshot> = {}): AccountSnapshot => ({
  id: 7, source: 'hr', externalId: 'e-7', username: 'ada', email: 'ada@x.test', displayName: 'Ada', state: 'active', held: ['primary'], ...over,
});
const seat = (over: Partial<SeatState> = {}): SeatState => ({ state: 'blocked', held: [], waitingFor: ['primary'], waitingSince: 1, activatedAt: null, graceUntil: null, ...over });

describe('target rows', () => {
  it('one SCIM row per account and SCIM target, keyed by externalId', () => {
    const rows = scimRows(TARGETS, [anAccount(), anAccount({ id: 8, externalId: 'e-8', state: 'blocked', held: [] })], { batch: 'run-3' });
    expect(rows.map((r) => [r.target, r.kind, r.dedupeKey, r.orderingKey])).toEqual([
      ['app', 'scim-user', 'scim:app:run-3:e-7', 'user:e-7'],
      ['app', 'scim-user', 'scim:app:run-3:e-8', 'user:e-8'],
    ]);
    expect(rows[1]?.payload).toEqual({ accountId: 8, externalId: 'e-8', userName: 'ada', displayName: 'Ada', email: 'ada@x.test', state: 'blocked', held: [] });
  });

  it('one webhook event per state change, in order per account', () => {
    const accounts = new Map([[7, anAccount()]]);
    const rows = accountEventRows(TARGETS, [
      { key: 'audit-1', accountId: 7, from: 'blocked', to: 'active', reason: 'seats', at: Date.UTC(2026, 0, 1) },
      { key: 'audit-2', accountId: 99, from: null, to: 'active', reason: 'new', at: 0 },
    ], accounts, { runId: '3' });
    expect(rows).toEqual([
      {
        kind: 'webhook', target: 'hooks', dedupeKey: 'msg_hooks_audit-1', orderingKey: 'account:7',
        payload: {
          type: 'account.activated', timestamp: '2026-01-01T00:00:00.000Z',
          data: { account: { id: 7, source: 'hr', externalId: 'e-7', username: 'ada', email: 'ada@x.test', displayName: 'Ada', state: 'active', pools: ['primary'] }, from: 'blocked', to: 'active', reason: 'seats', runId: '3' },
        },
      },
    ]);
  });

  it('a block for a protected account names it in takenBy; other events carry no takenBy', () => {
    const accounts = new Map([[7, anAccount({ state: 'blocked', held: [] })], [8, anAccount({ id: 8, username: 'bob' })]]);
    const rows = accountEventRows(TARGETS, [
      { key: 'audit-1', accountId: 7, from: 'active', to: 'blocked', reason: 'protected', takenBy: 'bob', at: 0 },
      { key: 'audit-2', accountId: 8, from: 'blocked', to: 'active', reason: 'seats', at: 0 },
    ], accounts, { runId: null });
    const data = rows.map((r) => (r.payload as { data: Record<string, unknown> }).data);
    expect(data[0]).toMatchObject({ from: 'active', to: 'blocked', reason: 'protected', takenBy: 'bob', runId: null });
    expect(data[1]).not.toHaveProperty('takenBy');
  });

  it('pool.full only for pools the run blocked someone on, and only when full', () => {
    const plan: AllocationPlan = {
      changes: [
        { id: 1, username: 'a', from: null, to: seat({ waitingFor: ['primary'] }), reason: 'seats' },
        { id: 2, username: 'b', from: null, to: seat({ waitingFor: ['primary', 'extranet'] }), reason: 'seats' },
      ],
      pools: [
        { name: 'primary', seats: 2, used: 2, available: 0, waiting: 2, overage: 0 },
        { name: 'extranet', seats: 5, used: 1, available: 4, waiting: 1, overage: 0 },
        { name: 'other', seats: 1, used: 1, available: 0, waiting: 0, overage: 0 },
      ],
      newlyBlocked: [1, 2],
      graceStarted: [],
    };
    const events = poolFullEvents(plan, { key: '4', runId: '4', now: 0 });
    expect(events.map((e) => [e.event.type, e.event.data.pool, e.event.data.newlyBlocked])).toEqual([['pool.full', 'primary', 2]]);
    expect(webhookRows(TARGETS, events).map((r) => r.dedupeKey)).toEqual(['msg_hooks_pool-full-4-primary']);
    expect(poolFullEvents({ ...plan, newlyBlocked: [] }, { key: '5', runId: '5', now: 0 })).toEqual([]);
  });
});
