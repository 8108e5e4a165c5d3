// Which source names filter the audit trail (`seatsync audit --source`, `GET /api/v1/audit?source=`),
// checked once for both. Not only the configured sources: the trail of a source removed from the config
// is when it matters most, and its accounts and audit entries stay stored. A name seatsync never ran is
// refused, so a typo is not answered with an empty list.
import { unknownNames } from '../domain/names.ts';
import type { Repositories } from '../store/repositories.ts';

/**
 * Null when `name` may filter the audit trail: a configured source, or any source with a stored run (runs
 * are never deleted, and every account and audit entry of a source came from one of its runs). Otherwise
 * the sentence saying why not: empty, a control character (never a source's name), or unknown.
 */
export async function auditSourceProblem(runs: Pick<Repositories['runs'], 'hasRuns'>, name: string, configured: readonly string[]): Promise<string | null> {
  if (name === '') return 'empty; give a source\'s name';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character; give a source\'s name';
  if (configured.includes(name) || (await runs.hasRuns(name))) return null;
  return `${unknownNames('source', [name], configured) ?? ''} (or a source removed from the config that has stored runs)`;
}
