// Which source names may filter what seatsync has stored (the audit trail, the account list): the
// configured sources and those taken out of the config that seatsync ran. One rule for `seatsync audit`,
// `seatsync accounts`, `GET /api/v1/audit` and `GET /api/v1/accounts`.
import { unknownNames } from '../domain/names.ts';
import type { Repositories } from '../store/repositories.ts';

/** Never part of a source's name; a NUL byte could not even be looked up (PostgreSQL text holds none). */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Null when `name` may filter what is stored: a configured source, or any source with a stored run (runs
 * are never deleted, and every account and audit entry of a source came from one of its runs). Not only
 * the configured sources: the trail and the accounts of a source removed from the config are when it
 * matters most (its accounts keep their seats until it is put back and synced). A name seatsync never
 * ran is refused, so a typo is not answered with an empty list; the sentence is the one every command
 * gives for a source it does not know (an empty name included).
 */
export async function storedSourceProblem(runs: Pick<Repositories['runs'], 'hasRuns'>, name: string, configured: readonly string[]): Promise<string | null> {
  if (configured.includes(name)) return null;
  if (name !== '' && !CONTROL_CHARACTER.test(name) && (await runs.hasRuns(name))) return null;
  return unknownNames('source', [name], configured);
}
