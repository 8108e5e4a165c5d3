// The outbox delivery job: sends what the outbox holds, emails and the targets' rows (see
// src/notify/deliver.ts, src/targets/deliver-targets.ts). Runs every
// DELIVERY_EVERY_MS and after each sync job; rows are claimed in the database, so replicas running it
// at the same moment never send a message twice. A delivery failure is the outbox's business (backoff,
// `failed` rows), not the job's: the job only fails when the outbox itself cannot be read.
import type { Job } from 'bullmq';
import type { Logger } from '../src/logging.ts';
import type { DeliverResult } from '../src/notify/deliver.ts';
import { deliverNotifications } from '../src/notify/deliver-configured.ts';
import type { FollowingChannels } from '../src/notify/delivery-channels.ts';
import type { OutboxPort } from '../src/notify/outbox-port.ts';
import type { DeliverJobData } from './names.ts';

export interface DeliverJobDeps {
  /** The current config's mail transport and targets, kept between passes. */
  readonly channels: FollowingChannels;
  readonly outbox: OutboxPort;
  readonly logger: Logger;
}

export function createDeliverJobHandler(deps: DeliverJobDeps) {
  return async (job: Job<DeliverJobData, unknown, string>, _token?: string, signal?: AbortSignal): Promise<DeliverResult> => {
    // Requests made from now on queue one more delivery (rows written while this one runs are not lost).
    await job.removeDeduplicationKey();
    return deps.channels.use((channels) => deliverNotifications({ channels, outbox: deps.outbox, logger: deps.logger, ...(signal ? { signal } : {}) }));
  };
}
