import { describe, expect, it } from 'vitest';

import type { DirectoryInfo } from '../../../../src/sources/ldap/directory-info.ts';
import { NO_CHANGE } from '../../../../src/sources/ldap/group-types.ts';
import {
  nextCursor,
  parseCursor,
  planRead,
  type AdUsnCursor,
  type NextCursorInput,
  type PlanInput,
  type TimestampCursor,
} from '../../../../src/sources/ldap/ldap-cursor.ts';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const DAY_MS = 86_400_000;

const adInfo: DirectoryInfo = { namingContexts: ['dc=corp,dc=test'], invocationId: 'inv-1', highestCommittedUsn: 5000, serverTime: null, contentSync: false };
const ldapInfo: DirectoryInfo = { namingContexts: ['dc=example,dc=test'], invocationId: null, highestCommittedUsn: null, serverTime: null, contentSync: true };
const usnCursor: AdUsnCursor = { kind: 'ad-usn', invocationId: 'inv-1', usn: 4000, fullAt: '2024-06-01T06:00:00.000Z', scope: 's1', groups: 'g1' };
const timeCursor: TimestampCursor = { kind: 'modify-timestamp', since: '20240601110000Z', fullAt: '2024-06-01T06:00:00.000Z', scope: 's1', groups: 'g1' };

function plan(overrides: Partial<PlanInput>): ReturnType<typeof planRead> {
  return planRead({
    config: { flavor: 'active-directory', fullEveryMs: DAY_MS },
    cursor: usnCursor,
    forceFull: false,
    nowMs: NOW,
    scope: 's1',
    info: adInfo,
    groups: { newestChange: NO_CHANGE, fingerprint: 'g1' },
    ...overrides,
  });
}

describe('planRead', () => {
  it('reads AD changes above the stored USN on the same DC', () => {
    expect(plan({})).toEqual({ mode: 'incremental', changeFilter: '(uSNChanged>=4001)', reason: 'uSNChanged' });
  });

  it.each<[string, Partial<PlanInput>]>([
    ['full read requested', { forceFull: true }],
    ['no cursor from a previous read', { cursor: null }],
    ['source or group configuration changed', { scope: 's2' }],
    ['periodic full read', { nowMs: Date.parse(usnCursor.fullAt) + DAY_MS }],
    ['group membership changed', { groups: { newestChange: NO_CHANGE, fingerprint: 'g2' } }],
    ['another DC, or the DC was restored', { info: { ...adInfo, invocationId: 'inv-2' } }],
    ['the DC reports an older USN than the cursor', { info: { ...adInfo, highestCommittedUsn: 3999 } }],
    ['a group changed', { groups: { newestChange: { usn: 4001, modifyTimestamp: null }, fingerprint: 'g1' } }],
    ['flavor changed', { config: { flavor: 'openldap', fullEveryMs: DAY_MS } }],
  ])('reads fully when %s', (reason, overrides) => {
    expect(plan(overrides)).toEqual({ mode: 'full', reason });
  });

  it('reads LDAP changes from the stored modifyTimestamp', () => {
    const ldap = { config: { flavor: 'openldap' as const, fullEveryMs: DAY_MS }, cursor: timeCursor, info: ldapInfo };
    expect(plan(ldap)).toEqual({ mode: 'incremental', changeFilter: '(modifyTimestamp>=20240601110000Z)', reason: 'modifyTimestamp' });
    expect(plan({ ...ldap, config: { flavor: 'active-directory', fullEveryMs: DAY_MS } })).toMatchObject({ mode: 'full' });
  });
});

describe('nextCursor', () => {
  const base: NextCursorInput = {
    config: { flavor: 'active-directory' },
    plan: { mode: 'full', reason: 'test' },
    previous: null,
    scope: 's1',
    groups: 'g1',
    info: adInfo,
    startedAt: new Date(NOW),
    durationMs: 2_500,
    newestModified: null,
    syncCookie: null,
  };

  it('binds an AD cursor to the DC and the USN read when the read began', () => {
    expect(nextCursor(base)).toEqual({
      kind: 'ad-usn', invocationId: 'inv-1', usn: 5000, fullAt: '2024-06-01T12:00:00.000Z', scope: 's1', groups: 'g1',
    });
  });

  it('keeps the time of the last full read through incremental reads', () => {
    const cursor = nextCursor({ ...base, plan: { mode: 'incremental', changeFilter: '', reason: '' }, previous: usnCursor });
    expect(cursor?.fullAt).toBe(usnCursor.fullAt);
  });

  it('keeps no AD cursor when the DC does not say where it is', () => {
    expect(nextCursor({ ...base, info: { ...adInfo, invocationId: null } })).toBeNull();
  });

  it("starts the next LDAP read at the server's clock when it publishes one", () => {
    const cursor = nextCursor({ ...base, config: { flavor: 'openldap' }, info: { ...ldapInfo, serverTime: '20240601115959Z' }, newestModified: '20240601115000Z' });
    expect(cursor).toMatchObject({ kind: 'modify-timestamp', since: '20240601115959Z' });
  });

  it('otherwise starts it one read duration before the newest change seen, never later than before', () => {
    const ldap = { ...base, config: { flavor: 'openldap' as const }, info: ldapInfo };
    // 12:00:00 − 2.5 s, rounded down to the second.
    expect(nextCursor({ ...ldap, newestModified: '20240601120000Z' })).toMatchObject({ since: '20240601115957Z' });
    const incremental = { ...ldap, plan: { mode: 'incremental' as const, changeFilter: '', reason: '' }, previous: timeCursor };
    expect(nextCursor({ ...incremental, newestModified: null })).toMatchObject({ since: timeCursor.since });
    expect(nextCursor({ ...incremental, newestModified: '20240601100000Z' })).toMatchObject({ since: timeCursor.since });
    expect(nextCursor({ ...ldap, newestModified: null })).toBeNull();
  });

  it('keeps the content-sync cookie beside the time, as base64', () => {
    const cookie = Buffer.from('rid=000,csn=20240601120000.000000Z#000000#000#000000');
    const ldap = { ...base, config: { flavor: 'openldap' as const }, info: { ...ldapInfo, serverTime: '20240601115959Z' } };
    const cursor = nextCursor({ ...ldap, syncCookie: cookie });
    expect(cursor).toMatchObject({ kind: 'modify-timestamp', since: '20240601115959Z', syncCookie: cookie.toString('base64') });
    expect(parseCursor(JSON.parse(JSON.stringify(cursor)))).toEqual(cursor);
    expect(nextCursor(ldap)).not.toHaveProperty('syncCookie');
  });
});

describe('parseCursor', () => {
  it('accepts the cursors it writes, after a JSON round trip', () => {
    expect(parseCursor(JSON.parse(JSON.stringify(usnCursor)))).toEqual(usnCursor);
    expect(parseCursor(JSON.parse(JSON.stringify(timeCursor)))).toEqual(timeCursor);
  });

  it('treats anything else as no cursor (a full read)', () => {
    expect(parseCursor(null)).toBeNull();
    expect(parseCursor({ kind: 'delta', link: 'https://graph' })).toBeNull();
    expect(parseCursor({ ...usnCursor, usn: '4000' })).toBeNull();
    expect(parseCursor({ ...timeCursor, since: 'yesterday' })).toBeNull();
    expect(parseCursor({ ...timeCursor, fullAt: 'never' })).toBeNull();
  });
});
