// What every command needs: the config (re-read for every invocation), a logger and the database.
import { loadConfigWithWarnings } from '../config/index.ts';
import type { ConfigProblem } from '../config/problems.ts';
import type { SeatsyncConfig } from '../config/types.ts';
import { createLogger, logLevel, LogLevelError, type Logger } from '../logging.ts';
import { librariesChosen, LibraryChoiceError } from '../sources/library-choice.ts';
import { openDatabase, type Database } from '../store/db.ts';
import { migrate } from '../store/migrations.ts';
import { UsageError, type ExitCode } from './exit-codes.ts';
import type { Output } from './output.ts';

export interface GlobalOptions {
  readonly config?: string;
  readonly logLevel?: string;
}

export interface CommandContext {
  readonly config: SeatsyncConfig;
  /** Problems that did not stop loading (`check` prints them). */
  readonly warnings: readonly ConfigProblem[];
  readonly logger: Logger;
  /** `connections`: see OpenDatabaseOptions (taken by the first call, which opens the database). */
  openDb(options?: { readonly connections?: number }): Promise<Database>;
  close(): Promise<void>;
}

export async function loadContext(options: GlobalOptions): Promise<CommandContext> {
  let level: string;
  try {
    // One check for the flag and SEATSYNC_LOG_LEVEL (the flag wins), and one for SEATSYNC_USE_LIBRARY:
    // a bad value stops every command before it connects anywhere.
    level = logLevel(options.logLevel === undefined ? undefined : { value: options.logLevel, from: '--log-level' });
    librariesChosen();
  } catch (error) {
    if (error instanceof LogLevelError || error instanceof LibraryChoiceError) throw new UsageError(error.message);
    throw error;
  }
  const logger = createLogger({ level });
  if (options.config?.trim() === '') throw new UsageError('--config: the path is empty; give the config file\'s path, or leave --config out for $SEATSYNC_CONFIG, else config/seatsync.yaml');
  const { config, warnings } = await loadConfigWithWarnings(options.config !== undefined ? { path: options.config } : {});
  let db: Database | null = null;
  return {
    config,
    warnings,
    logger,
    async openDb(open = {}) {
      if (!db) {
        db = await openDatabase({
          ...open,
          url: config.database.url,
          dataDir: config.dataDir,
          onIdleError: (error) => logger.warn({ err: error }, 'lost an idle database connection; it will be reopened'),
        });
        await migrate(db);
      }
      return db;
    },
    async close() {
      const open = db;
      db = null;
      await open?.close();
    },
  };
}

/** What a command's action does with its context; returns the exit code. */
export type CommandAction = (ctx: CommandContext, out: Output) => Promise<ExitCode>;

/** Runs an action with a loaded context and maps its errors (see main.ts); given to every command. */
export type Runner = (action: CommandAction) => Promise<void>;
