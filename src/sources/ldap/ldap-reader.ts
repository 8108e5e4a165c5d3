// One read of an LDAP source: connect, resolve groups once, decide full or incremental, then stream the
// paged user search, one SourcePage per LDAP page (or, on an incremental read where the server offers
// content synchronization, the changes of a refresh from the stored cookie). Any failure throws: a read
// never ends early.
import { performance } from 'node:perf_hooks';

import type { LdapSourceConfig } from '../../config/types.ts';
import { normalizeDn } from '../../domain/names.ts';
import { SourceError, type SourceItem, type SourceReader, type SourceReadOptions } from '../directory-source.ts';

import { currentCookie, refreshFromCookie, type Refresh } from './content-sync.ts';
import { readDirectoryInfo, type DirectoryInfo } from './directory-info.ts';
import type { EntryView } from './entry-view.ts';
import { resolveGroups } from './group-resolver.ts';
import type { ResolvedGroups } from './group-types.ts';
import { nextCursor, parseCursor, planRead, scopeHash, toSourceCursor, type LdapCursor, type ReadPlan } from './ldap-cursor.ts';
import { groupResolutionOf } from './ldap-defaults.ts';
import { andFilter, filterProblem } from './ldap-filter.ts';
import type { LdapLogger } from './ldap-logger.ts';
import { LdapSession } from './ldap-session.ts';
import { normalizedEntryTime } from './entry-timestamps.ts';
import { deletionMechanism, departedSinceCursor, idsInScope, scopeFilter } from './scope-exits.ts';
import { fieldAttributes, mapUserEntry, readId, requestedAttributes, type UserMapping } from './user-entry.ts';

export interface LdapSourceContext {
  readonly config: LdapSourceConfig;
  readonly logger: LdapLogger;
  readonly now: () => Date;
}

export type Membership = Pick<SourceReadOptions, 'groupsOfInterest' | 'attributes'>;

export async function* readLdapUsers(context: LdapSourceContext, options: SourceReadOptions): SourceReader {
  const { config, logger } = context;
  options.signal?.throwIfAborted();
  assertFiltersParse(config);
  const startedAt = context.now();
  const startedMs = performance.now();
  const session = await LdapSession.open({ sourceName: config.name, config, logger });
  // An abort closes the connection, so a page in flight fails at once instead of at its timeout.
  const onAbort = (): void => void session.close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let stream: ReturnType<typeof streamUsers> | null = null;
  try {
    options.signal?.throwIfAborted();
    const info = await readDirectoryInfo(session);
    const groups = await resolveMembership(context, session, info, options);
    const scope = scopeOf(config, options);
    const previous = parseCursor(options.cursor);
    const plan = planRead({
      config,
      cursor: previous,
      forceFull: options.forceFull,
      nowMs: startedAt.getTime(),
      scope,
      info,
      groups,
    });
    const deletions = deletionMechanism(config, info);
    logger.info({ url: session.url, mode: plan.mode, reason: plan.reason, deletions }, 'reading LDAP users');
    const sync = deletions === 'content-sync' ? await contentSync({ context, session, options, plan, previous }) : null;
    const refresh = sync?.refresh ?? null;
    stream = refresh === null ? streamUsers({ context, session, options, groups, plan }) : refreshedUsers({ context, options, groups, refresh });
    let newestModified = groups.newestChange.modifyTimestamp;
    let entries = 0;
    let pages = 0;
    // AD, incremental: the ids the change query returned, to tell moves out of scope (scope-exits.ts).
    const returnedIds = plan.mode === 'incremental' && previous?.kind === 'ad-usn' ? new Set<string>() : null;
    for (;;) {
      const next = await stream.next();
      if (next.done) {
        newestModified = maxTimestamp(newestModified, next.value.newestModified);
        entries = next.value.entries;
        break;
      }
      pages += 1;
      if (returnedIds !== null) for (const id of returnedIdsOf(next.value.items)) returnedIds.add(id);
      yield next.value;
    }
    // Deletions and scope exits, on every incremental read (a full read sweeps what it did not return;
    // a content-sync refresh reported them).
    let listedScope = false;
    if (plan.mode === 'incremental' && refresh === null) {
      const exits = { config, session, info, groups, ...(options.signal ? { signal: options.signal } : {}) };
      const departed = returnedIds === null ? idsInScope(exits) : departedSinceCursor({ ...exits, changeFilter: plan.changeFilter, returnedIds });
      for await (const items of departed) yield { items };
      listedScope = returnedIds === null;
    }
    const durationMs = performance.now() - startedMs;
    const cursor = nextCursor({
      config,
      plan,
      previous,
      scope,
      groups: groups.fingerprint,
      info,
      startedAt,
      durationMs,
      newestModified,
      syncCookie: sync?.cookie ?? null,
    });
    const stats = { entries, pages, groups: groups.members.size, ...(refresh === null ? {} : { departed: refresh.departed.length }), durationMs: Math.round(durationMs) };
    logger.info({ mode: plan.mode, ...stats }, 'LDAP read complete');
    return { mode: plan.mode, ...(listedScope ? { listedScope } : {}), cursor: toSourceCursor(cursor), stats };
  } catch (error) {
    // A failure caused by the abort reports the abort, not the closed connection.
    options.signal?.throwIfAborted();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    // Stopped early by the caller: end the paged search before the connection.
    await stream?.return({ entries: 0, newestModified: null }).catch(() => undefined);
    await session.close();
  }
}

