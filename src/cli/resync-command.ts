// `seatsync resync`: asks the running workers, through Redis, to sync now (coalesced with a sync of the
// same sources already queued). `--wait` follows the job to its end, printing each failed attempt and its
// retry, and exits with the run's exit code; it gives up when no worker is there to start the job.
// The action lives in resync-action.ts and is imported when the command runs.
import type { Command } from 'commander';
import type { Runner } from './context.ts';
import { repeatable } from './option-occurrences.ts';

export interface ResyncFlags {
  readonly source: string[];
  readonly wait?: boolean;
  readonly json?: boolean;
  readonly dryRun?: boolean;
  readonly allowRemovals?: boolean;
  readonly full?: boolean;
  readonly timeout?: string;
  readonly startTimeout?: string;
}

export function registerResync(program: Command, run: Runner): void {
  program
    .command('resync')
    .description('ask the running workers (through Redis) to sync now; all sources when none is named')
    .addOption(repeatable('--source <name>', 'sync only this source (repeatable)', 'every source'))
    .option('--wait', "follow the sync to its end and exit with its exit code (0 ok, 3 held, 1 failed)")
    .option('--json', 'print one JSON document: the sync result with --wait, else the job id')
    .option('--dry-run', 'plan and report what would change; write nothing')
    .option('--allow-removals', 'apply a run held for disabling or removing too many accounts')
    .option('--full', 'read the whole directory even when an incremental read is possible')
    .option('--timeout <seconds>', 'with --wait: stop waiting after this long (exit 1; the sync goes on)')
    .option('--start-timeout <seconds>', 'with --wait: stop waiting (exit 1) when no worker is connected to start the sync within this long (default 30)')
    .action((flags: ResyncFlags) => run(async (ctx, out) => (await import('./resync-action.ts')).resyncCommand(ctx, out, flags)));
}

