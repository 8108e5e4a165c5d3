// What an incremental read adds so that users who were deleted or left the scope show on the next run,
// not on the next full read (`fullEvery` stays as a safety net). The change query only returns entries in
// scope whose uSNChanged / modifyTimestamp moved; a deleted entry, an entry moved out of the base DN or
// one whose change took it out of the filters is never among them.
//
// - Active Directory keeps a tombstone of each deleted object, with its objectGUID, in the Deleted
//   Objects container of its naming context. They are read with the Show Deleted control (OID
//   1.2.840.113556.1.4.417), filtering isDeleted=TRUE and uSNChanged above the cursor. DirSync
//   (1.2.840.113556.1.4.841) would report deletions too, but it needs the "Replicating Directory Changes"
//   right, keeps a cookie of its own beside the USN cursor and returns changed attributes only, so the
//   mapping would need the whole entry read again anyway; Show Deleted fits the uSNChanged cursor this
//   source already keeps. Moves out of the base DN and changes that leave the filters are found by one
//   more id-only query: users of the whole naming context changed since the cursor, less the ids the
//   scoped change query returned. Leaving the scope group, directly or through a nested group, changes
//   the group's uSNChanged, not the user's: that already makes the read a full one (ldap-cursor.ts).
// - Other servers keep no tombstones. Where the server offers content synchronization (OpenLDAP's
//   syncprov overlay) and the id attribute is entryUUID (the sync UUID), a refresh from the stored cookie
//   reports the entries gone (content-sync.ts). Otherwise, or when that refresh can't be used, every
//   incremental read lists the ids in scope (the id attribute only, page by page, never the directory
//   as objects), and the sync sweeps the accounts the listing does not name (`listedScope`).
import { Control } from 'ldapts';

import type { LdapSourceConfig } from '../../config/types.ts';
import { normalizeDn } from '../../domain/names.ts';
import type { SourceItem } from '../directory-source.ts';
import { isBinaryGuidAttribute } from '../directory-values.ts';

import { namingContextOf, type DirectoryInfo } from './directory-info.ts';
import { binaryNames, type EntryView } from './entry-view.ts';
import { posixUidKey } from './group-expander.ts';
import { hasMember, type ResolvedGroups } from './group-types.ts';
import { groupResolutionOf } from './ldap-defaults.ts';
import { andFilter, inChainMemberOfFilter } from './ldap-filter.ts';
import type { LdapSession } from './ldap-session.ts';
import { readSoleAsciiValue } from './search-response.ts';
import type { EntryReading } from './search-connection.ts';
import { idOfText, POSIX_UID_ATTRIBUTE, readId } from './user-entry.ts';

/** LDAP_SERVER_SHOW_DELETED_OID: the search also returns tombstones (deleted objects). */
export const SHOW_DELETED_CONTROL = '1.2.840.113556.1.4.417';

export interface ScopeExitInput {
  readonly config: LdapSourceConfig;
  readonly session: LdapSession;
  readonly info: DirectoryInfo;
  readonly groups: ResolvedGroups;
  readonly signal?: AbortSignal;
}

/** How an incremental read learns deletions and scope exits; chosen from the config and the root DSE. */
export type DeletionMechanism = 'tombstones' | 'content-sync' | 'id-listing';

export function deletionMechanism(config: Pick<LdapSourceConfig, 'flavor' | 'attributes'>, info: Pick<DirectoryInfo, 'contentSync'>): DeletionMechanism {
  if (config.flavor === 'active-directory') return 'tombstones';
  return info.contentSync && config.attributes.id.toLowerCase() === 'entryuuid' ? 'content-sync' : 'id-listing';
}

/** Base DN, user filter, `filter` and (where the server applies it) the scope group: who is in scope. */
export function scopeFilter(config: LdapSourceConfig): string {
  const inChain = config.group !== null && groupResolutionOf(config) === 'in-chain';
  return andFilter(config.userFilter, config.filter, inChain && config.group !== null ? inChainMemberOfFilter(normalizeDn(config.group)) : null);
}

/**
 * AD: `deleted` items for users deleted since the cursor (tombstones) and for users changed since the
 * cursor that the scoped change query did not return (`returnedIds`): moved out of the base DN, or out
 * of the filters. An id that belongs to no account is ignored by the sync.
 */
