// The config watch as sync jobs use it (`latest()`), on a real file read by the real loader: a change the
// watch has not noticed yet is applied before the job gets its config, and a file that does not load
// leaves the last good config, reported once per version of the file. A change whose application failed is
// applied again at the next re-read.
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { watchConfig, type ConfigWatch } from '../../../jobs/config-watch.ts';
import { loadConfig } from '../../../src/config/index.ts';
import type { SeatsyncConfig } from '../../../src/config/types.ts';
import { createLogger, type Logger } from '../../../src/logging.ts';
import { capturedLog, logLines } from '../../support/log-lines.ts';
import { aConfigDir, manyPeople, type ConfigDir, type WorkerConfigOptions } from './worker-fixtures.ts';

function capture(): { logger: Logger; messages: () => string[] } {
  const log = capturedLog();
  return { logger: createLogger({ level: 'info', destination: log.destination }), messages: () => logLines(log.text()).map((line) => line.msg) };
}

const seatsOf = (config: SeatsyncConfig): number | undefined => config.pools.find((p) => p.name === 'primary')?.seats;

describe('config watch: latest()', () => {
  let watch: ConfigWatch | null = null;
  afterEach(() => watch?.close());

  /** `failing`: how many of the next `onChange` calls throw (each is listed in `changes` all the same). */
  async function watching(dir: ConfigDir, options: WorkerConfigOptions, failing = { calls: 0 }) {
    dir.writeConfig(options);
    const log = capture();
    const changes: { next: number | undefined; previous: number | undefined }[] = [];
    const reloads: boolean[] = [];
    const initial = await loadConfig({ path: dir.configPath });
    watch = watchConfig(initial, {
      path: dir.configPath,
      load: () => loadConfig({ path: dir.configPath }),
      onChange: async (next, previous) => {
        changes.push({ next: seatsOf(next), previous: seatsOf(previous) });
        if (failing.calls > 0) {
          failing.calls -= 1;
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        }
      },
      onReload: ({ ok }) => reloads.push(ok),
      logger: log.logger,
      // Neither file events nor the timer re-read during the test: only latest() does.
      debounceMs: 600_000,
      pollMs: 0,
    });
    return { watch, changes, reloads, log };
  }

  it('applies a change not noticed yet before it returns', async () => {
    const dir = aConfigDir();
    const options: WorkerConfigOptions = { databaseUrl: null, prefix: 'unused', port: 1, sources: { hr: dir.writeCsv('hr', manyPeople(1)) }, seats: { primary: 5 } };
    const { watch: w, changes } = await watching(dir, options);
    dir.writeConfig({ ...options, seats: { primary: 7 } });
    expect(seatsOf(w.current())).toBe(5);
    expect(seatsOf(await w.latest())).toBe(7);
    expect(changes).toEqual([{ next: 7, previous: 5 }]);
    expect(seatsOf(await w.latest())).toBe(7);
    expect(changes).toHaveLength(1);
  });

  it('applies a change whose onChange failed again at the next re-read, from the last config applied, though the file did not change', async () => {
    const dir = aConfigDir();
    const options: WorkerConfigOptions = { databaseUrl: null, prefix: 'unused', port: 1, sources: { hr: dir.writeCsv('hr', manyPeople(1)) }, seats: { primary: 5 } };
    const failing = { calls: 1 };
    const { watch: w, changes, log } = await watching(dir, options, failing);
    dir.writeConfig({ ...options, seats: { primary: 7 } });
    // Applying it fails: the new config is the one in force all the same.
    expect(seatsOf(await w.latest())).toBe(7);
    expect(changes).toEqual([{ next: 7, previous: 5 }]);
    await w.check();
    expect(changes).toEqual([{ next: 7, previous: 5 }, { next: 7, previous: 5 }]);
    expect(log.messages()).toContain('applying the changed config failed; it is applied again at the next re-read of the file');
    expect(log.messages()).toContain('applying the changed config again (it failed before)');
    // Applied: not again.
    await w.check();
    expect(changes).toHaveLength(2);

    // A change made while one waits to be applied is applied from the last config applied.
    failing.calls = 1;
    dir.writeConfig({ ...options, seats: { primary: 8 } });
    await w.check();
    dir.writeConfig({ ...options, seats: { primary: 9 } });
    await w.check();
    expect(changes.slice(2)).toEqual([{ next: 8, previous: 7 }, { next: 9, previous: 7 }]);
    // A file put back to the config applied before a failed change is applied again: the failed call may have applied part of its change.
    failing.calls = 1;
    dir.writeConfig({ ...options, seats: { primary: 10 } });
    await w.check();
    dir.writeConfig({ ...options, seats: { primary: 9 } });
    await w.check();
    await w.check();
    expect(changes.slice(4)).toEqual([{ next: 10, previous: 9 }, { next: 9, previous: 9 }]);
    expect(seatsOf(w.current())).toBe(9);
  });

  it('keeps the last good config when the file does not load, and reports each broken version once', async () => {
    const dir = aConfigDir();
    const options: WorkerConfigOptions = { databaseUrl: null, prefix: 'unused', port: 1, sources: { hr: dir.writeCsv('hr', manyPeople(1)) }, seats: { primary: 5 } };
    const { watch: w, changes, reloads, log } = await watching(dir, options);
    writeFileSync(dir.configPath, 'pools: { primary: { seats: lots } }\n');
    expect(seatsOf(await w.latest())).toBe(5);
    expect(seatsOf(await w.latest())).toBe(5);
    expect(reloads).toEqual([false, false]);
    expect(log.messages().filter((m) => m.includes('does not load; the previous config stays in force'))).toHaveLength(1);
    dir.writeConfig({ ...options, seats: { primary: 6 } });
    expect(seatsOf(await w.latest())).toBe(6);
    expect(reloads).toEqual([false, false, true]);
    expect(changes).toEqual([{ next: 6, previous: 5 }]);
  });
});
