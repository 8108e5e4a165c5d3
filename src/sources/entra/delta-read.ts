// An incremental read: the changes since the stored delta link. Users changed in a selected property come
// with every selected property that was ever set (Graph's default delta response), so no second request
// per user is needed; removed users come as `@removed`. Group membership changes do not show in
// users/delta, so the memberships the read depends on are listed (ids only) and compared with the stored
// digest: if any changed, the read becomes a full one.
import type { SourceItem } from '../directory-source.ts';
import type { EntraCursor } from './entra-cursor.ts';
import { graphError, isDeltaReset } from './entra-errors.ts';
import { groupsOf, MembershipDigest } from './group-membership.ts';
import { streamPages } from './page-stream.ts';
import { loadMemberships, membershipDigest, type Memberships, type ReadContext } from './read-context.ts';
import { mapGraphUser } from './user-mapping.ts';

export type DeltaOutcome =
  | { readonly kind: 'changes'; readonly items: readonly SourceItem[]; readonly deltaLink: string; readonly groups: string | null }
  /** The delta link cannot serve this run: read everything instead. */
  | { readonly kind: 'full'; readonly reason: string; readonly memberships: Memberships | null };

const rethrow = (error: unknown): never => {
  throw error;
};

export async function readChanges(ctx: ReadContext, cursor: EntraCursor): Promise<DeltaOutcome> {
  const needsMemberships = ctx.errors.config.group !== null || ctx.interestIds.length > 0;
  const memberships = needsMemberships ? await loadMemberships(ctx) : null;
  const groups = memberships
    ? membershipDigest(ctx, { scope: memberships.scope ? MembershipDigest.of(memberships.scope) : null, interest: memberships.interest })
    : null;
  if (groups !== cursor.groups) return { kind: 'full', reason: 'group membership changed since the last run', memberships };

  // Buffered so that a user changed twice in one round is reported once, in its latest state, and so that
  // a delta link that expires mid-round can still turn into a clean full read.
  const changes = new Map<string, SourceItem>();
  let deltaLink: string | null = null;
  try {
    for await (const page of streamPages(ctx.api, cursor.deltaLink, rethrow)) {
      for (const raw of page.value) addChange(changes, raw, ctx, memberships);
      if (changes.size > ctx.maxBufferedChanges) {
        return { kind: 'full', reason: `more than ${ctx.maxBufferedChanges} changes: reading everything instead`, memberships };
      }
      deltaLink = page['@odata.deltaLink'] ?? deltaLink;
    }
  } catch (error) {
    if (isDeltaReset(error)) return { kind: 'full', reason: 'the stored delta link expired or was reset by Graph (410)', memberships };
    throw graphError(ctx.errors, { what: 'reading changes (users/delta)', permission: 'User.Read.All' }, error);
  }
  if (!deltaLink) {
    throw graphError(ctx.errors, { what: 'reading changes (users/delta)', permission: 'User.Read.All' }, new Error('the delta round ended without an @odata.deltaLink'));
  }
  return { kind: 'changes', items: [...changes.values()], deltaLink, groups };
}

function addChange(changes: Map<string, SourceItem>, raw: Record<string, unknown>, ctx: ReadContext, memberships: Memberships | null): void {
  const id = typeof raw.id === 'string' ? raw.id.toLowerCase() : '';
  if (raw['@removed'] !== undefined && id) {
    changes.set(id, { kind: 'deleted', externalId: id });
    return;
  }
  // Users outside the scope group are not reported: their membership did not change (the digest says so),
  // so they were out of scope before as well.
  if (memberships?.scope && !memberships.scope.has(id)) return;
  changes.set(id || `#${changes.size}`, mapGraphUser(raw, ctx.selection, memberships ? groupsOf(id, memberships.interest) : []));
}
