// `seatsync targets reconcile [--target N] [--dry-run] [--json]`: compares each SCIM target's users with
// seatsync's accounts and repairs the drift (queued in the outbox, then delivered before the command
// exits). Exit 1 when a repair could not be delivered (it stays queued for the worker).
import type { Command } from 'commander';
import type { ScimTargetConfig } from '../config/types.ts';
import type { ReconcileReport } from '../targets/scim/scim-reconcile.ts';
import type { Runner } from './context.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { driftText, formatCount, table } from './output.ts';
import { counted } from '../domain/counted.ts';

export function registerTargets(program: Command, run: Runner): void {
  const targets = program.command('targets').description('the applications seatsync provisions (SCIM, webhooks)');
  targets
    .command('reconcile')
    .description("list each SCIM target's users and repair what differs from seatsync's accounts")
    .option('--target <name>', 'only this target')
    .option('--dry-run', 'report the drift, change nothing')
    .option('--json', 'print one JSON document')
    .action((flags: { target?: string; dryRun?: boolean; json?: boolean }) =>
      run(async (ctx, out) => {
        const scim = ctx.config.targets.filter((t): t is ScimTargetConfig => t.kind === 'scim');
        const chosen = flags.target === undefined ? scim : scim.filter((t) => t.name === flags.target);
        if (flags.target !== undefined && chosen.length === 0) {
          const names = scim.map((t) => t.name).join(', ') || 'none';
          throw new UsageError(`--target "${flags.target}": no SCIM target of that name (SCIM targets: ${names})`);
        }
        const [{ withChannels }, { deliverTargets }, { reconcileScimTarget }, { storeOf }] = await Promise.all([
          import('../notify/delivery-channels.ts'), import('../targets/deliver-targets.ts'), import('../targets/scim/scim-reconcile.ts'), import('../store/repositories.ts'),
        ]);
        const store = storeOf(await ctx.openDb());
        const reports: (ReconcileReport & { delivered: { sent: number; failed: number; retrying: number } | null })[] = [];
        for (const target of chosen) {
          const report = await reconcileScimTarget({ target, config: ctx.config, store, logger: ctx.logger, dryRun: flags.dryRun === true });
          const delivered = report.queued > 0
            ? await withChannels(ctx.config, ctx.logger, (channels) => deliverTargets({ channels, outbox: store.outbox, logger: ctx.logger, only: target.name }))
            : null;
          reports.push({ ...report, delivered });
        }
        const undelivered = reports.some((r) => r.delivered !== null && r.delivered.failed + r.delivered.retrying > 0);
        if (flags.json) out.json({ targets: reports });
        else printReports(reports, (line) => out.line(line));
        return undelivered ? EXIT.failure : EXIT.ok;
      }),
    );
}

/** What `targets reconcile` prints for its reports, a line at a time. */
export function printReports(reports: readonly (ReconcileReport & { delivered: { sent: number; failed: number; retrying: number } | null })[], line: (text: string) => void): void {
  if (reports.length === 0) line('no SCIM target is configured');
  for (const r of reports) {
    line(`${r.target}: ${counted(r.applicationUsers, 'user')} in the application; ${driftText(r.found, 'no drift')}`);
    if (r.drifted.length > 0) line(table(['externalId', 'userName', 'drift'], r.drifted.map((d) => [d.externalId, d.userName, d.drift])));
    if (r.dryRun) line('dry run: nothing changed');
    else if (r.delivered !== null) line(`repaired: ${formatCount(r.delivered.sent)} delivered, ${formatCount(r.delivered.retrying)} to retry, ${formatCount(r.delivered.failed)} failed`);
  }
}
