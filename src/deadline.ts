// A deadline on a promise: what a probe, a connection or an API call to Redis waits at most.

/**
 * Settles as `promise` does, or rejects with `timeout()` once `ms` have passed first; the timer is cleared
 * either way, so it never holds the process open. `ms` of 0 or less: no deadline.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  if (ms <= 0) return promise;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
