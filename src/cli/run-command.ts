// `seatsync run`: the worker (job schedulers, sync and notification jobs, the HTTP API) until SIGTERM or
// SIGINT; then a graceful stop. A second signal exits at once.
import type { Command } from 'commander';
import type { CommandContext, Runner } from './context.ts';
import { EXIT, UsageError, type ExitCode } from './exit-codes.ts';

interface RunFlags {
  readonly concurrency?: string;
  readonly shutdownTimeout: string;
}

/** After a stop, handles that should be closed but are not must not keep the process alive for ever. */
const EXIT_GRACE_MS = 5_000;

export function registerRun(program: Command, run: Runner): void {
  program
    .command('run')
    .description('the worker: job schedulers from the config, sync and notification jobs, the HTTP API')
    .option('--concurrency <n>', 'sync jobs this process runs at once (default 2; 1 with the embedded database)')
    .option('--shutdown-timeout <seconds>', 'on SIGTERM, how long a running sync may take to finish before it is aborted and requeued', '20')
    .action((flags: RunFlags) => run((ctx) => runCommand(ctx, flags)));
}

function positive(text: string, option: string, { integer }: { integer: boolean }): number {
  const value = Number(text);
  const ok = Number.isFinite(value) && value >= 0 && (!integer || (Number.isInteger(value) && value > 0));
  if (!ok) throw new UsageError(`${option} must be a ${integer ? 'positive integer' : 'number of seconds'}, not "${text}"`);
  return value;
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
  const concurrency = flags.concurrency === undefined ? undefined : positive(flags.concurrency, '--concurrency', { integer: true });
  const shutdownTimeoutMs = positive(flags.shutdownTimeout, '--shutdown-timeout', { integer: false }) * 1000;
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
