// `/v1.0/users`, `/v1.0/users/$count`, `/v1.0/users/{id|upn}` and `/v1.0/users/delta`.
import type { DeltaEntry, Json } from './directory.ts';
import { carriedParams, notFound, renderUser, requireEventualConsistency, type GraphContext, type GraphResult } from './graph-context.ts';
import { decodeToken, encodeToken, GraphHttpError, parseIdFilter, parseSelect, parseTop, queryString } from './odata.ts';

export function listUsers(ctx: GraphContext): GraphResult {
  const select = parseSelect(ctx.query);
  const top = parseTop(ctx.query);
  const filter = parseIdFilter(ctx.query);
  const all = ctx.directory.userIds();
  const ids = filter ? all.filter((id) => filter.has(id)) : all;
  const skiptoken = ctx.query.get('$skiptoken');
  const offset = skiptoken ? decodeToken<{ o: number }>(skiptoken, 'skip token').o : 0;
  const value = ids.slice(offset, offset + top).map((id) => renderUser(ctx.directory.findUser(id) ?? { id }, select));
  const body: Record<string, unknown> = { '@odata.context': `${ctx.origin}/v1.0/$metadata#users(${select.join(',')})` };
  if (ctx.query.get('$count') === 'true') {
    requireEventualConsistency(ctx);
    body['@odata.count'] = ids.length;
  }
  if (offset + top < ids.length) {
    body['@odata.nextLink'] = `${ctx.origin}/v1.0/users${queryString({ ...carriedParams(ctx.query), $skiptoken: encodeToken({ o: offset + top }) })}`;
  }
  body.value = value;
  return { status: 200, body };
}

export function countUsers(ctx: GraphContext): GraphResult {
  requireEventualConsistency(ctx);
  return { status: 200, text: String(ctx.directory.userCount) };
}

export function getUser(ctx: GraphContext, idOrUpn: string): GraphResult {
  const props = ctx.directory.findUser(idOrUpn);
  if (!props) throw notFound(idOrUpn);
  return { status: 200, body: { '@odata.context': `${ctx.origin}/v1.0/$metadata#users/$entity`, ...renderUser(props, parseSelect(ctx.query)) } };
}

interface RoundState {
  /** null: the initial round (every current user); else changes after this version. */
  readonly since: number | null;
  readonly upto: number;
  readonly select: readonly string[];
  readonly offset: number;
  readonly epoch: number;
}

/**
 * Delta query as Graph documents it for users: the initial round returns every user; a delta link returns
 * users created or changed in a selected property (with every selected property that was ever set, the
 * default response shape) and removed users as `@removed`. `$deltatoken=latest` starts from now.
 */
export function usersDelta(ctx: GraphContext): GraphResult {
  if (ctx.query.has('$top') || ctx.query.has('$orderby') || ctx.query.has('$expand')) {
    throw new GraphHttpError(400, 'Request_UnsupportedQuery', 'The query parameters $top, $orderby and $expand are not supported with delta.');
  }
  const state = roundState(ctx);
  const link = (token: string, kind: 'next' | 'delta'): string =>
    `${ctx.origin}/v1.0/users/delta${queryString(kind === 'next' ? { $skiptoken: token } : { $deltatoken: token })}`;
  const body: Record<string, unknown> = { '@odata.context': `${ctx.origin}/v1.0/$metadata#users(${state.select.join(',')})` };
  if (ctx.query.get('$deltatoken') === 'latest') {
    body['@odata.deltaLink'] = link(encodeToken({ v: state.upto, s: state.select, e: ctx.deltaEpoch }), 'delta');
    body.value = [];
    return { status: 200, body };
  }
  const entries = state.since === null
    ? ctx.directory.userIds().map((id): DeltaEntry => ({ kind: 'user', id }))
    : ctx.directory.changesBetween(state.since, state.upto, state.select);
  const end = state.offset + ctx.deltaPageSize;
  if (end < entries.length) body['@odata.nextLink'] = link(encodeToken({ ...state, offset: end }), 'next');
  else body['@odata.deltaLink'] = link(encodeToken({ v: state.upto, s: state.select, e: ctx.deltaEpoch }), 'delta');
  body.value = entries.slice(state.offset, end).flatMap((entry) => renderDeltaEntry(ctx, entry, state.select));
  return { status: 200, body };
}

function roundState(ctx: GraphContext): RoundState {
  const deltatoken = ctx.query.get('$deltatoken');
  const skiptoken = ctx.query.get('$skiptoken');
  const upto = ctx.directory.currentVersion;
  if (deltatoken && deltatoken !== 'latest') {
    const token = decodeToken<{ v: number; s: string[]; e: number }>(deltatoken, 'delta token');
    checkEpoch(ctx, token.e, token.s);
    return { since: token.v, upto, select: token.s, offset: 0, epoch: token.e };
  }
  if (skiptoken) {
    const state = decodeToken<RoundState>(skiptoken, 'skip token');
    checkEpoch(ctx, state.epoch, state.select);
    return state;
  }
  return { since: null, upto, select: parseSelect(ctx.query), offset: 0, epoch: ctx.deltaEpoch };
}

/** An expired token: 410 Gone with `syncStateNotFound` and a Location to restart from (Graph's reset). */
function checkEpoch(ctx: GraphContext, epoch: number, select: readonly string[]): void {
  if (epoch === ctx.deltaEpoch) return;
  throw new GraphHttpError(410, 'syncStateNotFound', 'The sync state for this delta token is not found or has expired. Restart the sync with a full delta query.', {
    location: `${ctx.origin}/v1.0/users/delta${queryString({ $select: select.join(',') })}`,
  });
}

function renderDeltaEntry(ctx: GraphContext, entry: DeltaEntry, select: readonly string[]): Record<string, Json>[] {
  if (entry.kind === 'removed') return [{ id: entry.removal.id, '@removed': { reason: entry.removal.reason } }];
  const props = ctx.directory.findUser(entry.id);
  if (!props) return [];
  const everSet = ctx.directory.setProperties(entry.id);
  const out: Record<string, Json> = { id: entry.id };
  for (const name of select) if (everSet.has(name) && props[name] !== undefined) out[name] = props[name];
  return [out];
}
