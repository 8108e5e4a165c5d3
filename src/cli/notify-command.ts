// `seatsync notify test`: queue a test email to `notify.to` and deliver it now.
import type { Command } from 'commander';
import type { Runner } from './context.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { formatCount } from './output.ts';

export function registerNotify(program: Command, run: Runner): void {
  const notify = program.command('notify').description('notification commands');
  notify
    .command('test')
    .description('send a test email to notify.to through the configured transport')
    .action(() =>
      run(async (ctx, out) => {
        if (!ctx.config.notify) throw new UsageError('notify is not configured: add a notify section (to, from, smtp or graph) to the config');
        const [{ enqueueTestMessage }, { repositoriesOf }, { deliverAfterRun }] = await Promise.all([
          import('../notify/deliver.ts'), import('../store/repositories.ts'), import('./notify-wiring.ts'),
        ]);
        const db = await ctx.openDb();
        const outbox = repositoriesOf(db).outbox;
        const { dedupeKey } = await enqueueTestMessage({ db, outbox, to: ctx.config.notify.to });
        await deliverAfterRun(ctx, db);
        const status = await outbox.statusOf(dedupeKey);
        if (status?.status === 'sent') {
          out.line(`test email sent to ${ctx.config.notify.to} (${ctx.config.notify.transport.kind})`);
          return EXIT.ok;
        }
        out.line(`test email NOT sent to ${ctx.config.notify.to}: ${status?.lastError ?? 'unknown error'}${status?.status === 'pending' ? ' (it stays queued and will be retried by the worker)' : ''}`);
        return EXIT.failure;
      }),
    );
  notify
    .command('retry')
    .description('queue the messages that failed for good (status failed) again, and deliver them now')
    .action(() =>
      run(async (ctx, out) => {
        const [{ repositoriesOf }, { deliverAfterRun }] = await Promise.all([import('../store/repositories.ts'), import('./notify-wiring.ts')]);
        const db = await ctx.openDb();
        const requeued = await repositoriesOf(db).outbox.requeueFailed({ now: new Date() });
        await deliverAfterRun(ctx, db);
        const counts = await repositoriesOf(db).outbox.counts();
        out.line(retriedText(requeued, counts));
        return counts.failed > 0 ? EXIT.failure : EXIT.ok;
      }),
    );
}

/** What `notify retry` says: how many failed messages went back to the queue, and the outbox after delivering them. */
export function retriedText(requeued: number, outbox: { readonly pending: number; readonly failed: number }): string {
  return `${formatCount(requeued)} failed message(s) queued again; outbox now: ${formatCount(outbox.pending)} pending, ${formatCount(outbox.failed)} failed`;
}
