// Notices config file changes while `seatsync run` runs: a watch on the file's folder (editors and
// Kubernetes ConfigMaps replace files by renaming, which a watch on the file itself would miss), debounced,
// plus a periodic re-read for file systems where watching does not work (NFS, some container mounts).
// A file that does not load keeps the last good config in force and is reported once per version. A
// change whose `onChange` fails (the database or Redis briefly away) is applied again at the next re-read,
// from the last config applied, until it succeeds: `onChange` must be safe to run again.
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { describeConfigError } from '../src/config/index.ts';
import type { SeatsyncConfig } from '../src/config/types.ts';
import type { Logger } from '../src/logging.ts';

export interface ConfigWatchOptions {
  readonly path: string;
  readonly load: () => Promise<SeatsyncConfig>;
  /**
   * Called, one at a time, with each new valid config that differs from the last one applied (`previous`:
   * the last config whose `onChange` succeeded, or the initial one). One that throws is called again at
   * the next re-read, with the newest config and the same `previous`, though the file did not change
   * (even if it went back to `previous`: the failed call may have applied part of its change).
   */
  readonly onChange: (next: SeatsyncConfig, previous: SeatsyncConfig) => Promise<void>;
  /** Called after every re-read: `ok` false when the file did not load (metrics). */
  readonly onReload?: (result: { readonly ok: boolean }) => void;
  readonly logger: Logger;
  /** Quiet time after the last file event before re-reading (default 300 ms). */
  readonly debounceMs?: number;
  /** Re-read this often even without file events (default 60000 ms; 0: never). */
  readonly pollMs?: number;
}

export interface ConfigWatch {
  /** The config last read successfully (in force even while applying its change failed). */
  current(): SeatsyncConfig;
  /** Re-reads now (also what the watch and the timer call); resolves when handled. */
  check(): Promise<void>;
  /**
   * Re-reads now, then returns the config in force: a change not noticed yet is applied (`onChange`)
   * first; a file that does not load is reported and leaves the last good config.
   */
  latest(): Promise<SeatsyncConfig>;
  close(): void;
}

/** Two configs are the same when their normalized form is (comments and key order don't count). */
const fingerprint = (config: SeatsyncConfig): string => JSON.stringify(config);

export function watchConfig(initial: SeatsyncConfig, options: ConfigWatchOptions): ConfigWatch {
  // The newest config loaded, and the last one whose change was applied (`onChange` succeeded): they
  // differ while applying a change failed, which the next re-read applies again.
  let current = initial;
  let currentPrint = fingerprint(initial);
  let applied = initial;
  let appliedPrint = currentPrint;
  // Applying the last change failed: it may have been applied in part, so the next re-read applies the
  // newest config even if the file went back to the one applied before.
  let failed = false;
  let lastError: string | null = null;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  /** Reads the file: whether it gave a config other than the newest one loaded (which it then is). */
  const load = async (): Promise<boolean> => {
    let next: SeatsyncConfig;
    try {
      next = await options.load();
    } catch (error) {
      // The same text as the CLI prints: every problem with its key path, never a secret.
      const message = describeConfigError(error);
      if (message !== lastError) options.logger.error({ problems: message }, 'the changed config file does not load; the previous config stays in force');
      lastError = message;
      options.onReload?.({ ok: false });
      return false;
    }
    lastError = null;
    options.onReload?.({ ok: true });
    const print = fingerprint(next);
    if (print === currentPrint) return false;
    current = next;
    currentPrint = print;
    return true;
  };

  const reread = async (): Promise<void> => {
    const changed = await load();
    // Also when the file did not change, or no longer loads: the newest good config may still wait to be applied.
    if ((currentPrint === appliedPrint && !failed) || closed) return;
    const [next, nextPrint] = [current, currentPrint];
    if (changed) options.logger.info({ path: options.path }, 'config file changed; applying it');
    else options.logger.info({ path: options.path }, 'applying the changed config again (it failed before)');
    try {
      await options.onChange(next, applied);
      applied = next;
      appliedPrint = nextPrint;
      failed = false;
    } catch (error) {
      failed = true;
      options.logger.error({ err: error }, 'applying the changed config failed; it is applied again at the next re-read of the file');
    }
  };
  // Serialized: a burst of events never runs two re-reads at once.
  const check = (): Promise<void> => (running = running.then(reread, reread));

  let debounce: NodeJS.Timeout | null = null;
  const onEvent = (): void => {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => void check(), options.debounceMs ?? 300);
  };
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dirname(options.path), { persistent: false }, onEvent);
    watcher.on('error', (error) => options.logger.warn({ err: error }, 'watching the config folder failed; relying on the periodic re-read'));
  } catch (error) {
    options.logger.warn({ err: error }, 'cannot watch the config folder; relying on the periodic re-read');
  }
  const pollMs = options.pollMs ?? 60_000;
  const poll = pollMs > 0 ? setInterval(() => void check(), pollMs) : null;
  poll?.unref();

  return {
    current: () => current,
    check,
    async latest() {
      await check();
      return current;
    },
    close() {
      closed = true;
      if (debounce) clearTimeout(debounce);
      if (poll) clearInterval(poll);
      watcher?.close();
    },
  };
}
