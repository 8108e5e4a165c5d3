// One delivery pass with the transport the config names: what the worker's job and the CLI both run.
import type { Logger } from '../logging.ts';
import { deliverOutbox, type DeliverResult } from './deliver.ts';
import type { DeliveryChannels } from './delivery-channels.ts';
import type { OutboxPort } from './outbox-port.ts';
import { deliverTargets } from '../targets/deliver-targets.ts';

const NOTHING: DeliverResult = { sent: 0, failed: 0, retrying: 0 };

/**
 * Sent messages are kept this long, then deleted by the delivery pass. While a row exists its dedupe key
 * stops the same event from being sent twice, so this is also how long a repeated event stays quiet.
 */
export const KEEP_SENT_MS = 30 * 24 * 3_600_000;

/** One delivery pass: emails with the transport `notify` configures (none when it is off), then every target's rows. */
export async function deliverNotifications(options: {
  readonly channels: DeliveryChannels;
  readonly outbox: OutboxPort;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}): Promise<DeliverResult> {
  const { config } = options.channels;
  await options.outbox.purgeSent({ before: new Date(Date.now() - KEEP_SENT_MS) });
  const mails = await deliverMails(options);
  // The targets' rows go through the same loop, each target on its own (src/targets/).
  const targets = config.targets.length === 0 ? NOTHING : await deliverTargets(options);
  return { sent: mails.sent + targets.sent, failed: mails.failed + targets.failed, retrying: mails.retrying + targets.retrying };
}

async function deliverMails(options: Parameters<typeof deliverNotifications>[0]): Promise<DeliverResult> {
  const { channels, logger } = options;
  const transport = await channels.transport();
  if (!transport) return NOTHING;
  const result = await deliverOutbox({
    outbox: options.outbox,
    transport,
    logger,
    publicUrl: channels.config.http.publicUrl,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (result.sent + result.failed + result.retrying > 0) logger.info(result, 'notification delivery pass');
  return result;
}
