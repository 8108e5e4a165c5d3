// The API's Redis calls (queueing and reading sync jobs) answer within a deadline: with Redis away a
// request gets a 503 in about 2 s instead of hanging for the whole outage.
import { withDeadline } from '../deadline.ts';
import { ApiError } from './errors.ts';

/** How long an API request waits for Redis before answering 503. */
export const REDIS_DEADLINE_MS = 2_000;

class DeadlineError extends Error {
  readonly code = 'deadline';
}

/**
 * Runs `op` against Redis; a failure or no answer within `REDIS_DEADLINE_MS` becomes a 503, after
 * calling `onGiveUp` (to undo what the operation may still do once Redis answers).
 */
export async function withRedis<T>(what: string, op: () => Promise<T>, options: { onGiveUp?: () => void } = {}): Promise<T> {
  const running = op();
  running.catch(() => undefined);
  try {
    return await withDeadline(running, REDIS_DEADLINE_MS, () => new DeadlineError(`no answer within ${REDIS_DEADLINE_MS} ms`));
  } catch (error) {
    options.onGiveUp?.();
    const reason = error instanceof Error ? error.message : String(error);
    throw new ApiError(503, 'unavailable', `Redis is not reachable (${reason}): ${what}; try again when it is back`);
  }
}

/** Between two tries to take back a sync queued by a request that was answered 503. */
const TAKE_BACK_EVERY_MS = 1_000;
/** Longest time to keep trying (a Redis outage longer than this lost the command with its connection). */
const TAKE_BACK_FOR_MS = 10 * 60_000;

/**
 * Removes job `jobId` once Redis answers. The API's connection sends commands in order and never
 * resends one after a reconnect, so the first removal Redis answers comes after the add it may still
 * have been holding; removing a job that is not there is a no-op. Gives up after TAKE_BACK_FOR_MS.
 */
export function takeBackJob(remove: () => Promise<unknown>, onDone: (outcome: 'removed' | 'gave-up') => void): void {
  const until = Date.now() + TAKE_BACK_FOR_MS;
  const attempt = (): void => {
    remove().then(
      () => onDone('removed'),
      () => {
        if (Date.now() >= until) return onDone('gave-up');
        setTimeout(attempt, TAKE_BACK_EVERY_MS).unref();
      },
    );
  };
  attempt();
}
