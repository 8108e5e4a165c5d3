// What differs between an account and the application's user of the same externalId (pure): the kind
// of drift a reconcile counts, or null when the user is as seatsync would push it.
import type { AccountSnapshot } from '../target-rows.ts';
import { scimPayloadOf } from '../target-rows.ts';
import type { ScimResource } from './scim-client.ts';
import { desiredUser, groupIdsOf, isActive, patchOperations } from './scim-user.ts';

export type DriftKind =
  | 'missing' // in scope in seatsync, absent from the application
  | 'shouldBeActive' // inactive in the application, active in seatsync
  | 'shouldBeInactive' // active in the application, not active in seatsync (or unknown to it)
  | 'shouldBeDeleted' // removed in seatsync, still present with `deprovision: delete`
  | 'attributes' // userName, displayName, name or email differ
  | 'groups'; // pool group membership differs from the seats held

export const DRIFT_KINDS: readonly DriftKind[] = ['missing', 'shouldBeActive', 'shouldBeInactive', 'shouldBeDeleted', 'attributes', 'groups'];

export function driftOf(
  account: AccountSnapshot,
  user: ScimResource | undefined,
  options: { readonly deprovision: 'deactivate' | 'delete'; readonly poolGroups: ReadonlyMap<string, string> | null },
): DriftKind | null {
  if (account.state === 'removed') {
    if (user === undefined) return null;
    if (options.deprovision === 'delete') return 'shouldBeDeleted';
    return user.active === false ? null : 'shouldBeInactive';
  }
  if (user === undefined) return 'missing';
  const ops = patchOperations(user, desiredUser(scimPayloadOf(account)));
  if (ops.some((op) => op.path === 'active')) return isActive(account) ? 'shouldBeActive' : 'shouldBeInactive';
  if (ops.length > 0) return 'attributes';
  return options.poolGroups !== null && groupsDiffer(account, user, options.poolGroups) ? 'groups' : null;
}

/** Pool groups (pool → group id) the user should be in versus those it is in; unknown membership is no drift. */
function groupsDiffer(account: AccountSnapshot, user: ScimResource, poolGroups: ReadonlyMap<string, string>): boolean {
  const current = groupIdsOf(user);
  if (current === null) return false;
  const held = isActive(account) ? new Set(account.held) : new Set<string>();
  for (const [pool, groupId] of poolGroups) if (held.has(pool) !== current.has(groupId)) return true;
  return false;
}
