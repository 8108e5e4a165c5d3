// The `seatsync` command line (SPEC §5): one commander program, one file per command.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAccounts } from './accounts-command.ts';
import { registerAudit } from './audit-command.ts';
import { registerCheck } from './check-command.ts';
import { registerExplain } from './explain-command.ts';
import type { ConfigProblem } from '../config/problems.ts';
import type { CommandAction, CommandContext, GlobalOptions } from './context.ts';
import { EXIT, UsageError, type ExitCode } from './exit-codes.ts';
import { inertLines, processOutput, type Output } from './output.ts';
import { registerStatus } from './status-command.ts';
import { registerSync } from './sync-command.ts';
import { registerExtraCommands } from './extra-commands.ts';
import { registerNotify } from './notify-command.ts';
import { refuseRepeatedOptions } from './option-occurrences.ts';
import { AdminActionError } from '../sync/admin-action-error.ts';

// The config, the logger and the database (context.ts) are imported when a command runs: `--help` and
// `--version` load only the command line's definition.
export function buildProgram(onExit: (code: ExitCode) => void, options: { readonly out?: Output; readonly json?: boolean } = {}): Command {
  const out = options.out ?? processOutput();
  const program = new Command('seatsync')
    .description('License-aware directory sync: one account per directory user, seats allocated first come, first served.')
    .version(packageVersion(), '-V, --version')
    .option('-c, --config <path>', 'config file (default: $SEATSYNC_CONFIG, else config/seatsync.yaml)')
    .option('--log-level <level>', 'log level on stderr: fatal, error, warn, info, debug, trace, silent (default: $SEATSYNC_LOG_LEVEL, else $LOG_LEVEL, else info)')
    .showHelpAfterError('(run with --help for usage)')
    // Commander's own errors quote what was typed too (`unknown command '…'`); subcommands inherit this.
    .configureOutput({ outputError: (text, write) => write(inertLines(text)) })
    .exitOverride();

  const run = async (action: CommandAction): Promise<void> => {
    const globals = program.opts<GlobalOptions>();
    let ctx: CommandContext | null = null;
    try {
      const { loadContext } = await import('./context.ts');
      ctx = await loadContext(globals);
      onExit(await action(ctx, out));
    } catch (error) {
      // Every action prints its document as its last step, so a failure means none went out yet.
      onExit(await reportError(error, ctx, options.json === true ? out : null));
    } finally {
      await ctx?.close().catch(() => undefined);
    }
  };
  registerSync(program, run);
  registerStatus(program, run);
  registerAccounts(program, run);
  registerAudit(program, run);
  registerExplain(program, run);
  registerCheck(program, run);
  registerNotify(program, run);
  registerExtraCommands(program, run);
  refuseRepeatedOptions(program);
  return program;
}

/** The version in package.json: two folders up from src/cli, three from the compiled dist/src/cli. */
function packageVersion(): string {
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'seatsync' && pkg.version) return pkg.version;
    } catch {
      // not there: try the next place
    }
  }
  return 'unknown';
}

/** What a failed command prints: on stderr for people, and as the JSON document when --json was given. */
interface Failure {
  readonly exit: ExitCode;
  /** Stderr's text (config errors: a heading and one line per problem). */
  readonly text: string;
  readonly error: { readonly code: string; readonly message: string; readonly problems?: readonly ConfigProblem[] };
}

/** The error document of `--json` (README "Command line"): the API's error shape. */
function errorDocument(error: Failure['error']): { readonly error: Failure['error'] } {
  return { error };
}

async function failureOf(error: unknown): Promise<Failure> {
  const { ConfigError, describeConfigError } = await import('../config/index.ts');
  const { scrubKnownSecrets } = await import('../config/secrets.ts');
  if (error instanceof ConfigError) {
    // The document's message is the heading ("Invalid configuration in FILE (3 problems)"); the problems follow it.
    const heading = (error.message.split('\n')[0] ?? '').replace(/:$/, '');
    return { exit: EXIT.usage, text: describeConfigError(error), error: { code: error.code, message: heading, problems: error.problems } };
  }
  // A library's message may quote a connection URL: no secret of the config goes out with it. A refused
  // value of an account action is named as the option it was given with (`--reason: …`).
  const told = error instanceof AdminActionError && error.input !== null ? `--${error.input.parameter}: ${error.input.problem}` : error instanceof Error ? error.message : String(error);
  const message = scrubKnownSecrets(told);
  const failure = (exit: ExitCode, code: string): Failure => ({ exit, text: `error: ${message}`, error: { code, message } });
  if (error instanceof UsageError) return failure(EXIT.usage, error.code);
  if (error instanceof AdminActionError) return failure(error.code === 'invalid-state' ? EXIT.failure : EXIT.usage, error.code);
  return failure(EXIT.failure, ownCode(error) ?? 'failure');
}

/** The code an error of seatsync's classes carries (`no-worker`, `redis`, `database`, …); a library's (`ECONNREFUSED`) is not one. */
function ownCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[a-z][a-z0-9-]*$/.test(code) ? code : null;
}

/**
 * Prints the failure once on stderr, and its document on `json` when given. The error's log line (with
 * its stack, for a bug) only when debugging: otherwise it would say again what the stderr line says.
 */
async function reportError(error: unknown, ctx: CommandContext | null, json: Output | null): Promise<ExitCode> {
  const failure = await failureOf(error);
  if (ctx?.logger.isLevelEnabled('debug') && failure.exit === EXIT.failure) ctx.logger.error({ err: error }, failure.error.message);
  // The message may quote what was typed: an escape sequence in it is shown, not run by the terminal.
  process.stderr.write(`${inertLines(failure.text)}\n`);
  json?.json(errorDocument(failure.error));
  return failure.exit;
}

/** Whether the arguments ask for JSON: `--json` among the options (before a `--`). */
function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const out = processOutput();
  const json = wantsJson(argv.slice(2));
  const program = buildProgram(
    (c) => {
      code = c;
    },
    { out, json },
  );
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version print and exit 0; everything else commander rejects is bad usage (commander
      // printed it on stderr).
      if (error.exitCode === 0) return EXIT.ok;
      if (json) out.json(errorDocument({ code: 'usage', message: error.message.replace(/^error: /, '') }));
      return EXIT.usage;
    }
    throw error;
  }
  return code;
}
