// The `seatsync` command line (SPEC §5): one commander program, one file per command.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAccounts } from './accounts-command.ts';
import { registerAudit } from './audit-command.ts';
import { registerCheck } from './check-command.ts';
import { registerExplain } from './explain-command.ts';
import type { CommandAction, CommandContext, GlobalOptions } from './context.ts';
import { EXIT, UsageError, type ExitCode } from './exit-codes.ts';
import { processOutput, type Output } from './output.ts';
import { registerStatus } from './status-command.ts';
import { registerSync } from './sync-command.ts';
import { registerExtraCommands } from './extra-commands.ts';
import { registerNotify } from './notify-command.ts';
import { AdminActionError } from '../sync/admin-action-error.ts';

// The config, the logger and the database (context.ts) are imported when a command runs: `--help` and
// `--version` load only the command line's definition.
export function buildProgram(onExit: (code: ExitCode) => void, out: Output = processOutput()): Command {
  const program = new Command('seatsync')
    .description('License-aware directory sync: one account per directory user, seats allocated first come, first served.')
    .version(packageVersion(), '-V, --version')
    .option('-c, --config <path>', 'config file (default: $SEATSYNC_CONFIG, else config/seatsync.yaml)')
    .option('--log-level <level>', 'log level on stderr: fatal, error, warn, info, debug, trace (default: info)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const run = async (action: CommandAction): Promise<void> => {
    const globals = program.opts<GlobalOptions>();
    let ctx: CommandContext | null = null;
    try {
      const { loadContext } = await import('./context.ts');
      ctx = await loadContext(globals);
      onExit(await action(ctx, out));
    } catch (error) {
      onExit(await reportError(error, ctx));
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

async function reportError(error: unknown, ctx: CommandContext | null): Promise<ExitCode> {
  const { ConfigError, describeConfigError } = await import('../config/index.ts');
  const { scrubKnownSecrets } = await import('../config/secrets.ts');
  if (error instanceof ConfigError) {
    process.stderr.write(`${describeConfigError(error)}\n`);
    return EXIT.usage;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof AdminActionError) {
    process.stderr.write(`error: ${scrubKnownSecrets(error.message)}\n`);
    return error.code === 'invalid-state' ? EXIT.failure : EXIT.usage;
  }
  // A library's message may quote a connection URL: no secret of the config goes out with it.
  const message = scrubKnownSecrets(error instanceof Error ? error.message : String(error));
  if (ctx) ctx.logger.error({ err: error }, message);
  process.stderr.write(`error: ${message}\n`);
  return EXIT.failure;
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version print and exit 0; everything else commander rejects is bad usage.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  return code;
}
