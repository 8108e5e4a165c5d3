// One run per source at a time, across every worker process: a lease in Redis per source, renewed
// while the run lasts. BullMQ has no per-key concurrency (groups are a commercial add-on), and the seat
// lock in PostgreSQL only serializes the apply step, not the read that precedes it.
//
// A run that loses its lease (Redis unreachable for longer than the lease) is aborted: it changes
// nothing, because a run applies in one transaction that the abort prevents from starting.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export class SourceLockLostError extends Error {
  readonly code = 'lock-lost';
  /** Redis was away for longer than the lease: logged as one line (src/logging.ts). */
  readonly expected = true;
  constructor(source: string) {
    super(`the lock on source ${source} was lost (Redis unreachable for longer than the lease); the run was aborted`);
    this.name = 'SourceLockLostError';
  }
}

export interface HeldSourceLock {
  /** Aborted when the lease could not be renewed in time. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface SourceLocksOptions {
  /** `redis.prefix`: locks live at `<prefix>:lock:source:<name>`. */
  readonly prefix: string;
  /** Lease length (default 30000 ms); renewed every third of it. A crashed worker frees its sources after this. */
  readonly leaseMs?: number;
  /** How often a waiting run retries (default 500 ms). */
  readonly retryMs?: number;
}

export class SourceLocks {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #retryMs: number;

  constructor(redis: Redis, options: SourceLocksOptions) {
    this.#redis = redis;
    this.#prefix = options.prefix;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#retryMs = options.retryMs ?? 500;
  }

  keyOf(source: string): string {
    return `${this.#prefix}:lock:source:${source}`;
  }

  /** True when some worker holds the source right now. */
  async isHeld(source: string): Promise<boolean> {
    return (await this.#redis.exists(this.keyOf(source))) === 1;
  }

  /** Waits until the source is free, then holds it. Throws the signal's reason when aborted first. */
  async acquire(source: string, options: { signal?: AbortSignal; onWait?: () => void } = {}): Promise<HeldSourceLock> {
    const key = this.keyOf(source);
    const token = randomUUID();
    let waited = false;
    for (;;) {
      options.signal?.throwIfAborted();
      const ok = await this.#redis.set(key, token, 'PX', this.#leaseMs, 'NX');
      if (ok === 'OK') return this.#hold(source, key, token);
      if (!waited) options.onWait?.();
      waited = true;
      await pause(this.#retryMs, options.signal);
    }
  }

  #hold(source: string, key: string, token: string): HeldSourceLock {
    const lost = new AbortController();
    let renewedAt = Date.now();
    const timer = setInterval(() => {
      this.#redis
        .eval(RENEW, 1, key, token, String(this.#leaseMs))
        .then((result) => {
          if (result === 1) renewedAt = Date.now();
          else lost.abort(new SourceLockLostError(source));
        })
        .catch(() => {
          // Redis is away: the lease still counts from the last renewal.
          if (Date.now() - renewedAt >= this.#leaseMs) lost.abort(new SourceLockLostError(source));
        });
    }, Math.max(100, Math.floor(this.#leaseMs / 3)));
    timer.unref();
    return {
      lost: lost.signal,
      release: async () => {
        clearInterval(timer);
        await this.#redis.eval(RELEASE, 1, key, token).catch(() => undefined);
      },
    };
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted(): void {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
