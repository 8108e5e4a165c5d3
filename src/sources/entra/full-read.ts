// A full read: every user in scope, streamed page by page ($top up to 999), plus a delta link for the
// next run taken just before the listing ("sync from now", `$deltatoken=latest`): changes made while the
// listing runs are read again next time, never lost. Listing /users rather than walking a whole delta
// round keeps pages at 999 users (users/delta takes no `$top`: Graph picks its page size).
import type { SourcePage, SourceReadOutcome } from '../directory-source.ts';
import { toSourceCursor } from './entra-cursor.ts';
import { groupsOf, MembershipDigest } from './group-membership.ts';
import { streamPages } from './page-stream.ts';
import { loadInterest, membershipDigest, scopeCall, thrower, type ReadContext } from './read-context.ts';
import { mapGraphUser } from './user-mapping.ts';

const USERS_CALL = { what: 'listing users', permission: 'User.Read.All' } as const;

async function latestDeltaLink(ctx: ReadContext): Promise<string> {
  const url = `/users/delta?$select=${ctx.selection.select.join(',')}&$deltatoken=latest`;
  const onError = thrower(ctx, { what: 'starting change tracking (users/delta)', permission: 'User.Read.All' });
  for await (const page of streamPages(ctx.api, url, onError)) {
    const link = page['@odata.deltaLink'];
    if (link) return link;
  }
  return onError(new Error('users/delta with $deltatoken=latest returned no @odata.deltaLink'));
}

export async function* fullRead(
  ctx: ReadContext,
  preloaded: { interest: ReadonlyMap<string, ReadonlySet<string>> } | null,
): AsyncGenerator<SourcePage, SourceReadOutcome> {
  const { config } = ctx.errors;
  const fullAt = new Date(ctx.nowMs()).toISOString();
  const deltaLink = await latestDeltaLink(ctx);
  const interest = preloaded?.interest ?? (await loadInterest(ctx));
  const select = ctx.selection.select.join(',');
  const top = Math.min(999, Math.max(1, config.pageSize));
  const url = config.group
    ? `/groups/${encodeURIComponent(config.group)}/transitiveMembers/microsoft.graph.user?$select=${select}&$top=${top}`
    : `/users?$select=${select}&$top=${top}`;
  const onError = thrower(ctx, config.group ? scopeCall(ctx, config.group) : USERS_CALL);
  const scope = config.group ? new MembershipDigest() : null;
  let users = 0;
  for await (const page of streamPages(ctx.api, url, onError)) {
    const items = page.value.map((raw) => {
      const id = typeof raw.id === 'string' ? raw.id.toLowerCase() : '';
      if (id) scope?.add(id);
      return mapGraphUser(raw, ctx.selection, groupsOf(id, interest));
    });
    users += items.length;
    ctx.signal?.throwIfAborted();
    yield { items };
  }
  ctx.signal?.throwIfAborted();
  const groups = membershipDigest(ctx, { scope: scope?.value() ?? null, interest });
  ctx.logger.debug({ users }, 'entra full read listed every user in scope');
  return { mode: 'full', cursor: toSourceCursor({ kind: 'entra-delta', deltaLink, fullAt, fingerprint: ctx.fingerprint, groups }) };
}
