// `seatsync audit`: the audit trail, newest last.
import type { Command } from 'commander';
import { listAudit } from '../store/query-store.ts';
import { resolveAccount } from '../sync/admin-actions.ts';
import type { Runner } from './context.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { table } from './output.ts';

export function registerAudit(program: Command, run: Runner): void {
  program
    .command('audit')
    .description('the audit trail: every state change with reason and actor')
    .option('--account <account>', 'only this account (id, username or email)')
    .option('--since <date>', 'only entries at or after this date (ISO 8601)')
    .option('--limit <n>', 'at most this many entries (the latest)', '1000')
    .option('--json', 'print one JSON document')
    .action((flags: { account?: string; since?: string; limit: string; json?: boolean }) =>
      run(async (ctx, out) => {
        const since = flags.since ? new Date(flags.since) : undefined;
        if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since: not a date: "${flags.since}" (use e.g. 2026-01-31 or 2026-01-31T12:00:00Z)`);
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit must be a positive integer, not "${flags.limit}"`);
        const db = await ctx.openDb();
        const accountIds = flags.account ? [(await resolveAccount(db, flags.account)).id] : undefined;
        const entries = await listAudit(db, { limit, ...(since ? { since } : {}), ...(accountIds ? { accountIds } : {}) });
        if (flags.json) {
          out.json(entries);
          return EXIT.ok;
        }
        out.line(table(['time', 'account', 'from', 'to', 'reason', 'actor'], entries.map((e) => [e.at, e.username ? `${e.username} (${e.accountId})` : '', e.from ?? '', e.to ?? '', e.comment ? `${e.reason}: ${e.comment}` : e.reason, e.actor])));
        return EXIT.ok;
      }),
    );
}
