// Why an account waits or holds its state: the queue standing (bound to the allocation's own order by a
// property test) and the explanation's sentences.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate } from '../../../src/domain/allocate.ts';
import { describeRule, explainAccount, ordinal, rankWaiting, type AccountFacts, type BlockEntry, type QueueStanding } from '../../../src/domain/index.ts';
import type { SeatAccount } from '../../../src/domain/types.ts';
import { aBlockedAccount, anActiveAccount, anInput, aPool } from '../../support/builders.ts';
import { DAY_MS, NOW } from './allocation-helpers.ts';

const queued = (a: SeatAccount) => ({ waitingSince: a.waitingSince ?? NOW, waitingFor: a.waitingFor, account: a });

describe('rankWaiting', () => {
  it('orders by waiting time, then creation time, then username, and counts who waits ahead per pool', () => {
    const accounts = [
      aBlockedAccount(['primary'], NOW - DAY_MS, { id: 1, username: 'carol' }),
      aBlockedAccount(['primary', 'cases'], NOW - 3 * DAY_MS, { id: 2, username: 'bob' }),
      aBlockedAccount(['cases'], NOW - DAY_MS, { id: 3, username: 'alice' }),
      aBlockedAccount(['primary'], NOW - DAY_MS, { id: 4, username: 'dave', directoryCreatedAt: NOW - 100 * DAY_MS }),
    ];
    const ranked = rankWaiting(accounts.map(queued), [{ name: 'primary', seats: 20, used: 20 }, { name: 'cases', seats: 5, used: 3 }]);
    expect(ranked.map((r) => r.entry.account.username)).toEqual(['bob', 'dave', 'alice', 'carol']);
    const carol = ranked[3]?.standing as QueueStanding;
    expect(carol).toMatchObject({ position: 4, total: 4, pools: [{ name: 'primary', seats: 20, used: 20, full: true, ahead: 2 }] });
    expect(carol.summary).toBe('primary is full (20 of 20 seats in use), 2 ahead waiting for it; 4th of 4 in the queue');
    expect(ranked[0]?.standing.summary).toBe(
      'primary is full (20 of 20 seats in use), 0 ahead waiting for it; cases has free seats, but seats are given all or nothing; 1st of 4 in the queue',
    );
  });

  it('writes places and counts over a thousand with separators, as every other count is written', () => {
    const waiting = Array.from({ length: 1_203 }, (_, i) => queued(aBlockedAccount(['primary'], NOW - (2_000 - i) * 1000, { id: i + 1 })));
    const ranked = rankWaiting(waiting, [{ name: 'primary', seats: 1_500, used: 1_500 }]);
    expect(ranked.at(-1)?.standing.summary).toBe('primary is full (1,500 of 1,500 seats in use), 1,202 ahead waiting for it; 1,203rd of 1,203 in the queue');
  });

  it('says when every awaited pool has a free seat (the next sync gives them)', () => {
    const [only] = rankWaiting([queued(aBlockedAccount(['primary'], NOW, { id: 1 }))], [{ name: 'primary', seats: 3, used: 1 }]);
    expect(only?.standing.summary).toMatch(/^every pool it waits for has a free seat \(primary\): the next sync gives it its seats; 1st of 1/);
  });

  it('puts first the account the allocation activates when one seat frees up', () => {
    const blocked = fc.record({ since: fc.integer({ min: 0, max: 5 }), created: fc.option(fc.integer({ min: 0, max: 5 })), name: fc.constantFrom('ann', 'ben', 'cy', 'dee') });
    fc.assert(
      fc.property(fc.array(blocked, { minLength: 1, maxLength: 12 }), (specs) => {
        const holders = [anActiveAccount(['primary'], NOW - 50 * DAY_MS, { id: 1000 })];
        const waiting = specs.map((s, i) =>
          aBlockedAccount(['primary'], NOW - s.since * DAY_MS, { id: i + 1, username: s.name, directoryCreatedAt: s.created === null ? null : NOW - s.created * DAY_MS }),
        );
        const [first] = rankWaiting(waiting.map(queued), [{ name: 'primary', seats: 1, used: 1 }]);
        const plan = allocate(anInput({ pools: [aPool('primary', 2)], accounts: [...holders, ...waiting] }));
        const activated = plan.changes.filter((c) => c.to.state === 'active').map((c) => c.id);
        expect(activated).toEqual([first?.entry.account.id]);
      }),
    );
  });

  it('writes English ordinals', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 103, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '103rd', '111th']);
  });
});

