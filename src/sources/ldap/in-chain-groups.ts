// Active Directory: transitive membership with LDAP_MATCHING_RULE_IN_CHAIN. One paged search per group
// returns the DNs of every user that is a member at any depth (AD walks nested groups and cycles
// itself), so member lists, ranged retrieval and nesting never reach the client.
import { normalizeDn } from '../../domain/names.ts';

import { namingContextOf } from './directory-info.ts';
import { EntryView } from './entry-view.ts';
import {
  MARKER_ATTRIBUTES,
  markerOf,
  newerMarker,
  NO_CHANGE,
  type ExistingGroup,
  type GroupMembers,
  type ResolvedGroups,
  type ResolveGroupsOptions,
} from './group-types.ts';
import { andFilter, equalityFilter, inChainMemberOfFilter } from './ldap-filter.ts';

export async function resolveInChain(
  options: ResolveGroupsOptions & { readonly groups: readonly ExistingGroup[] },
): Promise<Omit<ResolvedGroups, 'fingerprint'>> {
  const { session, config, info, groups } = options;
  const members = new Map<string, GroupMembers>();
  let newestChange = groups.reduce((marker, group) => newerMarker(marker, group.marker), NO_CHANGE);
  for (const group of groups) {
    if (!options.markerOnly.has(group.dn)) members.set(group.dn, await inChainMembers(options, group.dn));

    // Membership changes only touch group objects (a user's memberOf is a back-link whose change does
    // not move the user's uSNChanged), so the newest change among nested groups is recorded as well.
    const context = namingContextOf(group.dn, info) ?? config.baseDN;
    const nested = andFilter(equalityFilter('objectClass', 'group'), inChainMemberOfFilter(group.dn));
    for await (const page of session.pages(context, { filter: nested, attributes: [...MARKER_ATTRIBUTES] })) {
      for (const entry of page) newestChange = newerMarker(newestChange, markerOf(new EntryView(entry)));
    }
  }
  return { members, newestChange };
}

async function inChainMembers(options: ResolveGroupsOptions, groupDn: string): Promise<GroupMembers> {
  const { session, config } = options;
  const dns = new Set<string>();
  // Only entries the user filter accepts: nested groups and computers are left out of the set.
  const filter = andFilter(config.userFilter, inChainMemberOfFilter(groupDn));
  for await (const page of session.pages(config.baseDN, { filter, attributes: ['1.1'] })) {
    for (const entry of page) dns.add(normalizeDn(entry.dn));
  }
  return { dns, uids: new Set() };
}
