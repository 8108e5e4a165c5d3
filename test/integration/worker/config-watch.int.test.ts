// The config watch as sync jobs use it (`latest()`), on a real file read by the real loader: a change the
// watch has not noticed yet is applied before the job gets its config, and a file that does not load
// leaves the last good config, reported once per version of the file.
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

  async function watching(dir: ConfigDir, options: WorkerConfigOptions) {
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
