// The scheduled reconcile of a SCIM target: compare the application's users with seatsync's accounts,
// queue the repairs, deliver them. A target that left the config meanwhile is skipped. An application
// that cannot be listed fails the job (logged; the next tick tries again); the sync is never affected.
import type { Job } from 'bullmq';
import type { ScimTargetConfig, SeatsyncConfig } from '../src/config/types.ts';
import type { Logger } from '../src/logging.ts';
import type { FollowingChannels } from '../src/notify/delivery-channels.ts';
import type { Store } from '../src/store/repositories.ts';
import { deliverTargets } from '../src/targets/deliver-targets.ts';
import { reconcileScimTarget, type ReconcileReport } from '../src/targets/scim/scim-reconcile.ts';
import type { ReconcileTargetData } from './names.ts';

export interface ReconcileJobDeps {
  readonly config: () => SeatsyncConfig;
  /** The current config's targets, kept between passes (the same as the delivery job's). */
  readonly channels: FollowingChannels;
  readonly store: Store;
  readonly logger: Logger;
}

export function createReconcileJobHandler(deps: ReconcileJobDeps) {
  return async (job: Job<ReconcileTargetData, unknown, string>, _token?: string, signal?: AbortSignal): Promise<ReconcileReport | null> => {
    const config = deps.config();
    const target = config.targets.find((t): t is ScimTargetConfig => t.kind === 'scim' && t.name === job.data.target);
    if (target === undefined) {
      deps.logger.info({ target: job.data.target }, 'reconcile skipped: no such SCIM target in the config any more');
      return null;
    }
    const report = await reconcileScimTarget({ target, config, store: deps.store, logger: deps.logger, dryRun: false });
    if (report.queued > 0) {
      await deps.channels.use((channels) => deliverTargets({ channels, outbox: deps.store.outbox, logger: deps.logger, only: target.name, ...(signal ? { signal } : {}) }));
    }
    return report;
  };
}
