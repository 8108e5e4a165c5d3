// One delivery pass with the transport the config names: what the worker's job and the CLI both run.
import type { SeatsyncConfig } from '../config/types.ts';
import type { Logger } from '../logging.ts';
import type { Database } from '../store/db.ts';
import { OutboxStore } from '../store/outbox-store.ts';
import { deliverOutbox, type DeliverResult } from './deliver.ts';
import { createTransport } from './transports/create-transport.ts';

const NOTHING: DeliverResult = { sent: 0, failed: 0, retrying: 0 };

/**
 * Sent messages are kept this long, then deleted by the delivery pass. While a row exists its dedupe key
 * stops the same event from being sent twice, so this is also how long a repeated event stays quiet.
 */
export const KEEP_SENT_MS = 30 * 24 * 3_600_000;

/** One delivery pass with the transport `notify` configures; nothing when notifications are off. */
export async function deliverNotifications(options: {
  readonly config: SeatsyncConfig;
  readonly db: Database;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}): Promise<DeliverResult> {
  const { config, logger } = options;
  if (!config.notify) return NOTHING;
  const transport = createTransport(config.notify, { sources: config.sources, logger });
  const outbox = new OutboxStore(options.db);
  try {
    await outbox.purgeSent({ before: new Date(Date.now() - KEEP_SENT_MS) });
    const result = await deliverOutbox({
      outbox,
      transport,
      logger,
      publicUrl: config.http.publicUrl,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (result.sent + result.failed + result.retrying > 0) logger.info(result, 'notification delivery pass');
    return result;
  } finally {
    await transport.close().catch(() => undefined);
  }
}
