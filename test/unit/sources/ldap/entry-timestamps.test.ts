// The fast path for entry timestamps must agree with the shared generalized-time parser everywhere.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGeneralizedTime, parseGeneralizedTime } from '../../../../src/sources/directory-values.ts';
import { normalizedEntryTime, parseEntryTime } from '../../../../src/sources/ldap/entry-timestamps.ts';

const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
/** Mostly the canonical form with any digits (so invalid dates too), sometimes other forms. */
const timestampArb = fc.oneof(
  { weight: 6, arbitrary: digits(14).map((d) => `${d}Z`) },
  { weight: 2, arbitrary: fc.tuple(digits(14), fc.constantFrom('.0Z', '+0100', '-0530', ' Z', 'z', '')).map(([d, tail]) => `${d}${tail}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 16 }) },
);

describe('entry timestamps', () => {
  it('parse as parseGeneralizedTime does', () => {
    fc.assert(
      fc.property(timestampArb, (text) => {
        expect(parseEntryTime(text)?.getTime() ?? null).toBe(parseGeneralizedTime(text)?.getTime() ?? null);
      }),
      { numRuns: 3000 },
    );
  });

  it('normalize as format(parse(…)) does', () => {
    fc.assert(
      fc.property(timestampArb, (text) => {
        const date = parseGeneralizedTime(text);
        expect(normalizedEntryTime(text)).toBe(date === null ? null : formatGeneralizedTime(date));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads the usual forms', () => {
    expect(parseEntryTime('20240102030405Z')?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(parseEntryTime('20240230000000Z')).toBeNull();
    expect(normalizedEntryTime('20240102030405.0Z')).toBe('20240102030405Z');
  });
});
