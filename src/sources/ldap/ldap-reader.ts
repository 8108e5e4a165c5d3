// One read of an LDAP source: connect, resolve groups once, decide full or incremental, then stream the
// paged user search, one SourcePage per LDAP page. Any failure throws: a read never ends early.
import { performance } from 'node:perf_hooks';

import type { LdapSourceConfig } from '../../config/types.ts';
import { normalizeDn } from '../../domain/names.ts';
import { SourceError, type SourceItem, type SourceReader, type SourceReadOptions } from '../directory-source.ts';

import { readDirectoryInfo, type DirectoryInfo } from './directory-info.ts';
import { resolveGroups } from './group-resolver.ts';
import type { ResolvedGroups } from './group-types.ts';
import { nextCursor, parseCursor, planRead, scopeHash, toSourceCursor, type ReadPlan } from './ldap-cursor.ts';
import { groupResolutionOf } from './ldap-defaults.ts';
import { andFilter, filterProblem } from './ldap-filter.ts';
import type { LdapLogger } from './ldap-logger.ts';
import { LdapSession } from './ldap-session.ts';
import { normalizedEntryTime } from './entry-timestamps.ts';
import { departedSinceCursor, idsInScope, scopeFilter } from './scope-exits.ts';
import { mapUserEntry, requestedAttributes, type UserMapping } from './user-entry.ts';

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
    logger.info({ url: session.url, mode: plan.mode, reason: plan.reason }, 'reading LDAP users');
    stream = streamUsers({ context, session, options, groups, plan });
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
    // Deletions and scope exits, on every incremental read (a full read sweeps what it did not return).
    let listedScope = false;
    if (plan.mode === 'incremental') {
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
    });
    const stats = { entries, pages, groups: groups.members.size, durationMs: Math.round(durationMs) };
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

/** Pages of mapped users; returns how many entries were read and the newest modifyTimestamp among them. */
export async function* streamUsers(
  input: StreamInput,
): AsyncGenerator<{ items: SourceItem[] }, { entries: number; newestModified: string | null }, undefined> {
  const { context, session, options, groups, plan } = input;
  const { config } = context;
  const scopeInFilter = config.group !== null && groupResolutionOf(config) === 'in-chain';
  const filter = andFilter(scopeFilter(config), plan.mode === 'incremental' ? plan.changeFilter : null);
  const { attributes, binary } = requestedAttributes(config, options.attributes);
  const mapping: UserMapping = {
    config,
    profileAttributes: options.attributes,
    groups,
    scopeGroup: config.group !== null && !scopeInFilter ? normalizeDn(config.group) : null,
  };
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
