// `seatsync run`: the worker (job schedulers, sync and notification jobs, the HTTP API) until SIGTERM or
// SIGINT; then a graceful stop. A second signal exits at once.
import type { Command } from 'commander';
import type { CommandContext, Runner } from './context.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { secondsOption, wholeNumberOption } from './option-values.ts';

interface RunFlags {
  readonly concurrency?: string;
  readonly shutdownTimeout?: string;
}

/** After a stop, handles that should be closed but are not must not keep the process alive for ever. */
const EXIT_GRACE_MS = 5_000;
/** How long a running sync may finish after SIGTERM unless --shutdown-timeout says otherwise. */
const DEFAULT_SHUTDOWN_TIMEOUT_S = 20;

export function registerRun(program: Command, run: Runner): void {
  program
    .command('run')
    .description('the worker: job schedulers from the config, sync and notification jobs, the HTTP API')
    .option('--concurrency <n>', 'sync jobs this process runs at once (default 2; 1 with the embedded database)')
    .option('--shutdown-timeout <seconds>', `on SIGTERM, how long a running sync may take to finish before it is aborted and requeued (default ${DEFAULT_SHUTDOWN_TIMEOUT_S})`)
    .action((flags: RunFlags) => run((ctx) => runCommand(ctx, flags)));
}

function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

async function runCommand(ctx: CommandContext, flags: RunFlags): Promise<ExitCode> {
  const concurrency = flags.concurrency === undefined ? undefined : wholeNumberOption('--concurrency', flags.concurrency, { min: 1 });
  const shutdownTimeoutMs = flags.shutdownTimeout === undefined ? DEFAULT_SHUTDOWN_TIMEOUT_S * 1000 : secondsOption('--shutdown-timeout', flags.shutdownTimeout, { zero: true });
  const stopSignal = nextStopSignal();
  // Imported here, not at the top: BullMQ, Fastify and prom-client are only needed by the worker.
  const { startWorker } = await import('../worker.ts');
  const worker = await startWorker({
    config: ctx.config,
    logger: ctx.logger,
    database: { open: (connections) => ctx.openDb({ connections }), close: () => ctx.close() },
    shutdownTimeoutMs,
    ...(concurrency !== undefined ? { concurrency } : {}),
  }).catch((error: unknown) => {
    // A worker's logs are collected as JSON: its failure to start is one record there too, not only the
    // plain `error:` line every command prints.
    ctx.logger.error({ err: error }, 'the worker could not start');
    throw error;
  });
  const signal = await stopSignal;
  ctx.logger.info({ signal }, 'stop signal received');
  void nextStopSignal().then((again) => {
    ctx.logger.error({ signal: again }, 'second stop signal: exiting now');
    process.exit(EXIT.failure);
  });
  await worker.stop();
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  return EXIT.ok;
}
