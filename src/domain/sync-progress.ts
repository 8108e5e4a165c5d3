// A running sync job's progress in words, as `resync --wait` and the console's Sync now show it. A dry
// run (a review of a held run among them) goes through the same phases as a sync, but its last one only
// plans: it must never read as "applying".
import { formatCount } from './counted.ts';

/** A sync job's progress (jobs/names.ts `SyncJobProgress`). */
export interface SyncProgressFacts {
  readonly phase: string;
  readonly source: string | null;
  readonly read: number;
}

export function syncProgressText(p: SyncProgressFacts, job: { readonly dryRun: boolean }): string {
  const source = p.source === null ? '' : `${p.source}: `;
  const users = `${formatCount(p.read)} ${p.read === 1 ? 'user' : 'users'}`;
  switch (p.phase) {
    case 'waiting-for-source':
      return `${source}waiting for another run of this source to finish`;
    case 'read':
      return `${source}reading the directory, ${users} read`;
    case 'apply':
      return job.dryRun ? `${source}planning the changes for ${users} (a dry run: nothing is applied)` : `${source}applying the changes for ${users}`;
    default:
      return `${source}finishing`;
  }
}
