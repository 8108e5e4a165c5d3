// Redis connections for BullMQ and the source locks, and the start-up check of Redis' eviction policy.
import { Redis } from 'ioredis';
import type { Logger } from '../src/logging.ts';
import { redactUrl } from '../src/store/db.ts';

export class RedisUnavailableError extends Error {
  readonly code = 'redis';
  /** An outage, not a bug: logged as one line (src/logging.ts). */
  readonly expected = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisUnavailableError';
  }
}

export interface ConnectRedisOptions {
  /** Connection name shown by `CLIENT LIST` (helps when several deployments share one Redis). */
  readonly name: string;
  /** Give up connecting after this long (default 10000 ms); reconnects later are retried forever. */
  readonly connectTimeoutMs?: number;
  /**
   * For request/response callers (the HTTP API): while Redis is away a command fails at once instead of
   * waiting for it, a command in flight when the connection drops is failed rather than sent again after
   * the reconnect, and a command without an answer fails after this many ms. Never for BullMQ workers.
   */
  readonly failFastAfterMs?: number;
}

/**
 * Opens one connection and waits until it is ready. `maxRetriesPerRequest: null` is what BullMQ
 * requires of connections it blocks on; commands issued while Redis restarts wait for it to return
 * (unless `failFastAfterMs` is set).
 */
export async function connectRedis(url: string, options: ConnectRedisOptions): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    ...(options.failFastAfterMs === undefined
      ? {}
      : { enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, commandTimeout: options.failFastAfterMs }),
  });
  // Errors while connected are reported through BullMQ and the health check; without a listener
  // ioredis would print every reconnect attempt as an unhandled error event. The first one explains a
  // failed connect better than connect()'s own "Connection is closed".
  let firstError: Error | null = null;
  redis.on('error', (error: Error) => (firstError ??= error));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const reason = (firstError ?? (error as Error)).message;
    throw new RedisUnavailableError(`cannot connect to Redis at ${redactUrl(url)}: ${reason}`, { cause: firstError ?? error });
  }
  return redis;
}

/** Redis' `maxmemory-policy`, or why it cannot be read (managed services often forbid CONFIG). */
export async function readEvictionPolicy(redis: Redis): Promise<{ policy: string | null } | { unreadable: Error }> {
  try {
    const reply = (await redis.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
    return { policy: reply[1] ?? null };
  } catch (error) {
    return { unreadable: error as Error };
  }
}

/**
 * BullMQ loses jobs when Redis evicts keys under memory pressure, so it needs `noeviction`. Managed
 * Redis services often forbid CONFIG: then there is nothing to check and we say so at debug level.
 */
export async function warnUnlessNoEviction(redis: Redis, logger: Logger): Promise<string | null> {
  const read = await readEvictionPolicy(redis);
  if ('unreadable' in read) {
    logger.debug({ err: read.unreadable }, 'cannot read the Redis maxmemory-policy (CONFIG is not allowed)');
    return null;
  }
  const { policy } = read;
  if (policy !== null && policy !== 'noeviction') {
    logger.warn(
      { maxmemoryPolicy: policy },
      `Redis maxmemory-policy is "${policy}": queued jobs may be evicted under memory pressure. Set it to noeviction.`,
    );
  }
  return policy;
}

/** Quits gracefully; drops the connection if Redis does not answer. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await Promise.race([redis.quit(), new Promise((_, reject) => setTimeout(() => reject(new Error('quit timed out')), 2_000).unref())]);
  } catch {
    redis.disconnect();
  }
}