export async function* departedSinceCursor(input: ScopeExitInput & { changeFilter: string; returnedIds: ReadonlySet<string> }): AsyncGenerator<SourceItem[]> {
  const { config, session, info } = input;
  const context = namingContextOf(normalizeDn(config.baseDN), info) ?? config.baseDN;
  const idAttribute = config.attributes.id;
  const search = { attributes: [idAttribute], explicitBufferAttributes: isBinaryGuidAttribute(idAttribute) ? binaryNames(idAttribute) : [] };
  // Ids only, read as the id listing reads them: an entry is reduced to its id as it is decoded.
  const idPages = (filter: string, controls: Control[] = []) => session.mappedPages(context, { ...search, filter, controls }, listedIdReading(idAttribute));
  const tombstones = idPages(andFilter('(isDeleted=TRUE)', input.changeFilter), [new Control(SHOW_DELETED_CONTROL, { critical: true })]);
  for await (const page of tombstones) {
    input.signal?.throwIfAborted();
    yield page.flatMap((externalId): SourceItem[] => (externalId === null ? [] : [{ kind: 'deleted', externalId }]));
  }
  for await (const page of idPages(andFilter(config.userFilter, input.changeFilter))) {
    input.signal?.throwIfAborted();
    yield page.flatMap((externalId): SourceItem[] => (externalId === null || input.returnedIds.has(externalId) ? [] : [{ kind: 'deleted', externalId }]));
  }
}

/**
 * Pages of the id listing read ahead of the sync. The sync may hold a page for a while: when a listing
 * begins it loads the source's stored accounts to compare the ids with (src/sync/source-snapshot.ts), a
 * wait that grows with the directory as the listing does (100,000 accounts: 0.3–0.7 s on a busy
 * machine, during which one page ahead left the server idle; BENCHMARKS.md, "The id listing without
 * `syncprov`"). Read ahead, the server goes on listing
 * meanwhile. An id page is small (1,000 entryUUIDs: about 60 kB as strings), so 64 pages hold about
 * 4 MB at most.
 */
export const ID_LISTING_READ_AHEAD_PAGES = 64;

/**
 * Other servers: every id in scope as a `present` item, a page at a time (the id and `uid` only). Each
 * entry is reduced to its id as it is decoded, so pages read ahead hold ids, not entries.
 */
export async function* idsInScope(input: ScopeExitInput): AsyncGenerator<SourceItem[]> {
  const { config, session, groups } = input;
  const idAttribute = config.attributes.id;
  // Without a group, or with one the server resolves (in-chain), the filter alone is the scope; else the
  // expanded group is tested here, by the same membership test as the user read (group-types.ts).
  const checkedByServer = config.group === null || groupResolutionOf(config) === 'in-chain';
  const scope = config.group === null ? undefined : groups.members.get(normalizeDn(config.group));
  // Used only when the server does not decide the scope alone.
  const inScope = (view: EntryView): boolean => hasMember(scope, { dn: normalizeDn(view.dn), uids: view.strings(POSIX_UID_ATTRIBUTE).map(posixUidKey) });
  const ids = listedIdReading(idAttribute);
  const each = (view: EntryView): string | null => (inScope(view) ? ids.each(view) : null);
  const pages = session.mappedPages(config.baseDN, {
    filter: scopeFilter(config),
    attributes: checkedByServer ? [idAttribute] : [idAttribute, POSIX_UID_ATTRIBUTE],
    explicitBufferAttributes: isBinaryGuidAttribute(idAttribute) ? binaryNames(idAttribute) : [],
    readAheadPages: ID_LISTING_READ_AHEAD_PAGES,
  }, checkedByServer ? ids : { each });
  for await (const page of pages) {
    input.signal?.throwIfAborted();
    const items: SourceItem[] = [];
    for (const externalId of page) if (externalId !== null) items.push({ kind: 'present', externalId });
    yield items;
  }
}

/**
 * How every id-only search here reads an entry's id (the id listing, AD's tombstones and changed users):
 * an entry that holds a text id alone as one ASCII value (every entry, in practice) is read straight from
 * its bytes (search-response.ts `readSoleAsciiValue`), any other, and every binary id (objectGUID), in
 * full, by `readId` either way.
 */
export function listedIdReading(idAttribute: string): EntryReading<string | null> {
  const each = (view: EntryView): string | null => {
    const id = readId(view, idAttribute);
    return typeof id === 'string' ? id : null;
  };
  // A binary id (a GUID) is read as bytes; its text form is not what the entry holds.
  if (isBinaryGuidAttribute(idAttribute) || /;binary$/i.test(idAttribute)) return { each };
  const name = Buffer.from(idAttribute.toLowerCase(), 'latin1');
  return {
    each,
    quick: (cursor, end) => {
      const text = readSoleAsciiValue(cursor, end, name);
      if (text === undefined) return undefined;
      const id = idOfText(text);
      return typeof id === 'string' ? id : null;
    },
  };
}