/** Groups of interest plus the scope group, resolved once for the whole read. */
export async function resolveMembership(
  context: LdapSourceContext,
  session: LdapSession,
  info: DirectoryInfo,
  membership: Membership,
  options: { scopeMembers?: boolean } = {},
): Promise<ResolvedGroups> {
  const { config, logger } = context;
  const scope = config.group === null ? null : normalizeDn(config.group);
  const interest = new Set(membership.groupsOfInterest.map(normalizeDn));
  // With the in-chain rule the server applies the scope itself; only its changes matter here.
  const scopeInFilter = scope !== null && groupResolutionOf(config) === 'in-chain' && options.scopeMembers !== true;
  const markerOnly = new Set(scope !== null && scopeInFilter && !interest.has(scope) ? [scope] : []);
  const groupKeys = [...interest, ...(scope === null ? [] : [scope])];
  return resolveGroups({ session, config, info, groupKeys, markerOnly, logger });
}

interface StreamInput {
  readonly context: LdapSourceContext;
  readonly session: LdapSession;
  readonly options: SourceReadOptions;
  readonly groups: ResolvedGroups;
  readonly plan: ReadPlan;
}

type UserStream = AsyncGenerator<{ items: SourceItem[] }, { entries: number; newestModified: string | null }, undefined>;

interface ContentSyncInput {
  readonly context: LdapSourceContext;
  readonly session: LdapSession;
  readonly options: SourceReadOptions;
  readonly plan: ReadPlan;
  readonly previous: LdapCursor | null;
}

/**
 * Content sync: on an incremental read with a stored cookie, the refresh from it (null when the server
 * can't give one: the read lists the ids in scope instead); and the cookie of the state this read starts
 * from, for the next read (the refresh's own, else the server's cookie now, before anything is read).
 */
async function contentSync(input: ContentSyncInput): Promise<{ refresh: Refresh | null; cookie: Buffer | null }> {
  const { context, session, options, plan, previous } = input;
  const { config, logger } = context;
  const stored = previous?.kind === 'modify-timestamp' && previous.syncCookie !== undefined ? Buffer.from(previous.syncCookie, 'base64') : null;
  if (plan.mode === 'incremental' && stored !== null) {
    const { attributes, binary } = requestedAttributes(config, options.attributes);
    const refreshed = await refreshFromCookie({
      session, baseDn: config.baseDN, filter: scopeFilter(config), attributes, explicitBufferAttributes: binary, idAttribute: config.attributes.id,
      cookie: stored, timeLimitSeconds: config.timeLimitSeconds,
    });
    if (refreshed.kind === 'changes') return { refresh: refreshed, cookie: refreshed.cookie ?? stored };
    logger.info({ reason: refreshed.reason }, 'content sync refresh unavailable; listing the ids in scope');
  }
  const current = await currentCookie({ session, baseDn: config.baseDN, idAttribute: config.attributes.id, timeLimitSeconds: config.timeLimitSeconds });
  if (current.cookie === null) logger.info({ reason: current.reason }, 'no content sync cookie; the next incremental read lists the ids in scope');
  return { refresh: null, cookie: current.cookie };
}

