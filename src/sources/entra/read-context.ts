// What one read of an Entra source works with, and the membership loads both read modes share.
import type { Logger } from '../../logging.ts';
import { graphError, type CallScope, type ErrorScope } from './entra-errors.ts';
import type { GraphApi } from './graph-api.ts';
import { combineDigests, loadMemberIds, MembershipDigest } from './group-membership.ts';
import type { UserSelection } from './user-mapping.ts';

export interface ReadContext {
  readonly api: GraphApi;
  readonly errors: ErrorScope;
  readonly selection: UserSelection;
  /** Groups of interest that are Entra object ids (lowercase). */
  readonly interestIds: readonly string[];
  readonly fingerprint: string;
  readonly logger: Logger;
  /** An incremental read with more changes than this falls back to a full read (bounded memory). */
  readonly maxBufferedChanges: number;
  readonly nowMs: () => number;
  /** The read's abort signal: checked between pages, so an aborted read throws instead of ending. */
  readonly signal?: AbortSignal;
}

/** Memberships a read needs: the scope group's users (when scoped) and each group of interest's users. */
export interface Memberships {
  readonly scope: ReadonlySet<string> | null;
  readonly interest: ReadonlyMap<string, ReadonlySet<string>>;
}

export function thrower(ctx: ReadContext, call: CallScope): (error: unknown) => never {
  return (error: unknown): never => {
    throw graphError(ctx.errors, call, error);
  };
}

export function scopeCall(ctx: ReadContext, groupId: string): CallScope {
  return {
    what: `reading members of the scope group ${groupId}`,
    permission: 'GroupMember.Read.All',
    notFound: `the scope group ${groupId} (group:) was not found in tenant ${ctx.errors.config.tenantId}: check the group's object id`,
  };
}

/** Membership listings run side by side, a few at a time (each one is a chain of pages). */
const MEMBERSHIP_CONCURRENCY = 4;

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function loadInterest(ctx: ReadContext): Promise<Map<string, ReadonlySet<string>>> {
  const tenant = ctx.errors.config.tenantId;
  const sets = await mapLimited(ctx.interestIds, MEMBERSHIP_CONCURRENCY, (groupId) => {
    const onError = thrower(ctx, {
      what: `reading members of the profile group ${groupId}`,
      permission: 'GroupMember.Read.All',
      notFound: `the group ${groupId} named by a profile or policy (memberOf) was not found in tenant ${tenant}: check the group's object id`,
    });
    return loadMemberIds(ctx.api, groupId, onError);
  });
  return new Map(ctx.interestIds.map((groupId, i) => [groupId, sets[i]!]));
}

export async function loadMemberships(ctx: ReadContext): Promise<Memberships> {
  const group = ctx.errors.config.group;
  const [interest, scope] = await Promise.all([
    loadInterest(ctx),
    group ? loadMemberIds(ctx.api, group, thrower(ctx, scopeCall(ctx, group))) : null,
  ]);
  return { scope, interest };
}

/** One digest of the memberships a cursor depends on; `scope` is the scope group's digest (null: unscoped). */
export function membershipDigest(ctx: ReadContext, memberships: { scope: string | null; interest: ReadonlyMap<string, ReadonlySet<string>> }): string | null {
  const parts = new Map<string, string>();
  const group = ctx.errors.config.group;
  if (group && memberships.scope !== null) parts.set(`scope:${group}`, memberships.scope);
  for (const [groupId, members] of memberships.interest) parts.set(`interest:${groupId}`, MembershipDigest.of(members));
  return parts.size > 0 ? combineDigests(parts) : null;
}
