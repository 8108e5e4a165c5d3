// `seatsync audit`: the audit trail, newest last.
import type { Command } from 'commander';
import { ACCOUNT_REFERENCE, ACCOUNT_STATES } from '../domain/types.ts';
import { AUDIT_REASONS, auditLine } from '../domain/explain.ts';
import { INSTANT_EXAMPLES, parseInstant } from '../domain/iso-time.ts';
import type { Runner } from './context.ts';
import { EXIT, requireConfigured, UsageError } from './exit-codes.ts';
import { formatCount, table } from './output.ts';
import { wholeNumberOption } from './option-values.ts';

/** More entries than this at once is an export: use --since to take it in parts. */
const MAX_LIMIT = 1_000_000;
const DEFAULT_LIMIT = 1_000;

export function registerAudit(program: Command, run: Runner): void {
  program
    .command('audit')
    .description('the audit trail: every state change with reason and actor')
    .option('--account <account>', `only this account (${ACCOUNT_REFERENCE})`)
    .option('--since <date>', 'only entries at or after this date (ISO 8601; a time without a zone is UTC)')
    .option('--reason <reason>', `only entries with this reason (${AUDIT_REASONS.join(', ')})`)
    .option('--source <name>', 'only entries of accounts of this source')
    .option('--run <id>', 'only the entries of this run (its numeric id, as in the actor run:ID)')
    .option('--to <state>', `only the changes into this state, from another or as a new account (${ACCOUNT_STATES.join(', ')})`)
    .option('--limit <n>', `at most this many entries (the latest; default ${formatCount(DEFAULT_LIMIT)})`)
    .option('--json', 'print one JSON document')
    .action((flags: { account?: string; since?: string; reason?: string; source?: string; run?: string; to?: string; limit?: string; json?: boolean }) =>
      run(async (ctx, out) => {
        const since = flags.since === undefined ? undefined : parseInstant(flags.since);
        if (since === null) throw new UsageError(`--since: not a date: "${flags.since}" (${INSTANT_EXAMPLES})`);
        if (flags.reason !== undefined && !(AUDIT_REASONS as readonly string[]).includes(flags.reason)) {
          throw new UsageError(`--reason must be one of ${AUDIT_REASONS.join(', ')}, not "${flags.reason}"`);
        }
        if (flags.to !== undefined && !(ACCOUNT_STATES as readonly string[]).includes(flags.to)) {
          throw new UsageError(`--to must be one of ${ACCOUNT_STATES.join(', ')}, not "${flags.to}"`);
        }
        if (flags.run !== undefined && !/^[0-9]{1,18}$/.test(flags.run)) throw new UsageError(`--run must be a run's numeric id, not "${flags.run}"`);
        requireConfigured('source', flags.source !== undefined ? [flags.source] : [], ctx.config.sources.map((s) => s.name));
        const limit = flags.limit === undefined ? DEFAULT_LIMIT : wholeNumberOption('--limit', flags.limit, { min: 1, max: MAX_LIMIT });
        const [{ repositoriesOf }, { resolveAccount }] = await Promise.all([import('../store/repositories.ts'), import('../sync/admin-actions.ts')]);
        const repos = repositoriesOf(await ctx.openDb());
        const accountIds = flags.account !== undefined ? [(await resolveAccount(repos.accounts, flags.account)).id] : undefined;
        const { entries, more } = await repos.audit.list({
          limit, ...(since ? { since } : {}), ...(accountIds ? { accountIds } : {}),
          ...(flags.reason ? { reason: flags.reason } : {}), ...(flags.source !== undefined ? { source: flags.source } : {}), ...(flags.run ? { runId: flags.run } : {}), ...(flags.to ? { to: flags.to } : {}),
        });
        if (flags.json) {
          out.json(entries);
          return EXIT.ok;
        }
        out.line(table(['time', 'account', 'from', 'to', 'reason', 'actor'], entries.map((e) => {
          const line = auditLine(e);
          return [e.at, e.username ? `${e.username} (${e.accountId})` : '', line.from, line.to, line.reason, e.actor];
        })));
        if (more) out.line(`\nthe latest ${entries.length} entries; earlier ones with a larger --limit`);
        return EXIT.ok;
      }),
    );
}
