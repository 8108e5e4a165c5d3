// The per-source lease in real Redis: exclusive, handed over on release, freed when its holder stops
// renewing, and abortable while waiting.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceLocks } from '../../../jobs/source-lock.ts';
import { clearPrefix, REDIS_URL, requireRedis, uniquePrefix } from './worker-fixtures.ts';

describe('source locks', () => {
  const prefix = uniquePrefix('lock');
  let redis: Redis;

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    redis.disconnect();
    await clearPrefix(prefix);
  });

  it('lets one holder at a time have a source and hands it to the waiter on release', async () => {
    const a = new SourceLocks(redis, { prefix, retryMs: 20 });
    const b = new SourceLocks(redis, { prefix, retryMs: 20 });
    const first = await a.acquire('hr');
    expect(await b.isHeld('hr')).toBe(true);
    let secondHeld = false;
    let signalWait: () => void = () => undefined;
    const waited = new Promise<void>((resolve) => (signalWait = resolve));
    const second = b.acquire('hr', { onWait: () => signalWait() }).then((lock) => {
      secondHeld = true;
      return lock;
    });
    // Another source is independent of the held one.
    const other = await b.acquire('crm');
    await other.release();
    await waited; // the second holder found the source taken and waits
    expect(secondHeld).toBe(false);
    await first.release();
    const lock = await second;
    expect(secondHeld).toBe(true);
    await lock.release();
    expect(await a.isHeld('hr')).toBe(false);
  });

  it('frees a source whose holder stopped renewing once the lease ends', async () => {
    const locks = new SourceLocks(redis, { prefix, leaseMs: 300, retryMs: 20 });
    // A holder that died: the key is there, nobody renews it.
    await redis.set(locks.keyOf('stale'), 'dead-worker', 'PX', 300);
    let waited = false;
    const lock = await locks.acquire('stale', { onWait: () => (waited = true) });
    expect(waited).toBe(true); // it did not take the key while the dead holder's lease lasted
    expect(await redis.get(locks.keyOf('stale'))).not.toBe('dead-worker');
    await lock.release();
  });

  it('keeps a held source past its lease while the holder renews it', async () => {
    const locks = new SourceLocks(redis, { prefix, leaseMs: 300, retryMs: 20 });
    const lock = await locks.acquire('long-run');
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(await locks.isHeld('long-run')).toBe(true);
    expect(lock.lost.aborted).toBe(false);
    await lock.release();
  });

  it('aborts the run when another holder took the source (the lease was lost)', async () => {
    const locks = new SourceLocks(redis, { prefix, leaseMs: 300, retryMs: 20 });
    const lock = await locks.acquire('taken');
    await redis.set(locks.keyOf('taken'), 'someone-else');
    await new Promise<void>((resolve) => lock.lost.addEventListener('abort', () => resolve(), { once: true }));
    expect(String(lock.lost.reason)).toMatch(/lock on source taken was lost/);
    await lock.release();
    // Release never deletes a lock it does not own.
    expect(await redis.get(locks.keyOf('taken'))).toBe('someone-else');
  });

  it('stops waiting when its signal is aborted', async () => {
    const locks = new SourceLocks(redis, { prefix, retryMs: 20 });
    const held = await locks.acquire('busy');
    const controller = new AbortController();
    const waiting = locks.acquire('busy', { signal: controller.signal });
    controller.abort(new Error('shutdown'));
    await expect(waiting).rejects.toThrow('shutdown');
    await held.release();
  });
});
