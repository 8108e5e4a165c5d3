import { describe, expect, it } from 'vitest';
import { isEmptyRead, removalThreshold, shouldHold } from '../../../src/sync/apply-run.ts';

const counts = (c: { total: number; wouldRemove?: number; wouldDisable?: number; staged?: number }) => ({
  total: c.total,
  wouldRemove: c.wouldRemove ?? 0,
  wouldDisable: c.wouldDisable ?? 0,
  staged: c.staged ?? c.total,
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

describe('shouldHold', () => {
  it('holds when removals plus disables exceed the threshold', () => {
    expect(shouldHold(counts({ total: 100, wouldRemove: 4, wouldDisable: 3 }), { threshold: 6, mode: 'full', unidentified: 0 })).toBe(true);
    expect(shouldHold(counts({ total: 100, wouldRemove: 3, wouldDisable: 3 }), { threshold: 6, mode: 'full', unidentified: 0 })).toBe(false);
  });

  it('always holds an empty full read of a source that has accounts', () => {
    expect(shouldHold(counts({ total: 3, wouldRemove: 3, staged: 0 }), { threshold: 100, mode: 'full', unidentified: 0 })).toBe(true);
    expect(isEmptyRead(counts({ total: 3, wouldRemove: 3, staged: 0 }), 'full')).toBe(true);
  });

  it('calls only a full read of nobody an empty read: an incremental one that deletes everyone is held for its count', () => {
    const everyoneDeleted = counts({ total: 30, wouldRemove: 30, staged: 0 });
    expect(isEmptyRead(everyoneDeleted, 'incremental')).toBe(false);
    expect(shouldHold(everyoneDeleted, { threshold: 5, mode: 'incremental', unidentified: 0 })).toBe(true);
    expect(isEmptyRead(counts({ total: 0, staged: 0 }), 'full')).toBe(false);
  });

  it('does not hold an empty incremental read (no changes) or the first read of an empty source', () => {
    expect(shouldHold(counts({ total: 3, staged: 0 }), { threshold: 5, mode: 'incremental', unidentified: 0 })).toBe(false);
    expect(shouldHold(counts({ total: 0, staged: 0 }), { threshold: 5, mode: 'full', unidentified: 0 })).toBe(false);
  });

  it('holds a full read that would remove anyone while an entry came back without a readable id', () => {
    expect(shouldHold(counts({ total: 100, wouldRemove: 1 }), { threshold: 10, mode: 'full', unidentified: 1 })).toBe(true);
    expect(shouldHold(counts({ total: 100, wouldDisable: 1 }), { threshold: 10, mode: 'full', unidentified: 1 })).toBe(false);
    // Deletions an incremental read reports are certain; an unreadable entry cannot be one of them.
    expect(shouldHold(counts({ total: 100, wouldRemove: 1 }), { threshold: 10, mode: 'incremental', unidentified: 1 })).toBe(false);
  });
});
