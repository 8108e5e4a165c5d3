// Incremental reads. AD: entries whose uSNChanged is above the USN stored in the cursor, valid only on
// the same DC (same invocationId: another DC or a restored one numbers its changes differently).
// Other servers: entries whose modifyTimestamp is at or after the stored time, or, where the server offers
// content synchronization, a refresh from the stored sync cookie (content-sync.ts), with the time kept
// for when the refresh can't be used. Deletions never show up in a change query: scope-exits.ts and
// content-sync.ts find them on every incremental read, and a full read (mark and sweep in the sync)
// still runs at least every `fullEveryMs` as a safety net.
import { createHash } from 'node:crypto';

import type { LdapSourceConfig } from '../../config/types.ts';
import type { SourceCursor } from '../directory-source.ts';

import type { DirectoryInfo } from './directory-info.ts';
import { formatGeneralizedTime, parseGeneralizedTime } from '../directory-values.ts';
import type { ResolvedGroups } from './group-types.ts';
import { greaterOrEqualFilter } from './ldap-filter.ts';

export interface AdUsnCursor {
  readonly kind: 'ad-usn';
  readonly invocationId: string;
  /** highestCommittedUSN when the read that produced this cursor started. */
  readonly usn: number;
  /** ISO time of the last full read. */
  readonly fullAt: string;
  /** Hash of what defines the result (base, filters, mapping, groups); a change forces a full read. */
  readonly scope: string;
  /** Fingerprint of the resolved group memberships; a change forces a full read. */
  readonly groups: string;
}

export interface TimestampCursor {
  readonly kind: 'modify-timestamp';
  /** GeneralizedTime; entries with modifyTimestamp >= this are read. */
  readonly since: string;
  readonly fullAt: string;
  readonly scope: string;
  readonly groups: string;
  /** Base64 of the content-sync cookie of the server's state when the read began, where it gave one. */
  readonly syncCookie?: string;
}

export type LdapCursor = AdUsnCursor | TimestampCursor;

export type ReadPlan =
  | { readonly mode: 'full'; readonly reason: string }
  | { readonly mode: 'incremental'; readonly changeFilter: string; readonly reason: string };

export interface PlanInput {
  readonly config: Pick<LdapSourceConfig, 'flavor' | 'fullEveryMs'>;
  readonly cursor: LdapCursor | null;
  readonly forceFull: boolean;
  readonly nowMs: number;
  readonly scope: string;
  readonly info: DirectoryInfo;
  readonly groups: Pick<ResolvedGroups, 'newestChange' | 'fingerprint'>;
}

export function parseCursor(raw: SourceCursor | null): LdapCursor | null {
  if (raw === null) return null;
  const { kind, fullAt, scope, groups } = raw;
  if (typeof fullAt !== 'string' || Number.isNaN(Date.parse(fullAt))) return null;
  if (typeof scope !== 'string' || typeof groups !== 'string') return null;
  if (kind === 'ad-usn' && typeof raw.invocationId === 'string' && typeof raw.usn === 'number') {
    return { kind, invocationId: raw.invocationId, usn: raw.usn, fullAt, scope, groups };
  }
  if (kind === 'modify-timestamp' && typeof raw.since === 'string' && parseGeneralizedTime(raw.since) !== null) {
    const syncCookie = typeof raw.syncCookie === 'string' && raw.syncCookie !== '' ? { syncCookie: raw.syncCookie } : {};
    return { kind, since: raw.since, fullAt, scope, groups, ...syncCookie };
  }
  return null;
}

