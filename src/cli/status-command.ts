// `seatsync status`: pools, last run per source (with its warnings), sources not in the config that keep accounts, outbox, targets.
import type { Command } from 'commander';
import { counted, formatCount } from '../domain/counted.ts';
import type { Runner } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { cellText, driftText, frozenText, heldText, notScheduledText, overdueText, table, unconfiguredText } from './output.ts';

export function registerStatus(program: Command, run: Runner): void {
  program
    .command('status')
    .description('seats per pool (seats, used, available, waiting), last run per source, outbox, targets')
    .option('--json', 'print one JSON document')
    .action((flags: { json?: boolean }) =>
      run(async (ctx, out) => {
        const [{ repositoriesOf }, { sourcesNotScheduled, statusView }] = await Promise.all([import('../store/repositories.ts'), import('../sync/status.ts')]);
        const repos = repositoriesOf(await ctx.openDb());
        const status = await statusView(repos, ctx.config);
        if (flags.json) {
          out.json(status);
          return EXIT.ok;
        }
        const notScheduled = await sourcesNotScheduled(repos, ctx.config);
        out.line(table(['pool', 'seats', 'used', 'available', 'waiting'], status.pools.map((p) => [p.name, p.seats, p.used, p.available, p.waiting])));
        out.line('');
        out.line(
          table(
            ['source', 'last run', 'started', 'finished', 'seen', 'last success', 'failures'],
            status.sources.map((s) => [
              s.name, s.lastRun?.status ?? 'never', s.lastRun?.startedAt ?? '', s.lastRun?.finishedAt ?? '', s.lastRun?.seen ?? '',
              s.lastSuccessfulRun?.finishedAt ?? 'never', s.consecutiveFailures,
            ]),
          ),
        );
        for (const s of status.sources.filter((source) => source.consecutiveFailures > 0 && source.lastError)) {
          out.line(`\n${s.name}: FAILING since ${s.failingSince ?? '?'} (${counted(s.consecutiveFailures, 'failed run')}); last error: ${cellText(s.lastError?.message ?? '')}`);
        }
        for (const s of status.sources.filter((source) => source.overdueSince !== null)) {
          out.line(`\n${s.name}: OVERDUE — ${overdueText(s)}`);
        }
        for (const name of notScheduled) out.line(`\n${notScheduledText(name)}`);
        for (const s of status.sources.filter((source) => source.frozen.accounts > 0)) out.line(`\n${s.name}: FROZEN — ${frozenText(s)}`);
        for (const s of status.unconfiguredSources) out.line(`\n${s.name}: NOT IN THE CONFIG — ${unconfiguredText(s)}`);
        for (const s of status.sources) {
          const held = s.lastRun?.held;
          if (held) out.line(heldText(s.name, held, 'sync'));
        }
        out.line('');
        out.line(outboxText(status.outbox));
        if (status.targets.length > 0) {
          out.line('');
          out.line(
            table(
              ['target', 'kind', 'pending', 'failed', 'last delivery', 'last reconcile', 'drift'],
              status.targets.map((t) => [t.name, t.kind, t.pending, t.failed, t.lastDeliveryAt ?? 'never', t.lastReconcileAt ?? 'never', t.drift === null ? '' : driftText(t.drift, 'none')]),
            ),
          );
          for (const t of status.targets) if (t.lastError !== null && t.pending + t.failed > 0) out.line(`${t.name}: last error: ${cellText(t.lastError)}`);
        }
        return EXIT.ok;
      }),
    );
}

/** The outbox line of `status`: its counts written as every count is (1,198). */
export function outboxText(outbox: { readonly pending: number; readonly failed: number }): string {
  return `outbox: ${formatCount(outbox.pending)} pending, ${formatCount(outbox.failed)} failed`;
}

