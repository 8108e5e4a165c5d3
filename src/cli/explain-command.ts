// `seatsync explain ACCOUNT`: why an account is in its state (the same explanation as
// `GET /api/v1/accounts/{id}/explain` and the console's account page).
import type { Command } from 'commander';
import { ACCOUNT_REFERENCE } from '../domain/types.ts';
import { auditLine } from '../domain/explain.ts';
import type { Runner } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { cellText, table, type Output } from './output.ts';
import type { AccountExplanation } from '../sync/explain.ts';

export function registerExplain(program: Command, run: Runner): void {
  program
    .command('explain <account>')
    .description(`why an account is in its state: profile and rule, seats held or awaited, queue position, latest changes (ACCOUNT: ${ACCOUNT_REFERENCE})`)
    .option('--json', 'print one JSON document')
    .action((ref: string, flags: { json?: boolean }) =>
      run(async (ctx, out) => {
        const [{ repositoriesOf }, { explainAccountRef }] = await Promise.all([import('../store/repositories.ts'), import('../sync/explain.ts')]);
        const result = await explainAccountRef(repositoriesOf(await ctx.openDb()), ctx.config, ref);
        if (flags.json) out.json(result);
        else printExplanation(out, result);
        return EXIT.ok;
      }),
    );
}

function printExplanation(out: Output, { account, explanation: e, audit }: AccountExplanation): void {
  out.line(`${cellText(account.username)} (id ${account.id}, source ${account.source}): ${e.state}`);
  out.line(`why: ${e.summary}`);
  out.line(e.profile
    ? `profile: ${e.profile.name} (${e.profile.position} of ${e.profile.of}; the first match wins), matched by: ${e.profile.rule}; needs ${e.profile.pools.join(', ') || 'no seat'}`
    : 'profile: none');
  const by = [e.protectedBy.admin ? 'an admin' : null, e.protectedBy.policy ? 'policy.protect' : null].filter((b) => b !== null);
  out.line(`protected: ${by.length > 0 ? `yes, by ${by.join(' and ')}` : 'no'}`);
  out.line(`holds: ${e.held.join(', ') || '-'}; waits for: ${e.waitingFor.join(', ') || '-'}${account.waitingSince ? ` since ${account.waitingSince}` : ''}`);
  if (audit.length === 0) return;
  out.line('\nlatest changes:');
  out.line(table(['time', 'from', 'to', 'reason', 'actor'], audit.map((a) => {
    const line = auditLine(a);
    return [a.at, line.from, line.to, line.reason, a.actor];
  })));
}
