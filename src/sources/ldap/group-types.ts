// Shared shapes of group resolution: member sets, change markers, and matching a user against them.
import { createHash } from 'node:crypto';

import type { LdapSourceConfig } from '../../config/types.ts';

import type { DirectoryInfo } from './directory-info.ts';
import type { EntryView } from './entry-view.ts';
import { formatGeneralizedTime, parseGeneralizedTime } from '../directory-values.ts';
import type { LdapLogger } from './ldap-logger.ts';
import type { LdapSession } from './ldap-session.ts';

export interface GroupMembers {
  /** Normalized DNs of the users that are transitive members. */
  readonly dns: ReadonlySet<string>;
  /** posixGroup `memberUid` values of the group and its nested groups. */
  readonly uids: ReadonlySet<string>;
}

/** The newest change among the groups membership depends on (AD uSNChanged, LDAP modifyTimestamp). */
export interface GroupChangeMarker {
  readonly usn: number | null;
  readonly modifyTimestamp: string | null;
}

export interface ResolvedGroups {
  /** Normalized group DN → its transitive members, for every requested group that exists. */
  readonly members: ReadonlyMap<string, GroupMembers>;
  readonly newestChange: GroupChangeMarker;
  /** Hash of every member set: a different value on the next read means membership changed. */
  readonly fingerprint: string;
}

export interface ResolveGroupsOptions {
  readonly session: LdapSession;
  readonly config: LdapSourceConfig;
  readonly info: DirectoryInfo;
  /** Normalized group keys; keys that are not DNs (another source's object ids) are ignored. */
  readonly groupKeys: readonly string[];
  /** Groups (normalized) whose changes matter but whose members are not needed (AD scope group). */
  readonly markerOnly: ReadonlySet<string>;
  readonly logger: LdapLogger;
}

/** A group that exists, with the change marker of its own entry. */
export interface ExistingGroup {
  readonly dn: string;
  readonly marker: GroupChangeMarker;
}

export const NO_CHANGE: GroupChangeMarker = { usn: null, modifyTimestamp: null };

/** A user as group membership sees it: its normalized DN and its posix uid keys (`posixUidKey`). */
export interface MemberKeys {
  readonly dn: string;
  readonly uids: readonly string[];
}

/** Whether a group's member set holds the user's DN or one of its uids: the one membership test. */
export function hasMember(members: GroupMembers | undefined, user: MemberKeys): boolean {
  return members !== undefined && (members.dns.has(user.dn) || user.uids.some((uid) => members.uids.has(uid)));
}

/** The groups of interest in a user: their keys whose member set holds the user's DN or uid. */
export function groupsOfUser(resolved: ResolvedGroups, user: MemberKeys): string[] {
  const groups: string[] = [];
  for (const [key, members] of resolved.members) if (hasMember(members, user)) groups.push(key);
  return groups;
}

/** Hash of member sets, independent of the order the server returned them in. */
export function membershipFingerprint(members: ReadonlyMap<string, GroupMembers>): string {
  const hash = createHash('sha256');
  for (const key of [...members.keys()].sort()) {
    const group = members.get(key);
    hash.update(`${key}\n`);
    for (const dn of [...(group?.dns ?? [])].sort()) hash.update(`d:${dn}\n`);
    for (const uid of [...(group?.uids ?? [])].sort()) hash.update(`u:${uid}\n`);
  }
  return hash.digest('hex').slice(0, 32);
}

export function newerMarker(a: GroupChangeMarker, b: GroupChangeMarker): GroupChangeMarker {
  return {
    usn: a.usn === null ? b.usn : b.usn === null ? a.usn : Math.max(a.usn, b.usn),
    modifyTimestamp: maxString(a.modifyTimestamp, b.modifyTimestamp),
  };
}

export function markerOf(view: EntryView): GroupChangeMarker {
  const usn = Number(view.first('uSNChanged') ?? Number.NaN);
  const modified = view.first('modifyTimestamp');
  const modifiedAt = modified === null ? null : parseGeneralizedTime(modified);
  return {
    usn: Number.isSafeInteger(usn) ? usn : null,
    modifyTimestamp: modifiedAt === null ? null : formatGeneralizedTime(modifiedAt),
  };
}

export const MARKER_ATTRIBUTES = ['uSNChanged', 'modifyTimestamp'] as const;

function maxString(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}