/** Pages of mapped users; returns how many entries were read and the newest modifyTimestamp among them. */
export async function* streamUsers(input: StreamInput): UserStream {
  const { context, session, options, groups, plan } = input;
  const { config } = context;
  const filter = andFilter(scopeFilter(config), plan.mode === 'incremental' ? plan.changeFilter : null);
  const { attributes, binary } = requestedAttributes(config, options.attributes);
  const mapping = userMapping(config, options, groups);
  let entries = 0;
  let newestModified: string | null = null;
  for await (const page of session.entryPages(config.baseDN, { filter, attributes, explicitBufferAttributes: binary })) {
    options.signal?.throwIfAborted();
    const items: SourceItem[] = [];
    for (const view of page) {
      entries += 1;
      newestModified = maxTimestamp(newestModified, view.first('modifyTimestamp'));
      const item = mapUserEntry(view, mapping);
      if (item !== null) items.push(item);
    }
    yield { items };
  }
  return { entries, newestModified };
}

/**
 * The entries of a content-sync refresh as pages of users, then the ids it reported gone. A changed
 * entry outside the scope group (checked here, not by the server) left the scope: it is reported gone
 * too, as the id listing would leave it out.
 */
async function* refreshedUsers(input: Pick<StreamInput, 'context' | 'options' | 'groups'> & { refresh: Refresh }): UserStream {
  const { context, options, groups, refresh } = input;
  const { config } = context;
  const mapping = userMapping(config, options, groups);
  const pageSize = Math.max(1, config.pageSize);
  let newestModified: string | null = null;
  for (let start = 0; start < refresh.entries.length; start += pageSize) {
    options.signal?.throwIfAborted();
    const items = refresh.entries.slice(start, start + pageSize).flatMap((view: EntryView): SourceItem[] => {
      newestModified = maxTimestamp(newestModified, view.first('modifyTimestamp'));
      const item = mapUserEntry(view, mapping);
      if (item !== null) return [item];
      const id = readId(view, config.attributes.id);
      return typeof id === 'string' ? [{ kind: 'deleted', externalId: id }] : [];
    });
    yield { items };
  }
  if (refresh.departed.length > 0) yield { items: refresh.departed.map((externalId) => ({ kind: 'deleted', externalId })) };
  return { entries: refresh.entries.length, newestModified };
}

function userMapping(config: LdapSourceConfig, options: SourceReadOptions, groups: ResolvedGroups): UserMapping {
  const scopeInFilter = config.group !== null && groupResolutionOf(config) === 'in-chain';
  const scopeGroup = config.group !== null && !scopeInFilter ? normalizeDn(config.group) : null;
  return { config, profileAttributes: options.attributes, groups, scopeGroup, readFrom: fieldAttributes(config) };
}

/** Ids of the users and of the unreadable entries with a readable id that a page returned. */
function returnedIdsOf(items: readonly SourceItem[]): string[] {
  return items.flatMap((item) => (item.kind === 'user' ? [item.user.externalId] : item.kind === 'skipped' && item.externalId !== undefined ? [item.externalId] : []));
}

function scopeOf(config: LdapSourceConfig, membership: Membership): string {
  return scopeHash({
    flavor: config.flavor,
    baseDN: normalizeDn(config.baseDN),
    userFilter: config.userFilter,
    filter: config.filter,
    group: config.group === null ? null : normalizeDn(config.group),
    attributes: config.attributes,
    disabled: config.disabled,
    resolution: groupResolutionOf(config),
    groups: [...new Set(membership.groupsOfInterest.map(normalizeDn))].sort(),
    profileAttributes: [...membership.attributes].sort(),
  });
}

function assertFiltersParse(config: LdapSourceConfig): void {
  for (const [key, filter] of [['userFilter', config.userFilter], ['filter', config.filter]] as const) {
    if (filter === null) continue;
    const problem = filterProblem(andFilter(filter));
    if (problem !== null) throw new SourceError(config.name, 'invalid-data', `${key} ${filter} is not a valid LDAP filter: ${problem}`);
  }
}

/** Later of two GeneralizedTimes, normalized to whole seconds in UTC. */
function maxTimestamp(a: string | null, b: string | null): string | null {
  const candidate = b === null ? null : normalizedEntryTime(b);
  if (a === null) return candidate;
  if (candidate === null) return a;
  return a >= candidate ? a : candidate;
}
