// Client-side transitive membership for servers without an in-chain rule (OpenLDAP, 389ds, FreeIPA, or
// AD when configured): read each group's member lists (groupOfNames `member`, groupOfUniqueNames
// `uniqueMember`, posixGroup `memberUid`, with ranged retrieval) and walk nested groups, each group read
// at most once per run and each walk protected against cycles.
import { normalizeDn } from '../../domain/names.ts';

import { namingContextOf } from './directory-info.ts';
import { EntryView } from './entry-view.ts';
import {
  MARKER_ATTRIBUTES,
  markerOf,
  newerMarker,
  NO_CHANGE,
  type ExistingGroup,
  type GroupChangeMarker,
  type GroupMembers,
  type ResolvedGroups,
  type ResolveGroupsOptions,
} from './group-types.ts';
import { groupClassFilter } from './ldap-filter.ts';
import type { LdapSession } from './ldap-session.ts';
import { completeRangedValues, firstRangeName, rangedChunk } from './ranged-values.ts';

interface DirectMembers {
  /** Normalized member DNs (users and nested groups). */
  readonly dns: readonly string[];
  readonly uids: readonly string[];
}

export async function expandGroups(
  options: ResolveGroupsOptions & { readonly groups: readonly ExistingGroup[] },
): Promise<Omit<ResolvedGroups, 'fingerprint'>> {
  const { session, groups } = options;
  const groupDns = await listGroupDns(options);
  const reader = new GroupReader(session, { explicitRanges: options.config.flavor === 'active-directory' });
  const members = new Map<string, GroupMembers>();
  for (const group of groups) {
    members.set(group.dn, await walk(group.dn, groupDns, reader));
  }
  return { members, newestChange: reader.newestChange };
}

/** Depth-first walk over nested groups; `visited` stops cycles (A ∋ B ∋ C ∋ A). */
async function walk(root: string, groupDns: ReadonlySet<string>, reader: GroupReader): Promise<GroupMembers> {
  const dns = new Set<string>();
  const uids = new Set<string>();
  const visited = new Set<string>([root]);
  const pending = [root];
  for (let group = pending.pop(); group !== undefined; group = pending.pop()) {
    const direct = await reader.read(group);
    for (const uid of direct.uids) uids.add(uid);
    for (const dn of direct.dns) {
      if (!groupDns.has(dn)) dns.add(dn);
      else if (!visited.has(dn)) {
        visited.add(dn);
        pending.push(dn);
      }
    }
  }
  return { dns, uids };
}

/** Reads each group's direct members once, and keeps the newest change seen among them. */
class GroupReader {
  newestChange: GroupChangeMarker = NO_CHANGE;
  private readonly cache = new Map<string, DirectMembers>();
  private readonly session: LdapSession;
  private readonly explicitRanges: boolean;

  constructor(session: LdapSession, options: { explicitRanges: boolean }) {
    this.session = session;
    this.explicitRanges = options.explicitRanges;
  }

  async read(dn: string): Promise<DirectMembers> {
    const cached = this.cache.get(dn);
    if (cached) return cached;
    // AD caps `member` at MaxValRange values; asking for the first range explicitly works on every AD
    // (and on Samba, which otherwise returns all values at once). Other servers return ranges only if
    // they do it unasked, which `rangedChunk` recognizes as well.
    const member = this.explicitRanges ? firstRangeName('member') : 'member';
    const entry = await this.session.findEntry(dn, [member, 'uniqueMember', 'memberUid', ...MARKER_ATTRIBUTES]);
    // A nested group deleted between the listing and now has no members.
    if (entry === null) return this.remember(dn, { dns: [], uids: [] });
    const view = new EntryView(entry);
    this.newestChange = newerMarker(this.newestChange, markerOf(view));
    const members = await completeRangedValues(this.session, dn, 'member', rangedChunk(view, 'member'));
    const unique = await completeRangedValues(this.session, dn, 'uniqueMember', rangedChunk(view, 'uniqueMember'));
    // uniqueMember may carry an optional unique-id suffix: `uid=a,dc=x#'0101'B` (RFC 4517 §3.3.21).
    const uniqueDns = unique.map((value) => value.replace(/#'[01]*'B$/, ''));
    const posix = posixMembers(view.strings('memberUid'));
    return this.remember(dn, {
      dns: [...members, ...uniqueDns, ...posix.dns].map(normalizeDn),
      uids: posix.uids,
    });
  }

  private remember(dn: string, members: DirectMembers): DirectMembers {
    this.cache.set(dn, members);
    return members;
  }
}

/** `attr=value` at the start of a value: a DN rather than a uid (uids never hold `=`). */
const DN_LIKE = /^[A-Za-z][A-Za-z0-9-]*\s*=|^\d+(?:\.\d+)*\s*=/;

/**
 * posixGroup `memberUid` values as the directory compares them: a uid (RFC 4519 `uid` matches
 * caseIgnoreMatch, so kept in lower case, as users' uids are looked up), or a member DN, which some
 * directories store there and which is then matched like `member`.
 */
export function posixMembers(values: readonly string[]): { dns: string[]; uids: string[] } {
  const dns: string[] = [];
  const uids: string[] = [];
  for (const value of values) {
    const trimmed = value.trim();
    if (trimmed === '') continue;
    if (DN_LIKE.test(trimmed)) dns.push(trimmed);
    else uids.push(posixUidKey(trimmed));
  }
  return { dns, uids };
}

/** A uid as posixGroup membership compares it (caseIgnoreMatch). */
export function posixUidKey(uid: string): string {
  return uid.trim().toLowerCase();
}

/** Every group DN in the naming contexts holding the groups, to tell nested groups from users. */
async function listGroupDns(options: ResolveGroupsOptions & { readonly groups: readonly ExistingGroup[] }): Promise<Set<string>> {
  const { session, info, groups } = options;
  const bases = new Set(groups.map((group) => namingContextOf(group.dn, info) ?? domainSuffix(group.dn)));
  const dns = new Set<string>();
  for (const base of bases) {
    for await (const page of session.pages(base, { filter: groupClassFilter(), attributes: ['1.1'] })) {
      for (const entry of page) dns.add(normalizeDn(entry.dn));
    }
  }
  return dns;
}

/** The trailing `dc=` components of a DN, for servers that hide their naming contexts. */
function domainSuffix(dn: string): string {
  const parts = dn.split(/(?<!\\),/);
  const firstDc = parts.findIndex((part) => part.startsWith('dc='));
  return firstDc === -1 ? dn : parts.slice(firstDc).join(',');
}
