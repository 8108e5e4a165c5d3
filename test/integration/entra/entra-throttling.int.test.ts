// Throttling (429/503/504 with Retry-After) and network failures: retried within a bound, counted, and a
// read that cannot finish throws instead of ending early.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging.ts';
import { SourceError } from '../../../src/sources/directory-source.ts';
import { capturedLog, logLines, repeatedKeys } from '../../support/log-lines.ts';
import { drain, readOptions, seedUsers, startEntraFixture, type EntraFixture } from './entra-fixture.ts';

describe('entra source: throttling and network failures', () => {
  let fx: EntraFixture;
  let ids: string[];
  beforeAll(async () => {
    fx = await startEntraFixture();
    ids = seedUsers(fx.emulator, 40);
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('completes with the right data when every third Graph request is throttled', async () => {
    fx.emulator.faults.set({ throttleEvery: 3, throttleStatus: 429, retryAfterSeconds: 0 });
    try {
      const from = fx.emulator.graphRequests().length;
      const read = await drain(fx.source({ pageSize: 5 }).read(readOptions()));
      expect(read.users.map((user) => user.externalId).sort()).toEqual([...ids].sort());
      const throttled = fx.emulator.graphRequests().slice(from).filter((r) => r.status === 429).length;
      expect(throttled).toBeGreaterThanOrEqual(3);
      expect(read.outcome.stats).toMatchObject({ throttled });
    } finally {
      fx.emulator.faults.set({ throttleEvery: null });
    }
  });

  it('logs each throttled request as one warning with its code, the source named once, no stack', async () => {
    const captured = capturedLog();
    const logger = createLogger({ level: 'debug', destination: captured.destination });
    fx.emulator.faults.inject({ status: 429, retryAfterSeconds: 0 });
    const read = await drain(fx.source({}, { logger }).read(readOptions()));
    expect(read.users).toHaveLength(ids.length);
    expect(repeatedKeys(captured.text())).toEqual([]);
    const warnings = logLines(captured.text()).filter((line) => line.level >= 40);
    expect(warnings).toEqual([
      expect.objectContaining({ source: 'entra', status: 429, err: { code: 'throttled', message: 'HTTP 429' }, msg: 'Graph throttled the request; waiting before retrying' }),
    ]);
    expect(captured.text()).not.toContain('stack');
  });

  it('waits as long as Retry-After says', async () => {
    fx.emulator.faults.inject({ status: 503, retryAfterSeconds: 1 });
    const read = await drain(fx.source().read(readOptions()));
    expect(read.users).toHaveLength(ids.length);
    expect(read.outcome.stats).toMatchObject({ throttled: 1, waitedMs: 1000 });
  });

  it('retries 504s without Retry-After and dropped connections with backoff', async () => {
    fx.emulator.faults.inject({ status: 504 }, 'reset', 'reset');
    const read = await drain(fx.source({ pageSize: 10 }).read(readOptions()));
    expect(read.users).toHaveLength(ids.length);
    expect(read.outcome.stats).toMatchObject({ throttled: 1, networkRetries: 2 });
  });

  it('gives up with SourceError(throttled) when Retry-After exceeds the wait budget, mid-read', async () => {
    const reader = fx.source({ pageSize: 10 }, { retry: { maxTotalWaitMs: 2000 } }).read(readOptions());
    // The first pages arrive; then Graph asks for an hour's patience.
    const first = await reader.next();
    expect(first.done).toBe(false);
    fx.emulator.faults.inject({ status: 429, retryAfterSeconds: 3600 });
    const error = await (async () => {
      for (;;) {
        const next = await reader.next();
        if (next.done) return null;
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'throttled' });
    expect((error as Error).message).toMatch(/nothing was applied/);
  });

  it('gives up with SourceError(connect) when connections keep dropping', async () => {
    fx.emulator.faults.inject('reset', 'reset', 'reset');
    const error = await drain(fx.source({}, { retry: { maxAttempts: 3 } }).read(readOptions())).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'connect' });
    expect((error as Error).message).toMatch(/after 3 attempts/);
    expect(fx.emulator.graphRequests().filter((r) => r.status === 0).length).toBeGreaterThanOrEqual(3);
  });
});
