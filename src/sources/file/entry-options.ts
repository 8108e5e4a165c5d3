// What the CSV and LDIF entry streams receive from the file source.
import type { DuplicateIds } from './duplicate-ids.ts';

export interface FileEntryOptions {
  /** Source name, for errors. */
  readonly sourceName: string;
  /** The file path, named in errors about the whole file. */
  readonly path: string;
  /** Normalized group keys the run asked about. */
  readonly groupsOfInterest: readonly string[];
  /** Extra attribute names the profiles read, as configured. */
  readonly attributes: readonly string[];
  /** Ids used so far in this read (one instance per read). */
  readonly ids: DuplicateIds;
}
