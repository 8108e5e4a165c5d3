// `seatsync audit`: the audit trail, newest last.
import type { Command } from 'commander';
import { ACCOUNT_REFERENCE, ACCOUNT_STATES } from '../domain/types.ts';
import { AUDIT_REASONS, auditLine } from '../domain/explain.ts';
import type { Runner } from './context.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { formatCount, table } from './output.ts';

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
        const [{ repositoriesOf }, { auditFilterOf }] = await Promise.all([import('../store/repositories.ts'), import('../sync/audit-filter.ts')]);
        const repos = async () => repositoriesOf(await ctx.openDb());
        const { json: _json, ...given } = flags;
        const { filter, problems } = await auditFilterOf(given, {
          repos, sources: ctx.config.sources.map((s) => s.name), limit: { default: DEFAULT_LIMIT, max: MAX_LIMIT }, nameOf: (parameter) => `--${parameter}`,
        });
        if (filter === null) throw new UsageError(problems.map((p) => p.message).join('; '));
        const { entries, more } = await (await repos()).audit.list(filter);
        if (flags.json) {
          out.json(entries);
          return EXIT.ok;
        }
        out.line(table(['time', 'account', 'from', 'to', 'reason', 'actor'], entries.map((e) => {
          const line = auditLine(e);
          return [e.at, e.username ? `${e.username} (${e.accountId})` : '', line.from, line.to, line.reason, e.actor];
        })));
        if (more) out.line(`\nthe latest ${formatCount(entries.length)} entries; earlier ones with a larger --limit`);
        return EXIT.ok;
      }),
    );
}
