// `seatsync accounts`: list / export accounts, and the admin actions on one account. The modules an
// action runs are imported when it runs (a command's start loads only what it uses).
import type { Command } from 'commander';
import { ACCOUNT_REFERENCE, ACCOUNT_STATES, type AccountState } from '../domain/types.ts';
import type { AccountView } from '../store/repositories.ts';
import type { AdminAction } from '../sync/admin-actions.ts';
import type { CommandContext, Runner } from './context.ts';
import { EXIT, requireConfigured, UsageError, type ExitCode } from './exit-codes.ts';
import { ACCOUNT_CSV_COLUMNS, csvLine } from '../sync/account-export.ts';
import { cellText, table, type Output } from './output.ts';
import { counted } from '../domain/counted.ts';

interface ListFlags {
  readonly state?: string;
  readonly pool?: string;
  readonly source?: string;
  readonly json?: boolean;
  readonly csv?: boolean;
}


export function registerAccounts(program: Command, run: Runner): void {
  const accounts = program
    .command('accounts')
    .description('list or export accounts; or block|unblock|protect|unprotect one account')
    .option('--state <state>', `only accounts in this state (${ACCOUNT_STATES.join(', ')})`)
    .option('--pool <pool>', 'only accounts holding or waiting for this pool')
    .option('--source <name>', 'only accounts of this source (a configured one, or one taken out of the config that has run)')
    .option('--json', 'print one JSON document')
    .option('--csv', 'print CSV (an export)')
    .action((flags: ListFlags) => run((ctx, out) => listCommand(ctx, out, flags)));
  const actions: Record<AdminAction, string> = {
    block: 'suspend an account: it releases its seats and is never activated automatically',
    unblock: 'lift a suspension: the account gets a seat if one is free, else waits from now',
    protect: 'never block this account by the automatic rules',
    unprotect: 'remove the protection',
  };
  for (const [action, description] of Object.entries(actions) as [AdminAction, string][]) {
    accounts
      .command(`${action} <account>`)
      .description(`${description} (ACCOUNT: ${ACCOUNT_REFERENCE})`)
      .option('--reason <text>', 'why (stored with the audit entry of the action)')
      .option('--json', 'print one JSON document')
      .action((ref: string, flags: { json?: boolean; reason?: string }) =>
        run(async (ctx, out) => {
          const [{ applyAdminAction, normalizeReason }, { deliverAfterRun, runHooksOf }] = await Promise.all([import('../sync/admin-actions.ts'), import('./notify-wiring.ts')]);
          normalizeReason(flags.reason);
          const db = await ctx.openDb();
          const notifier = runHooksOf(ctx, db);
          const result = await applyAdminAction({ db, config: ctx.config, ...(notifier ? { notifier } : {}) }, {
            action, ref, actor: `cli:${process.env.USER ?? 'admin'}`, ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
          });
          await deliverAfterRun(ctx, db);
          // Commander hands `accounts block X --json` to the parent's --json: accept either.
          if (flags.json || accounts.opts<ListFlags>().json) out.json({ account: result.account, changed: result.changed });
          else {
            const verb = result.changed ? 'done' : 'nothing to do';
            out.line(`${action} ${cellText(result.account.username)} (${result.account.id}): ${verb}; state ${result.account.state}`);
            const others = (result.plan?.changes ?? []).filter((c) => c.id !== result.account.id);
            for (const c of others) out.line(`  also ${cellText(c.username)}: ${c.from?.state ?? 'new'} → ${c.to.state} (${c.reason})`);
          }
          return EXIT.ok;
        }),
      );
  }
}

async function listCommand(ctx: CommandContext, out: Output, flags: ListFlags): Promise<ExitCode> {
  if (flags.json && flags.csv) throw new UsageError('choose one of --json and --csv');
  // A filter given empty (`--state ""`) is checked like any other value, not taken as no filter.
  if (flags.state !== undefined && !ACCOUNT_STATES.includes(flags.state as AccountState)) {
    throw new UsageError(`--state must be one of ${ACCOUNT_STATES.join(', ')}, not "${flags.state}"`);
  }
  requireConfigured('pool', flags.pool !== undefined ? [flags.pool] : [], ctx.config.pools.map((p) => p.name));
  const filter = {
    ...(flags.state !== undefined ? { state: flags.state as AccountState } : {}),
    ...(flags.pool !== undefined ? { pool: flags.pool } : {}),
    ...(flags.source !== undefined ? { source: flags.source } : {}),
  };
  const [{ repositoriesOf }, { storedSourceProblem }] = await Promise.all([import('../store/repositories.ts'), import('../sync/stored-source.ts')]);
  const repos = repositoriesOf(await ctx.openDb());
  // A source taken out of the config that seatsync ran is listed too: its accounts keep their seats.
  const sourceProblem = flags.source === undefined ? null : await storedSourceProblem(repos.runs, flags.source, ctx.config.sources.map((s) => s.name));
  if (sourceProblem !== null) throw new UsageError(sourceProblem);
  const rows = repos.accounts.list(filter);
  if (flags.csv) {
    out.line(csvLine(ACCOUNT_CSV_COLUMNS));
    for await (const a of rows) out.line(csvLine(ACCOUNT_CSV_COLUMNS.map((c) => a[c])));
    return EXIT.ok;
  }
  const all: AccountView[] = [];
  for await (const a of rows) all.push(a);
  if (flags.json) {
    out.json(all);
    return EXIT.ok;
  }
  out.line(
    table(
      ['id', 'source', 'username', 'display name', 'state', 'profile', 'pools', 'waiting for', 'since'],
      all.map((a) => [String(a.id), a.source, a.username, a.displayName, a.state + (a.protected ? ' (protected)' : ''), a.profile, a.pools.join(','), a.waitingFor.join(','), a.waitingSince ?? a.activatedAt ?? '']),
    ),
  );
  out.line(`\n${counted(all.length, 'account')}`);
  return EXIT.ok;
}
