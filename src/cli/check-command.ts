// `seatsync check`: the config is valid (loading it proves that), every source answers (and a dry run of
// it says what each profile and pool would get: check-plan.ts), mail can go out, every target
// (application) answers. The action lives in check-action.ts and is imported when the command runs.
import type { Command } from 'commander';
import type { Runner } from './context.ts';
import { repeatable } from './option-occurrences.ts';

export function registerCheck(program: Command, run: Runner): void {
  program
    .command('check')
    .description(
      'validate the config; test the database (connect, migrations), Redis (connect, maxmemory-policy), every source (connect, bind, count users in scope, ' +
        'show a mapped sample, then a dry run: how many accounts each profile and pool would get, seats held and blocked; nothing is written), the mail transport and every target',
    )
    .addOption(repeatable('--source <name>', 'test only this source (repeatable)', 'every source'))
    .option('--show-config', 'also print the configuration as loaded (defaults filled in, secrets as ***)')
    .option('--json', 'print one JSON document')
    .action((flags: CheckFlags) => run(async (ctx, out) => (await import('./check-action.ts')).checkCommand(ctx, out, flags)));
}

export interface CheckFlags {
  readonly source: string[];
  readonly showConfig?: boolean;
  readonly json?: boolean;
}
