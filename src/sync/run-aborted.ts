/** The run was aborted (the worker is stopping) before its transaction committed: nothing was applied. */
export class RunAbortedError extends Error {
  readonly code = 'aborted';
  /** A shutdown, not a bug: logged as one line (src/logging.ts). */
  readonly expected = true;
  constructor() {
    super('aborted before its changes were committed (the worker is stopping); nothing was applied');
    this.name = 'RunAbortedError';
  }
}

/**
 * Throws `RunAbortedError` once `signal` is aborted. The apply asks between its steps and slices, so a
 * stopping worker's run rolls back within one step instead of finishing a long apply first.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RunAbortedError();
}
