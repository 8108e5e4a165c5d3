// bench:compare's paired figure: each round's after ÷ before, from samples taken next to each other.
import { describe, expect, it } from 'vitest';

import { pairedRatios } from '../../../bench/lib/alternate.ts';
import { figureOf } from '../../../bench/support.ts';

const figure = (samples: number[]) => figureOf({ name: 'first sync', samples, floor: '', target: null });

describe('paired ratios of two sides', () => {
  it('divides each round of the after side by the same round of the before side', () => {
    // The before side drifted slower over its rounds; the after side is 10% faster in every round.
    const paired = pairedRatios(figure([100, 200, 400]), figure([90, 180, 360]));
    expect(paired?.ratios.map((r) => r.toFixed(2))).toEqual(['0.90', '0.90', '0.90']);
    expect(paired?.median).toBeCloseTo(0.9);
    expect(paired?.min).toBeCloseTo(0.9);
    expect(paired?.max).toBeCloseTo(0.9);
  });

  it('gives the median and spread of the ratios, not the ratio of the medians', () => {
    const paired = pairedRatios(figure([100, 100, 300]), figure([120, 250, 150]));
    expect(paired?.median).toBeCloseTo(1.2);
    expect(paired?.min).toBeCloseTo(0.5);
    expect(paired?.max).toBeCloseTo(2.5);
  });

  it('pairs a figure without samples by its one value, and not rounds that do not match', () => {
    const single = { name: 'resync', value: 50, floorValue: null, floor: '', target: null };
    expect(pairedRatios(single, { ...single, value: 40 })?.ratios).toEqual([0.8]);
    expect(pairedRatios(figure([1, 2, 3]), figure([1, 2]))).toBeNull();
  });

  it('gives no ratio when a round has none (a before sample of 0, a sample missing)', () => {
    expect(pairedRatios(figure([0, 10]), figure([10, 10]))).toBeNull();
    expect(pairedRatios(figure([10, Number.NaN]), figure([10, 10]))).toBeNull();
  });
});
