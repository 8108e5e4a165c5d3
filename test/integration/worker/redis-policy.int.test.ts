// The start-up check of Redis' eviction policy, against a Redis server of its own (started here with an
// evicting policy, so the shared test Redis keeps its configuration).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../../src/logging.ts';
import { capturedLog, logLines, type LogLine } from '../../support/log-lines.ts';
import { closeRedis, connectRedis, RedisUnavailableError, warnUnlessNoEviction } from '../../../jobs/redis.ts';
import { startPrivateRedis, type PrivateRedis } from '../../support/private-redis.ts';
import { closedPort } from '../../support/closed-port.ts';
import { REDIS_URL, requireRedis } from './worker-fixtures.ts';

function capture(): { logger: Logger; lines: () => LogLine[] } {
  const log = capturedLog();
  return { logger: createLogger({ level: 'debug', destination: log.destination }), lines: () => logLines(log.text()) };
}

describe('Redis eviction policy check', () => {
  let server: PrivateRedis;
  let url: string;

  beforeAll(async () => {
    await requireRedis();
    server = await startPrivateRedis(['--maxmemory-policy', 'allkeys-lru']);
    url = server.url;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('warns when Redis may evict queued jobs', async () => {
    const redis = await connectRedis(url, { name: 'test' });
    const { logger, lines } = capture();
    try {
      expect(await warnUnlessNoEviction(redis, logger)).toBe('allkeys-lru');
    } finally {
      await closeRedis(redis);
    }
    expect(lines()).toEqual([expect.objectContaining({ level: 40, msg: expect.stringContaining('Set it to noeviction') })]);
  });

  it('says nothing when the policy is noeviction', async () => {
    const redis = await connectRedis(REDIS_URL, { name: 'test' });
    const { logger, lines } = capture();
    try {
      const policy = await warnUnlessNoEviction(redis, logger);
      expect(policy).toBe('noeviction');
    } finally {
      await closeRedis(redis);
    }
    expect(lines()).toEqual([]);
  });

  it('names the reason when Redis cannot be reached', async () => {
    const closed = `redis://127.0.0.1:${await closedPort()}`;
    const error = await connectRedis(closed, { name: 'test', connectTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toMatch(/cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });
});