/** Full or incremental, and why (for the logs). */
export function planRead(input: PlanInput): ReadPlan {
  const { cursor, config, info, groups } = input;
  if (input.forceFull) return { mode: 'full', reason: 'full read requested' };
  if (cursor === null) return { mode: 'full', reason: 'no cursor from a previous read' };
  if (cursor.scope !== input.scope) return { mode: 'full', reason: 'source or group configuration changed' };
  if (input.nowMs - Date.parse(cursor.fullAt) >= config.fullEveryMs) return { mode: 'full', reason: 'periodic full read' };
  // A user added to or removed from a group is not itself modified (AD) or not always (LDAP), so any
  // membership change re-reads everyone.
  if (cursor.groups !== groups.fingerprint) return { mode: 'full', reason: 'group membership changed' };
  if (cursor.kind === 'ad-usn') {
    if (config.flavor !== 'active-directory') return { mode: 'full', reason: 'flavor changed' };
    if (info.invocationId !== cursor.invocationId) return { mode: 'full', reason: 'another DC, or the DC was restored' };
    if (info.highestCommittedUsn === null || info.highestCommittedUsn < cursor.usn) {
      return { mode: 'full', reason: 'the DC reports an older USN than the cursor' };
    }
    // The scope group is applied by the server and has no member set here: its USN (and its nested
    // groups') tells whether its membership changed.
    const groupUsn = groups.newestChange.usn;
    if (groupUsn !== null && groupUsn > cursor.usn) return { mode: 'full', reason: 'a group changed' };
    return { mode: 'incremental', changeFilter: greaterOrEqualFilter('uSNChanged', String(cursor.usn + 1)), reason: 'uSNChanged' };
  }
  if (config.flavor === 'active-directory') return { mode: 'full', reason: 'flavor changed' };
  return { mode: 'incremental', changeFilter: greaterOrEqualFilter('modifyTimestamp', cursor.since), reason: 'modifyTimestamp' };
}

export interface NextCursorInput {
  readonly config: Pick<LdapSourceConfig, 'flavor'>;
  readonly plan: ReadPlan;
  readonly previous: LdapCursor | null;
  readonly scope: string;
  readonly groups: string;
  readonly info: DirectoryInfo;
  /** When the read began (before groups were resolved), client clock. */
  readonly startedAt: Date;
  /** How long the read took, client clock. */
  readonly durationMs: number;
  /** Newest modifyTimestamp among the entries and groups read (server clock), normalized. */
  readonly newestModified: string | null;
  /** Content sync: the cookie of the server's state when this read began (content-sync.ts); else null. */
  readonly syncCookie: Buffer | null;
}

/** The cursor to store after this read succeeds; null when the server offers nothing to resume from. */
export function nextCursor(input: NextCursorInput): LdapCursor | null {
  const { plan, previous, info, scope, groups } = input;
  const fullAt = plan.mode === 'full' || previous === null ? input.startedAt.toISOString() : previous.fullAt;
  if (input.config.flavor === 'active-directory') {
    if (info.invocationId === null || info.highestCommittedUsn === null) return null;
    return { kind: 'ad-usn', invocationId: info.invocationId, usn: info.highestCommittedUsn, fullAt, scope, groups };
  }
  const since = safeSince(input);
  const syncCookie = input.syncCookie === null ? {} : { syncCookie: input.syncCookie.toString('base64') };
  return since === null ? null : { kind: 'modify-timestamp', since, fullAt, scope, groups, ...syncCookie };
}

/**
 * Where the next incremental read starts. Anything modified after this read began carries a timestamp
 * ≥ the server's time at that moment, so that time is the cursor when the server publishes its clock.
 * Otherwise (the client's clock may be skewed) it is estimated from below: the newest timestamp seen was
 * written before the read ended, so (newest − read duration) ≤ the server's time when the read began.
 * The estimate re-reads the entries changed in the last seconds before the read; it never misses one.
 */
function safeSince(input: NextCursorInput): string | null {
  if (input.info.serverTime !== null) return input.info.serverTime;
  const previous = input.plan.mode === 'incremental' && input.previous?.kind === 'modify-timestamp' ? input.previous.since : null;
  const newest = input.newestModified === null ? null : parseGeneralizedTime(input.newestModified);
  if (newest === null) return previous;
  const computed = formatGeneralizedTime(new Date(newest.getTime() - input.durationMs));
  return previous !== null && previous > computed ? previous : computed;
}

/** Hash of everything that decides which users a read returns and how they are mapped. */
export function scopeHash(parts: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

export function toSourceCursor(cursor: LdapCursor | null): SourceCursor | null {
  return cursor === null ? null : { ...cursor };
}
