// The benchmarks' verdicts: a figure is the median of its rounds, its floor the median of the floor's, and a
// target is met only when the median meets it and its condition holds.
import { describe, expect, it } from 'vitest';
import { describeFigure, figureOf, median, verdict } from '../../../bench/support.ts';

describe('benchmark figures', () => {
  it('takes the median of an odd and of an even number of rounds', () => {
    expect(median([5, 1, 9])).toBe(5);
    expect(median([4, 1, 9, 2])).toBe(3);
    expect(median([])).toBeNaN();
  });

  it('judges a ratio target on the medians, not on the best round', () => {
    const figure = figureOf({ name: 'first sync', samples: [100, 300, 310], floorSamples: [100, 200, 220], floor: 'ldapsearch', target: { ratio: 1.3 } });
    expect(figure.value).toBe(300);
    expect(figure.floorValue).toBe(200);
    expect(verdict(figure)).toEqual({ ratio: 1.5, met: false });
    expect(describeFigure(figure)).toBe('first sync: 300 ms (100–310, n=3) | floor 200 ms (100–220, n=3) (ldapsearch) = 1.50× floor | target ≤ 1.3× floor — MISSED');
  });

  it('misses a target whose condition does not hold, however fast', () => {
    const figure = figureOf({ name: 'incremental', samples: [200, 210, 190], floor: '', target: { max: 1000 }, condition: { what: 'deletions applied', holds: false } });
    expect(verdict(figure).met).toBe(false);
    expect(verdict({ ...figure, condition: { what: 'deletions applied', holds: true } }).met).toBe(true);
  });
});
