// Resolves, once per read, the transitive members of the scope group and of every group of interest.
// Users are then matched against these sets in memory, so membership costs a few searches per run,
// not one per user. Two strategies: AD's in-chain matching rule, or client-side expansion.
import { normalizeDn } from '../../domain/names.ts';
import { SourceError } from '../directory-source.ts';

import { isInNamingContexts } from './directory-info.ts';
import { EntryView } from './entry-view.ts';
import { expandGroups } from './group-expander.ts';
import {
  MARKER_ATTRIBUTES,
  markerOf,
  membershipFingerprint,
  NO_CHANGE,
  type ExistingGroup,
  type ResolvedGroups,
  type ResolveGroupsOptions,
} from './group-types.ts';
import { resolveInChain } from './in-chain-groups.ts';
import { groupResolutionOf } from './ldap-defaults.ts';

export async function resolveGroups(options: ResolveGroupsOptions): Promise<ResolvedGroups> {
  const groups = await findGroups(options);
  if (groups.length === 0) return { members: new Map(), newestChange: NO_CHANGE, fingerprint: membershipFingerprint(new Map()) };
  const resolved =
    groupResolutionOf(options.config) === 'in-chain'
      ? await resolveInChain({ ...options, groups })
      : await expandGroups({ ...options, groups });
  return { ...resolved, fingerprint: membershipFingerprint(resolved.members) };
}

/**
 * Checks that each group exists. A missing group this server should hold (in its naming contexts, or the
 * scope group) is an error: reading on would silently move its members to another profile. A DN of
 * another directory (a profile shared with another source) is skipped.
 */
async function findGroups(options: ResolveGroupsOptions): Promise<ExistingGroup[]> {
  const { session, config, info, logger } = options;
  const scope = config.group === null ? null : normalizeDn(config.group);
  const found: ExistingGroup[] = [];
  for (const key of new Set(options.groupKeys.map(normalizeDn))) {
    if (!key.includes('=')) {
      logger.debug({ group: key }, 'group key is not a DN; no LDAP membership for it');
      continue;
    }
    const entry = await session.findEntry(key, ['objectClass', ...MARKER_ATTRIBUTES]);
    if (entry === null) {
      if (key === scope || isInNamingContexts(key, info)) {
        throw new SourceError(session.sourceName, 'not-found', `group ${key} not found on ${session.url}`);
      }
      logger.debug({ group: key }, 'group is outside this directory; no members');
      continue;
    }
    found.push({ dn: key, marker: markerOf(new EntryView(entry)) });
  }
  return found;
}
