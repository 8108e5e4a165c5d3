// Connects CLI runs to notifications and targets: outbox rows written by runs, delivered before the CLI exits.
import { deliverNotifications } from '../notify/deliver-configured.ts';
import { withChannels } from '../notify/delivery-channels.ts';
import type { Database } from '../store/db.ts';
import { repositoriesOf } from '../store/repositories.ts';
import { runHooksFor } from '../run-hooks.ts';
import type { RunNotifier } from '../sync/sync-source.ts';
import type { CommandContext } from './context.ts';

/** The emails' and targets' hooks for the runs and admin actions of this command, on its database. */
export function runHooksOf(ctx: Pick<CommandContext, 'config'>, db: Database): RunNotifier | undefined {
  return runHooksFor(ctx.config, repositoriesOf(db).outbox);
}

/** Sends what the runs of this command queued (and anything else due). A failed send stays queued. */
export async function deliverAfterRun(ctx: CommandContext, db: Database): Promise<void> {
  await withChannels(ctx.config, ctx.logger, (channels) => deliverNotifications({ channels, outbox: repositoriesOf(db).outbox, logger: ctx.logger }));
}

export interface MailCheck {
  readonly transport: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Verifies the configured mail transport (connect and authenticate); null when notifications are off. */
export async function checkMailTransport(ctx: CommandContext): Promise<MailCheck | null> {
  const notify = ctx.config.notify;
  if (!notify) return null;
  const { createTransport } = await import('../notify/transports/create-transport.ts');
  const transport = createTransport(notify, { sources: ctx.config.sources, logger: ctx.logger });
  try {
    await transport.verify();
    return { transport: notify.transport.kind, ok: true, detail: `ready to send to ${notify.to}` };
  } catch (error) {
    return { transport: notify.transport.kind, ok: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    await transport.close().catch(() => undefined);
  }
}
