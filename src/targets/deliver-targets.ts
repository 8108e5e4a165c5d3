// One delivery pass over every target's outbox rows, with the outbox's own loop (src/notify/deliver.ts):
// claimed in the database (replicas never deliver a row twice), one account's rows in order, retried
// with backoff, a throttling answer's Retry-After honoured, given up after `maxAttempts` (status `failed`).
// The adapters come from the pass's channels, so a target's connections and tokens outlive one pass.
import type { Logger } from '../logging.ts';
import { deliverRows, type DeliverResult, type DeliveryLoopOptions } from '../notify/deliver.ts';
import type { DeliveryChannels } from '../notify/delivery-channels.ts';
import type { Target } from './target.ts';

/** Rows claimed at a time per target: a first sync queues one per account. */
const TARGET_CLAIM_LIMIT = 50;
/**
 * Requests in flight per target: a first sync of many accounts is one or two round trips per account,
 * which one at a time would take hours for a large directory; a few at once stay polite to the application.
 */
const TARGET_PARALLEL = 4;

export async function deliverTargets(
  options: { readonly channels: DeliveryChannels; readonly logger: Logger; readonly only?: string } & Omit<DeliveryLoopOptions, 'logger'>,
): Promise<DeliverResult> {
  const tally = { sent: 0, failed: 0, retrying: 0 };
  for (const config of options.channels.config.targets) {
    if (options.signal?.aborted) break;
    if (options.only !== undefined && options.only !== config.name) continue;
    const logger = options.logger.child({ target: config.name });
    let target: Target;
    try {
      target = await options.channels.target(config);
    } catch (error) {
      // A target that cannot be set up (its tls.ca unreadable) keeps its rows; the others go on.
      logger.error({ err: error }, 'target not delivered to: it cannot be set up');
      continue;
    }
    const result = await deliverRows(
      { limit: TARGET_CLAIM_LIMIT, ...options, logger },
      { target: config.name, send: (row) => target.deliver(row), parallel: TARGET_PARALLEL },
    );
    if (result.sent + result.failed + result.retrying > 0) logger.info(result, 'target delivery pass');
    tally.sent += result.sent;
    tally.failed += result.failed;
    tally.retrying += result.retrying;
  }
  return tally;
}
