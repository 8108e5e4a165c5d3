// A binary heap of non-negative integers (queue positions, account indices), smallest first under
// `compare` (default: numeric). Small and allocation-free once grown.

export type IntCompare = (a: number, b: number) => number;

const numeric: IntCompare = (a, b) => a - b;

export class IntHeap {
  readonly #items: number[];
  readonly #compare: IntCompare;

  constructor(compare: IntCompare = numeric, items: number[] = []) {
    this.#compare = compare;
    this.#items = items;
    // Floyd's heap construction: O(n), cheaper than sorting when only the first few are taken.
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  get size(): number {
    return this.#items.length;
  }

  /** Smallest item, or -1 when empty. */
  peek(): number {
    return this.#items[0] ?? -1;
  }

  push(value: number): void {
    const items = this.#items;
    let i = items.length;
    items.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent] ?? value;
      if (this.#compare(above, value) <= 0) break;
      items[i] = above;
      i = parent;
    }
    items[i] = value;
  }

  /** Removes and returns the smallest item, or -1 when empty. */
  pop(): number {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined) return -1;
    if (items.length > 0) {
      items[0] = last;
      this.#siftDown(0);
    }
    return top;
  }

  #siftDown(start: number): void {
    const items = this.#items;
    const n = items.length;
    const value = items[start] ?? 0;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      let child = left;
      let childValue = items[left] ?? value;
      const right = left + 1;
      if (right < n) {
        const rightValue = items[right] ?? value;
        if (this.#compare(rightValue, childValue) < 0) {
          child = right;
          childValue = rightValue;
        }
      }
      if (this.#compare(childValue, value) >= 0) break;
      items[i] = childValue;
      i = child;
    }
    items[i] = value;
  }
}