describe('explainAccount', () => {
  const profiles = [
    { name: 'partner', when: { memberOf: ['cn=partners,dc=x'] }, pools: ['extranet'] },
    { name: 'service', when: { attribute: { employeeType: ['service', 'robot'] } }, pools: [] },
    { name: 'staff', when: null, pools: ['primary'] },
  ];
  const facts: AccountFacts = { state: 'active', profile: 'staff', present: true, protectedBy: { admin: false, policy: false }, held: ['primary'], waitingFor: [], graceUntil: null };

  it('names the profile, its place and the rule that chose it', () => {
    const e = explainAccount({ ...facts, profile: 'partner', held: ['extranet'] }, { profiles, standing: null });
    expect(e.profile).toEqual({ name: 'partner', position: 1, of: 3, rule: 'member of "cn=partners,dc=x"', pools: ['extranet'] });
    expect(e.summary).toBe('active: holds a seat in extranet');
    expect(describeRule(profiles[1]?.when ?? null)).toBe('employeeType is any of "service", "robot"');
    expect(explainAccount(facts, { profiles, standing: null }).profile?.rule).toBe('no condition: every user no earlier profile matched');
  });

  it('explains protection, grace, suspension, disabling and removal', () => {
    const say = (f: Partial<AccountFacts>) => explainAccount({ ...facts, ...f }, { profiles, standing: null }).summary;
    expect(say({ protectedBy: { admin: true, policy: true } })).toBe('active: holds a seat in primary; protected by an admin and policy.protect: never blocked by the automatic rules');
    expect(say({ graceUntil: '2026-12-14T00:00:00.000Z' })).toContain('on grace until 2026-12-14T00:00:00.000Z');
    expect(say({ state: 'suspended', held: [] })).toMatch(/^blocked by an admin: holds no seat and is never activated automatically/);
    expect(say({ state: 'disabled', held: [] })).toBe('disabled in the directory: holds no seat');
    expect(say({ state: 'removed', held: [], present: false })).toMatch(/^no longer returned by its source/);
    expect(say({ state: 'removed', held: [], profile: null })).toBe('matches no profile (out of scope): holds no seat');
  });

  it('says first that an account is kept as it is while its directory entry is unreadable, whatever its state', () => {
    const frozen = 'its directory entry could not be read at the last read of hr: its seat state is kept as it is until the entry is read again (the run report and the log name the attribute); ';
    const say = (f: Partial<AccountFacts>) => explainAccount({ ...facts, ...f }, { profiles, standing: null }).summary;
    expect(say({ state: 'blocked', held: [], waitingFor: ['primary'], unreadableAt: 'hr' })).toBe(`${frozen}waiting for a seat: waits for primary`);
    expect(say({ unreadableAt: 'hr' })).toBe(`${frozen}active: holds a seat in primary`);
    expect(say({ unreadableAt: null })).toBe('active: holds a seat in primary');
  });

  it('gives a blocked account its queue standing, and no other state one', () => {
    const [ranked] = rankWaiting([queued(aBlockedAccount(['primary'], NOW, { id: 1 }))], [{ name: 'primary', seats: 2, used: 2 }]);
    const standing = ranked?.standing ?? null;
    const blocked = explainAccount({ ...facts, state: 'blocked', held: [], waitingFor: ['primary'] }, { profiles, standing });
    expect(blocked.queue).toBe(standing);
    expect(blocked.summary).toBe('waiting for a seat: primary is full (2 of 2 seats in use), 0 ahead waiting for it; 1st of 1 in the queue');
    expect(explainAccount(facts, { profiles, standing }).queue).toBeNull();
  });

  it('says why a blocked account waits: the seat it lost, the grace that ended, the change that made it ask, the admin who unblocked it', () => {
    const at = '2026-03-04T09:00:00.000Z';
    const why = (entry: Omit<BlockEntry, 'at'>): string =>
      explainAccount({ ...facts, state: 'blocked', held: [], waitingFor: ['primary'], blockedBy: { ...entry, at } }, { profiles, standing: null }).summary;
    expect(why({ reason: 'protected', from: 'active', actor: 'ops', takenBy: 'root' })).toBe(
      `lost its seat on ${at} to the protected account root, which took it while the pool was full (the newest holder steps back); waiting for a seat: waits for primary`,
    );
    expect(why({ reason: 'pool-shrunk', from: 'active', actor: 'run:7', takenBy: null })).toMatch(/^lost its seat on \S+: the pool was made smaller than its holders/);
    expect(why({ reason: 'admin', from: 'active', actor: 'ops', takenBy: null })).toBe(
      `lost its seat on ${at} when ops unprotected it: protected accounts alone fill the pool beyond its seats, so it held that seat only as a protected account; waiting for a seat: waits for primary`,
    );
    expect(why({ reason: 'grace-expired', from: 'active', actor: 'run:7', takenBy: null })).toMatch(/^its grace period ended on \S+ without a free seat; waiting/);
    expect(why({ reason: 'seats', from: 'suspended', actor: 'ops', takenBy: null })).toMatch(/^unblocked by ops on \S+, but no seat was free; waiting/);
    expect(why({ reason: 'profile-changed', from: 'active', actor: 'run:7', takenBy: null })).toMatch(/^its profile \(or the pools it needs\) changed on \S+, to one needing a pool with no free seat; waiting/);
    expect(why({ reason: 'directory-enabled', from: 'disabled', actor: 'run:7', takenBy: null })).toMatch(/^enabled again in the directory on \S+, but no seat was free; waiting/);
    expect(why({ reason: 'returned', from: 'removed', actor: 'run:7', takenBy: null })).toMatch(/^back in the directory on \S+, but no seat was free; waiting/);
    // Found no free seat: the queue says it all.
    expect(why({ reason: 'seats', from: null, actor: 'run:7', takenBy: null })).toBe('waiting for a seat: waits for primary');
  });
});
