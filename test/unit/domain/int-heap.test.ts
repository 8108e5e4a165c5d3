import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntHeap } from '../../../src/domain/int-heap.ts';

const drain = (heap: IntHeap): number[] => {
  const out: number[] = [];
  while (heap.size > 0) out.push(heap.pop());
  return out;
};

describe('IntHeap', () => {
  it('pops pushed items smallest first', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000)), (items) => {
        const heap = new IntHeap();
        for (const item of items) heap.push(item);
        expect(drain(heap)).toEqual([...items].sort((a, b) => a - b));
      }),
      { numRuns: 1000 },
    );
  });

  it('heapifies given items under a custom order', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000)), (items) => {
        const descending = (a: number, b: number) => b - a;
        expect(drain(new IntHeap(descending, [...items]))).toEqual([...items].sort(descending));
      }),
      { numRuns: 1000 },
    );
  });

  it('answers -1 when empty', () => {
    const heap = new IntHeap();
    expect([heap.peek(), heap.pop(), heap.size]).toEqual([-1, -1, 0]);
  });
});
