// `seatsync sync`: a sync now, in this process, then delivery of the emails it produced.
// The action lives in sync-action.ts and is imported when the command runs.
import type { Command } from 'commander';
import { CHANGE_KINDS, DRY_RUN_LISTED } from '../domain/change-kinds.ts';
import { formatCount } from './output.ts';
import type { GlobalOptions, Runner } from './context.ts';
import { repeatable } from './option-occurrences.ts';
import { nextListingCommand, PRINTED_PER_KIND, type ListingFlags } from './planned-changes.ts';

export interface SyncFlags extends ListingFlags {
  readonly source: string[];
}

export function registerSync(program: Command, run: Runner): void {
  program
    .command('sync')
    .description('run a sync now, in this process (no Redis needed); all sources when none is named')
    .addOption(repeatable('--source <name>', 'sync only this source (repeatable)', 'every source'))
    .option('--dry-run', 'plan and print what would change, grouped by kind (blocks and removals first) with the count of each; write nothing')
    .addOption(repeatable('--only <kinds>', `with --dry-run: list only these kinds of change, comma-separated, repeatable (${CHANGE_KINDS.join(', ')})`, 'every kind'))
    .option('--limit <n>', `with --dry-run: changes listed of each kind (default ${PRINTED_PER_KIND}; with --json ${formatCount(DRY_RUN_LISTED)})`)
    .option('--offset <n>', 'with --dry-run: list each kind from its n-th change on, for the next page (default 0)')
    .option('--allow-removals', 'apply a run held for disabling or removing too many accounts')
    .option('--full', 'read the whole directory even when an incremental read is possible')
    .option('--json', 'print one JSON document')
    .action((flags: SyncFlags) => run(async (ctx, out) => (await import('./sync-action.ts')).syncCommand(ctx, out, flags, nextListingCommand(flags, program.opts<GlobalOptions>()))));
}
