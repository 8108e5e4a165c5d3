// Webhook events, signed per Standard Webhooks and verified by the `standardwebhooks` package.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { applyAdminAction } from '../../../src/sync/admin-actions.ts';
import { createTargetNotifier } from '../../../src/targets/target-notifier.ts';
import { people } from '../../support/config-builder.ts';
import { TestWebhookReceiver } from '../../support/webhook-receiver.ts';
import { makeDue, startTargetFixture, type TargetFixture } from './target-fixture.ts';

const SECRET = `whsec_${Buffer.alloc(32, 42).toString('base64')}`;

describe('webhooks', () => {
  let f: TargetFixture | undefined;
  let hooks: TestWebhookReceiver | undefined;
  afterEach(async () => {
    await hooks?.close();
    await f?.close();
    f = undefined;
    hooks = undefined;
  });

  const start = async (secret: string = SECRET) => {
    f = await startTargetFixture({
      people: people(4),
      seats: 3,
      targets: async (ca) => {
        hooks = await TestWebhookReceiver.start(ca, SECRET);
        return [`  - name: events`, `    kind: webhook`, `    url: ${hooks.url}`, `    secret: ${secret}`, `    tls: { ca: ${ca.certPath} }`].join('\n');
      },
    });
    return { f, hooks: hooks as TestWebhookReceiver };
  };

  it('one signed event per state change, plus pool.full, with the documented body', async () => {
    const { f, hooks } = await start();
    await f.sync();
    expect(await f.deliver()).toEqual({ sent: 5, failed: 0, retrying: 0 });
    // Up to four deliveries at once: the order holds per account, not across accounts.
    expect(hooks.summary().sort()).toEqual(['account.activated u001', 'account.activated u002', 'account.activated u003', 'account.blocked u004', 'pool.full primary']);
    const blocked = hooks.events.find((e) => e.type === 'account.blocked');
    expect(blocked).toMatchObject({
      type: 'account.blocked',
      data: { account: { source: 'hr', externalId: 'u004', username: 'u004', email: 'u004@example.test', displayName: 'Person u004', state: 'blocked', pools: [] }, from: null, to: 'blocked', reason: 'seats' },
    });
    expect(Date.parse(blocked?.timestamp ?? '')).not.toBeNaN();
    expect(hooks.events.find((e) => e.type === 'pool.full')?.data).toMatchObject({ pool: 'primary', seats: 3, used: 3, waiting: 1, newlyBlocked: 1 });

    f.csv.write(people(4).map((p) => (p.id === 'u001' ? { ...p, enabled: false } : p)));
    await f.sync();
    await f.deliver();
    expect(hooks.summary().slice(5).sort()).toEqual(['account.activated u004', 'account.disabled u001']);
    expect(hooks.events.slice(5).find((e) => e.type === 'account.activated')?.data).toMatchObject({ from: 'blocked', to: 'active', reason: 'seats' });
  });

  // The newest holder steps back for a protected account that needs a seat in a full pool: its
  // account.blocked names who took the seat, whether an admin action or a run made the change.
  it('account.blocked for a protected account names it in takenBy (admin action)', async () => {
    const { f, hooks } = await start();
    await f.sync();
    await f.deliver();
    const config = await f.config();
    const notifier = createTargetNotifier(config);
    await applyAdminAction({ db: f.db, config, ...(notifier ? { notifier } : {}) }, { action: 'protect', ref: 'u004', actor: 'ops' });
    await f.deliver();
    expect(hooks.summary().slice(5).sort()).toEqual(['account.activated u004', 'account.blocked u003', 'pool.full primary']);
    const blocked = hooks.events.slice(5).find((e) => e.type === 'account.blocked');
    expect(blocked?.data).toMatchObject({ account: { username: 'u003', state: 'blocked' }, from: 'active', to: 'blocked', reason: 'protected', takenBy: 'u004', runId: null });
    // An admin action is no run: its pool.full carries no run id either.
    expect(hooks.events.slice(5).find((e) => e.type === 'pool.full')?.data).toMatchObject({ pool: 'primary', runId: null });
    // The first run's block (reason `seats`) names no one.
    expect(hooks.events.find((e) => e.type === 'account.blocked')?.data).not.toHaveProperty('takenBy');
  });

  it('account.blocked for a protected account names it in takenBy (sync run)', async () => {
    const { f, hooks } = await start();
    await f.sync();
    const config = await f.config();
    // u004 is protected while disabled (no seat moves); enabled again, the next run gives it u003's seat.
    f.csv.write(people(4).map((p) => (p.id === 'u004' ? { ...p, enabled: false } : p)));
    await f.sync();
    await applyAdminAction({ db: f.db, config }, { action: 'protect', ref: 'u004', actor: 'ops' });
    await f.deliver();
    const before = hooks.events.length;
    f.csv.write(people(4));
    const run = (await f.sync()).runs[0];
    await f.deliver();
    expect(hooks.summary().slice(before).sort()).toEqual(['account.activated u004', 'account.blocked u003', 'pool.full primary']);
    const blocked = hooks.events.slice(before).find((e) => e.type === 'account.blocked');
    expect(blocked?.data).toMatchObject({ account: { username: 'u003' }, from: 'active', to: 'blocked', reason: 'protected', takenBy: 'u004', runId: String(run?.runId) });
  });

  it('a receiver that is unavailable gets the same webhook-id again later; each event arrives once', async () => {
    const { f, hooks } = await start();
    hooks.unavailableFor(4);
    await f.sync();
    expect(await f.deliver()).toEqual({ sent: 0, failed: 0, retrying: 4 });
    const refused = hooks.attempts.map((a) => a.id);
    expect(hooks.attempts.map((a) => a.status)).toEqual([503, 503, 503, 503]);
    await makeDue(f.db);
    expect(await f.deliver()).toEqual({ sent: 5, failed: 0, retrying: 0 });
    // The refused events came again under the same webhook-id, and each arrived once.
    const delivered = hooks.events.map((e) => e.id);
    for (const id of refused) expect(delivered).toContain(id);
    expect(new Set(delivered).size).toBe(5);
    expect(delivered).toHaveLength(5);
  });

  it('a wrong secret is refused by the receiver: the events are not lost, they stay to be retried', async () => {
    const { f, hooks } = await start(`whsec_${Buffer.alloc(32, 1).toString('base64')}`);
    await f.sync();
    expect(await f.deliver()).toEqual({ sent: 0, failed: 0, retrying: 4 });
    expect(hooks.attempts.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    expect(hooks.events).toEqual([]);
  });

  it('sync.held and sync.failed', async () => {
    const { f, hooks } = await start();
    await f.sync();
    f.csv.write([]);
    expect((await f.sync()).runs[0]?.status).toBe('held');
    rmSync(f.csv.path);
    expect((await f.sync()).runs[0]?.status).toBe('failed');
    await f.deliver();
    expect(hooks.summary().slice(5)).toEqual(['sync.held hr', 'sync.failed hr']);
    expect(hooks.events[5]?.data).toMatchObject({ source: 'hr', wouldRemove: 4, total: 4, reason: 'empty-read' });
    expect(hooks.events[6]?.data).toMatchObject({ source: 'hr', error: expect.stringContaining(f.csv.path) });
  });
});
