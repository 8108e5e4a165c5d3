import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeHold, heldReport, holdReason, mayBeHeld, removalThreshold } from '../../../src/domain/hold.ts';

const counts = (c: { total: number; wouldRemove?: number; wouldDisable?: number; returned?: number }) => ({
  total: c.total,
  wouldRemove: c.wouldRemove ?? 0,
  wouldDisable: c.wouldDisable ?? 0,
  returned: c.returned ?? c.total,
});

describe('removalThreshold', () => {
  it.each([
    [{ percent: 10 }, 1000, 100],
    [{ percent: 10 }, 1005, 100],
    [{ percent: 10 }, 20, 5], // never fewer than 5
    [{ percent: 10 }, 0, 5],
    [{ percent: 50 }, 30, 15],
    [{ count: 2 }, 1000, 2], // an explicit count is taken as is
  ] as const)('%o of %i accounts allows %i', (policy, total, expected) => {
    expect(removalThreshold(policy, total)).toBe(expected);
  });
});

describe('mayBeHeld', () => {
  it('is false only where holdReason is null whatever the total, threshold, mode and unidentified entries', () => {
    const small = fc.nat({ max: 20 });
    fc.assert(
      fc.property(small, small, small, small, small, small, fc.constantFrom('full', 'incremental'), (total, wouldRemove, wouldDisable, returned, threshold, unidentified, mode) => {
        const c = { total, wouldRemove, wouldDisable, returned };
        if (!mayBeHeld(c)) expect(holdReason(c, { threshold, mode, unidentified })).toBeNull();
      }),
    );
  });
});

describe('holdReason', () => {
  it('holds when removals plus disables exceed the threshold', () => {
    expect(holdReason(counts({ total: 100, wouldRemove: 4, wouldDisable: 3 }), { threshold: 6, mode: 'full', unidentified: 0 })).toBe('removals');
    expect(holdReason(counts({ total: 100, wouldRemove: 3, wouldDisable: 3 }), { threshold: 6, mode: 'full', unidentified: 0 })).toBeNull();
  });

  it('always holds an empty full read of a source that has accounts', () => {
    expect(holdReason(counts({ total: 3, wouldRemove: 3, returned: 0 }), { threshold: 100, mode: 'full', unidentified: 0 })).toBe('empty-read');
    // Empty whatever else holds it too.
    expect(holdReason(counts({ total: 300, wouldRemove: 300, returned: 0 }), { threshold: 5, mode: 'full', unidentified: 2 })).toBe('empty-read');
  });

  it('does not call a read an empty one when its entries came back unreadable (their accounts are kept)', () => {
    // One account, its one row unreadable but with its id: frozen, so nothing to remove.
    expect(holdReason(counts({ total: 1, returned: 1 }), { threshold: 5, mode: 'full', unidentified: 0 })).toBeNull();
    // Unreadable without an id: the account it would sweep may be that entry's.
    expect(holdReason(counts({ total: 1, wouldRemove: 1, returned: 1 }), { threshold: 5, mode: 'full', unidentified: 1 })).toBe('unidentified');
    // Many accounts, one unreadable entry returned: no empty read, but the removals are weighed.
    expect(holdReason(counts({ total: 100, wouldRemove: 99, returned: 1 }), { threshold: 10, mode: 'full', unidentified: 0 })).toBe('removals');
  });

  it('calls only a full read of nobody an empty read: an incremental one that deletes everyone is held for its count', () => {
    const everyoneDeleted = counts({ total: 30, wouldRemove: 30, returned: 0 });
    expect(holdReason(everyoneDeleted, { threshold: 5, mode: 'incremental', unidentified: 0 })).toBe('removals');
  });

  it('does not hold an empty incremental read (no changes) or the first read of an empty source', () => {
    expect(holdReason(counts({ total: 3, returned: 0 }), { threshold: 5, mode: 'incremental', unidentified: 0 })).toBeNull();
    expect(holdReason(counts({ total: 0, returned: 0 }), { threshold: 5, mode: 'full', unidentified: 0 })).toBeNull();
  });

  it('holds a full read that would remove anyone while an entry came back without a readable id', () => {
    expect(holdReason(counts({ total: 100, wouldRemove: 1 }), { threshold: 10, mode: 'full', unidentified: 1 })).toBe('unidentified');
    expect(holdReason(counts({ total: 100, wouldDisable: 1 }), { threshold: 10, mode: 'full', unidentified: 1 })).toBeNull();
    // Deletions an incremental read reports are certain; an unreadable entry cannot be one of them.
    expect(holdReason(counts({ total: 100, wouldRemove: 1 }), { threshold: 10, mode: 'incremental', unidentified: 1 })).toBeNull();
  });
});

describe('describeHold', () => {
  const held = { wouldDisable: 0, wouldRemove: 4, total: 10, threshold: 2 };

  it('says why a run was held, in the words of its reason', () => {
    expect(describeHold({ ...held, reason: 'removals' })).toBe('it would disable 0 and remove 4 of 10 accounts (policy.maxRemovals allows 2 per run)');
    expect(describeHold({ ...held, reason: 'empty-read' })).toBe('the source returned no users although it has 10 accounts');
    expect(describeHold({ ...held, reason: 'unidentified' })).toBe(
      'it would disable 0 and remove 4 of 10 accounts, while some entries came back without a readable id: any account it would remove may be one of them',
    );
  });

  it('reads a hold recorded without a reason as one over the limit, and leaves out an unknown threshold', () => {
    expect(describeHold(held)).toBe('it would disable 0 and remove 4 of 10 accounts (policy.maxRemovals allows 2 per run)');
    expect(describeHold({ ...held, threshold: null })).toBe('it would disable 0 and remove 4 of 10 accounts');
  });
});

describe('heldReport', () => {
  it('keeps only the report of what the run records, and says the reason a run recorded without one had', () => {
    const recorded = { wouldDisable: 1, wouldRemove: 4, total: 10, threshold: 2, unidentified: 3, reason: 'unidentified' as const };
    expect(heldReport(recorded)).toEqual({ wouldDisable: 1, wouldRemove: 4, total: 10, threshold: 2, reason: 'unidentified' });
    expect(heldReport({ wouldDisable: 1, wouldRemove: 4, total: 10, threshold: null })).toEqual({ wouldDisable: 1, wouldRemove: 4, total: 10, threshold: null, reason: 'removals' });
  });
});
