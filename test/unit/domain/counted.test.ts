// formatCount groups integers itself (toLocaleString's first call loads ICU's number formats at every
// command's start); it must write every number exactly as toLocaleString('en-US') does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { counted, formatCount } from '../../../src/domain/counted.ts';

describe('formatCount', () => {
  it('writes every number as toLocaleString("en-US") does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.double({ noNaN: true })), (n) => {
        expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
      }),
      { numRuns: 20_000, examples: [[0], [-0], [999], [1000], [-1000], [100_000], [1_234_567], [Number.MAX_SAFE_INTEGER], [-Number.MAX_SAFE_INTEGER], [2 ** 53], [1.5], [Infinity]] },
    );
  });

  it('counts in sentences', () => {
    expect(counted(1, 'account')).toBe('1 account');
    expect(counted(1200, 'user')).toBe('1,200 users');
    expect(counted(2, 'entry', 'entries')).toBe('2 entries');
  });
});
