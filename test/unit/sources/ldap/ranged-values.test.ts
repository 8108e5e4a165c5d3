import { describe, expect, it } from 'vitest';

import { EntryView } from '../../../../src/sources/ldap/entry-view.ts';
import { firstRangeName, rangedChunk } from '../../../../src/sources/ldap/ranged-values.ts';

const values = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `cn=u${from + i},dc=x`);

describe('rangedChunk', () => {
  it('returns plain values when the server sent the whole attribute', () => {
    expect(rangedChunk(new EntryView({ dn: 'cn=g', member: values(0, 2) }), 'member')).toEqual({ values: values(0, 2), nextStart: null });
  });

  it('continues after a capped range (AD past MaxValRange)', () => {
    const view = new EntryView({ dn: 'cn=g', 'member;range=0-1499': values(0, 1499) });
    expect(rangedChunk(view, 'member')).toEqual({ values: values(0, 1499), nextStart: 1500 });
  });

  it('stops at a range ending in *, ignoring the empty name ldapts adds for the requested range', () => {
    const view = new EntryView({ dn: 'cn=g', 'Member;Range=1500-2999': [], 'member;range=1500-*': values(1500, 1599) });
    expect(rangedChunk(view, 'member')).toEqual({ values: values(1500, 1599), nextStart: null });
  });

  it('treats an empty final range as the end', () => {
    expect(rangedChunk(new EntryView({ dn: 'cn=g', 'member;range=1600-*': [] }), 'member')).toEqual({ values: [], nextStart: null });
  });

  it('names the first range explicitly', () => {
    expect(firstRangeName('member')).toBe('member;range=0-1499');
  });
});
