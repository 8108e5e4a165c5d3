// A scheduler tick: asks for a sync of its source through the same coalescing path as a manual resync,
// so a schedule firing while a run of that source is queued joins it instead of piling up behind it.
import type { Job } from 'bullmq';
import type { SeatsyncConfig } from '../src/config/types.ts';
import { sourceLogger, type Logger } from '../src/logging.ts';
import { enqueueSync, type EnqueuedSync, type SyncQueue } from './enqueue.ts';
import type { ScheduleTickData } from './names.ts';

export interface ScheduleTickDeps {
  readonly syncQueue: SyncQueue;
  /** The config as the worker last read it (a tick only needs the source names). */
  readonly config: () => SeatsyncConfig;
  readonly logger: Logger;
}

export function createScheduleTickHandler(deps: ScheduleTickDeps) {
  return async (job: Job<ScheduleTickData, unknown, string>): Promise<EnqueuedSync | null> => {
    const { source } = job.data;
    const log = sourceLogger(deps.logger, source);
    if (!deps.config().sources.some((s) => s.name === source)) {
      // The scheduler outlived its source (the config changed between the tick and now): nothing to do.
      log.info('scheduled tick for a source that is no longer configured; ignored');
      return null;
    }
    const enqueued = await enqueueSync(deps.syncQueue, { sources: [source], dryRun: false, allowRemovals: false, forceFull: false, trigger: 'schedule' });
    log.debug({ ...enqueued }, 'scheduled sync queued');
    return enqueued;
  };
}
