// Which source names filter the audit trail (`seatsync audit --source`, `GET /api/v1/audit?source=`),
// checked once for both. Not only the configured sources: the trail of a source removed from the config
// is when it matters most, and its accounts and audit entries stay stored. A name seatsync never ran is
// refused, so a typo is not answered with an empty list.
import { unknownNames } from '../domain/names.ts';
import type { Repositories } from '../store/repositories.ts';

/** Never part of a source's name; a NUL byte could not even be looked up (PostgreSQL text holds none). */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Null when `name` may filter the audit trail: a configured source, or any source with a stored run (runs
 * are never deleted, and every account and audit entry of a source came from one of its runs). Otherwise
 * the sentence every command gives for a source it does not know (an empty name included).
 */
export async function auditSourceProblem(runs: Pick<Repositories['runs'], 'hasRuns'>, name: string, configured: readonly string[]): Promise<string | null> {
  if (configured.includes(name)) return null;
  if (name !== '' && !CONTROL_CHARACTER.test(name) && (await runs.hasRuns(name))) return null;
  return unknownNames('source', [name], configured);
}
