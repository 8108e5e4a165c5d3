import { afterEach, describe, expect, it, vi } from 'vitest';

import { withDeadline } from '../../src/deadline.ts';

describe('withDeadline', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles as the promise does when it is first, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    await expect(withDeadline(Promise.resolve(7), 1_000, () => new Error('late'))).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('refused')), 1_000, () => new Error('late'))).rejects.toThrow('refused');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with the timeout error once the time has passed first', async () => {
    vi.useFakeTimers();
    const never = new Promise<number>(() => undefined);
    const raced = withDeadline(never, 2_000, () => new Error('no answer within 2000 ms'));
    const outcome = expect(raced).rejects.toThrow('no answer within 2000 ms');
    await vi.advanceTimersByTimeAsync(1_999);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await outcome;
  });

  it('a deadline of 0 or less is none', async () => {
    const promise = Promise.resolve('same');
    expect(withDeadline(promise, 0, () => new Error('x'))).toBe(promise);
    expect(withDeadline(promise, -1, () => new Error('x'))).toBe(promise);
  });
});
