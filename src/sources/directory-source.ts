// The DirectorySource port: what the sync run needs from a directory, and nothing more.
import type { DirectoryUser } from '../domain/types.ts';

export { normalizeGroupKey } from '../domain/names.ts';

/** JSON-serializable cursor a source stores between runs (AD USN + invocationId, Entra delta link, …). */
export type SourceCursor = { readonly [key: string]: string | number | boolean | null };

/** Fields of a user that a source reads from one directory attribute each (`attributes` are named as read). */
export type MappedField = 'externalId' | 'username' | 'email' | 'displayName' | 'dn' | 'createdAt' | 'groups';

/**
 * The directory attribute (LDAP attribute, Graph property, CSV column) each field of a user was read
 * from, as the source's mapping names it: a report about a value names what the entry holds. A field
 * absent here is named by its own name.
 */
export type FieldAttributes = Readonly<Partial<Record<MappedField, string>>>;

/**
 * One element of a page: a user (with `repaired`, the attributes whose bytes were not UTF-8 and were
 * read with U+FFFD in their place: the run warns of each; `readFrom`, the attributes its fields were
 * read from), a deletion reported by an incremental read, an id in scope that an
 * incremental read did not return in full (unchanged since the cursor), or a bad entry.
 */
export type SourceItem =
  | { readonly kind: 'user'; readonly user: DirectoryUser; readonly repaired?: readonly string[]; readonly readFrom?: FieldAttributes }
  | { readonly kind: 'deleted'; readonly externalId: string }
  | { readonly kind: 'present'; readonly externalId: string }
  | SkippedItem;

/**
 * An entry that is present but unreadable. Its account, when its stable id could be read, is kept
 * exactly as it was (never swept, never updated); without an id the read counts as partial for the
 * mass-removal hold (any account it would sweep could be this entry's).
 */
export interface SkippedItem {
  readonly kind: 'skipped';
  /** What identifies the entry: DN, line number, object id. */
  readonly entry: string;
  /** The attribute at fault, when one is. */
  readonly attribute?: string;
  readonly reason: string;
  /** The entry's stable id, when it is readable (the same value a readable entry reports as `externalId`). */
  readonly externalId?: string;
}

export interface SourcePage {
  readonly items: readonly SourceItem[];
}

export interface SourceReadOptions {
  /** Cursor stored after the last successful run of this source; null: none (full read). */
  readonly cursor: SourceCursor | null;
  /** Ask for a full read even when the cursor allows an incremental one. */
  readonly forceFull: boolean;
  /**
   * Normalized group keys the run needs membership for (profile `memberOf`, `policy.protect`).
   * The source reports, in `DirectoryUser.groups`, each of these the user is a transitive member of.
   */
  readonly groupsOfInterest: readonly string[];
  /** Extra attribute names the profiles' `attribute` rules read. */
  readonly attributes: readonly string[];
  readonly signal?: AbortSignal;
}

/** Returned when the page stream ends. */
export interface SourceReadOutcome {
  /**
   * `full`: every user in scope was returned; users not returned are missing (mark and sweep).
   * `incremental`: only changes were returned; deletions come as `deleted` items.
   */
  readonly mode: 'full' | 'incremental';
  /**
   * An incremental read that also listed every id in scope (changed ones as users, the others as
   * `present` items): accounts it listed nowhere left the scope and are swept as after a full read.
   */
  readonly listedScope?: boolean;
  /** Cursor to store with this run's changes; null: the source keeps none. */
  readonly cursor: SourceCursor | null;
  /** Optional counters of the read for logs and the run record (e.g. `requests`, `throttled`, `waitedMs`). */
  readonly stats?: Readonly<Record<string, number>>;
}

export type SourceReader = AsyncGenerator<SourcePage, SourceReadOutcome, undefined>;

export interface SourceCheckReport {
  readonly ok: boolean;
  /** Human-readable steps: "connected to ldaps://…", "bound as …", "12,034 users in scope". */
  readonly steps: readonly { readonly name: string; readonly ok: boolean; readonly detail: string }[];
  readonly usersInScope: number | null;
  readonly sample: readonly DirectoryUser[];
  /** Resolved sizes of groups the config names (group key → member count). */
  readonly groupSizes: Readonly<Record<string, number>>;
}

/** What a check returns: its report (plain data, printed as JSON), and beside it the count a caller feeds. */
export interface SourceCheck {
  readonly report: SourceCheckReport;
  /** Asked with `usersReadByCaller` (and the check passed so far): the count to feed the caller's read to. */
  readonly users?: UsersCount;
}

export interface SourceCheckOptions extends Pick<SourceReadOptions, 'groupsOfInterest' | 'attributes'> {
  /**
   * The caller reads every user in scope itself (`seatsync check`'s dry run): a check that would count
   * them with a read of its own returns `users` instead, for the caller to feed that read's pages to,
   * so the directory is read once.
   */
  readonly usersReadByCaller?: boolean;
}

/** A check's count of the users a full read returns, fed page by page; then what the check says of them. */
export interface UsersCount {
  add(page: SourcePage): void;
  /** `ok`: whether the users pass the check; `groupSizes`: the sizes counted from the read (none when the check resolved them). */
  report(): SourceCheckReport;
}

/**
 * A directory connection. `read` streams users page by page and THROWS on any partial read (connection
 * lost, size limit, throttled past the retry budget): it never ends early, so missing users can safely be
 * swept after a full read.
 */
export interface DirectorySource {
  readonly name: string;
  readonly kind: 'ldap' | 'entra' | 'file';
  read(options: SourceReadOptions): SourceReader;
  check(options: SourceCheckOptions): Promise<SourceCheck>;
  close(): Promise<void>;
}

/** Errors raised by sources. `code` says what kind of failure, for job retry decisions and messages. */
export type SourceErrorCode =
  | 'connect' // cannot reach any server
  | 'tls' // certificate not trusted / name mismatch
  | 'auth' // bad credentials / app not found / tenant not found
  | 'permission' // insufficient rights / missing Graph permission
  | 'not-found' // base DN, group, file missing
  | 'throttled' // gave up after retries
  | 'invalid-data' // the whole input is unreadable (not one bad entry: those are skipped)
  | 'protocol'; // anything else from the server

export class SourceError extends Error {
  readonly code: SourceErrorCode;
  readonly source: string;
  /**
   * A condition of the directory or the network, handled as designed (logged as one line, no stack):
   * every code but `protocol`, which is what a server answered that no rule here foresaw.
   */
  readonly expected: boolean;
  constructor(source: string, code: SourceErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${source}: ${message}`, options);
    this.name = 'SourceError';
    this.code = code;
    this.source = source;
    this.expected = code !== 'protocol';
  }
}
