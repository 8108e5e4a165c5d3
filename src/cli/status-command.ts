// `seatsync status`: pools, last run per source, outbox.
import type { Command } from 'commander';
import { statusView } from '../sync/status.ts';
import type { Runner } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { table } from './output.ts';

export function registerStatus(program: Command, run: Runner): void {
  program
    .command('status')
    .description('seats per pool (seats, used, available, waiting), last run per source, outbox')
    .option('--json', 'print one JSON document')
    .action((flags: { json?: boolean }) =>
      run(async (ctx, out) => {
        const status = await statusView(await ctx.openDb(), ctx.config);
        if (flags.json) {
          out.json(status);
          return EXIT.ok;
        }
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
          out.line(`\n${s.name}: FAILING since ${s.failingSince ?? '?'} (${s.consecutiveFailures} failed runs); last error: ${s.lastError?.message ?? ''}`);
        }
        out.line('');
        out.line(`outbox: ${status.outbox.pending} pending, ${status.outbox.failed} failed`);
        return EXIT.ok;
      }),
    );
}
