// `/v1.0/groups/{id}` and its transitive members (all, or cast to users), with paging and `$count`.
import { carriedParams, notFound, renderUser, requireEventualConsistency, type GraphContext, type GraphResult } from './graph-context.ts';
import { decodeToken, encodeToken, parseSelect, parseTop, queryString } from './odata.ts';

export function getGroup(ctx: GraphContext, groupId: string): GraphResult {
  const group = ctx.directory.group(groupId);
  if (!group) throw notFound(groupId);
  return { status: 200, body: { '@odata.context': `${ctx.origin}/v1.0/$metadata#groups/$entity`, id: group.id, displayName: group.displayName } };
}

/** `transitiveMembers/microsoft.graph.user` when `usersOnly`; nested groups themselves are then left out. */
export function transitiveMembers(ctx: GraphContext, groupId: string, options: { usersOnly: boolean; count: boolean }): GraphResult {
  if (!ctx.directory.group(groupId)) throw notFound(groupId);
  const userIds = ctx.directory.transitiveUserIds(groupId);
  const memberIds = options.usersOnly ? userIds : [...nestedGroupIds(ctx, groupId), ...userIds];
  if (options.count) {
    requireEventualConsistency(ctx);
    return { status: 200, text: String(memberIds.length) };
  }
  const select = parseSelect(ctx.query);
  const top = parseTop(ctx.query);
  const skiptoken = ctx.query.get('$skiptoken');
  const offset = skiptoken ? decodeToken<{ o: number }>(skiptoken, 'skip token').o : 0;
  const value = memberIds.slice(offset, offset + top).map((id) => {
    const user = ctx.directory.findUser(id);
    if (user) return { '@odata.type': '#microsoft.graph.user', ...renderUser(user, select) };
    return { '@odata.type': '#microsoft.graph.group', id, displayName: ctx.directory.group(id)?.displayName ?? null };
  });
  const cast = options.usersOnly ? '/microsoft.graph.user' : '';
  const body: Record<string, unknown> = { '@odata.context': `${ctx.origin}/v1.0/$metadata#directoryObjects` };
  if (ctx.query.get('$count') === 'true') {
    requireEventualConsistency(ctx);
    body['@odata.count'] = memberIds.length;
  }
  if (offset + top < memberIds.length) {
    const params = { ...carriedParams(ctx.query), $skiptoken: encodeToken({ o: offset + top }) };
    body['@odata.nextLink'] = `${ctx.origin}/v1.0/groups/${groupId}/transitiveMembers${cast}${queryString(params)}`;
  }
  body.value = value;
  return { status: 200, body };
}

function nestedGroupIds(ctx: GraphContext, groupId: string): string[] {
  // Breadth-first over nested groups; `seen` stops membership cycles.
  const found: string[] = [];
  const seen = new Set([groupId]);
  const queue = [groupId];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const member of ctx.directory.directMembers(next)) {
      if (ctx.directory.group(member) && !seen.has(member)) {
        seen.add(member);
        found.push(member);
        queue.push(member);
      }
    }
  }
  return found;
}
