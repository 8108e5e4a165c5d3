// The fingerprints of a read's new ids decide whether the stage searches the staging table for repeated
// ids: a repeat must always show; distinct ids must (with 63 bits, practically always) not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdFingerprints } from '../../../src/sync/source-snapshot.ts';

const added = (ids: readonly string[]): IdFingerprints => {
  const set = new IdFingerprints();
  for (const id of ids) set.add(id);
  return set;
};

describe('IdFingerprints', () => {
  it('tells a repeated id, wherever it comes and however the table grew', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: 'binary', maxLength: 40 }), { minLength: 1, maxLength: 3_000 }), fc.nat(), fc.nat(), (ids, from, at) => {
        expect(added(ids).mayRepeat).toBe(false);
        const repeated = [...ids];
        repeated.splice(at % (ids.length + 1), 0, ids[from % ids.length] ?? '');
        expect(added(repeated).mayRepeat).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('finds no repeat among 300,000 distinct ids shaped like directory ids', () => {
    const ids: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      ids.push(`uid=u${i},ou=people,dc=example,dc=com`, `${i.toString(16).padStart(8, '0')}-4f1c-9a2b-${(i * 7919).toString(16).padStart(12, '0')}`, String(i));
    }
    const set = added(ids);
    expect(set.mayRepeat).toBe(false);
    set.add('uid=u99999,ou=people,dc=example,dc=com');
    expect(set.mayRepeat).toBe(true);
  });
});
