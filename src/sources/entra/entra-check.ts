// `seatsync check` for an Entra source: authenticate, count users in scope, map two samples, size groups.
import type { DirectoryUser } from '../../domain/types.ts';
import type { SourceCheckReport, SourceReadOptions } from '../directory-source.ts';
import { readFingerprint } from './entra-cursor.ts';
import { graphError } from './entra-errors.ts';
import { authenticate, openSession, splitGroupKeys, type EntraDeps } from './entra-session.ts';
import { groupsOf } from './group-membership.ts';
import { loadInterest, scopeCall, type ReadContext } from './read-context.ts';
import { mapGraphUser, selectionFor } from './user-mapping.ts';
import { counted } from '../../domain/counted.ts';

type Step = SourceCheckReport['steps'][number];

export async function checkEntra(deps: EntraDeps, options: Pick<SourceReadOptions, 'groupsOfInterest' | 'attributes'>): Promise<SourceCheckReport> {
  const { config } = deps;
  const steps: Step[] = [];
  const report = (usersInScope: number | null, sample: readonly DirectoryUser[], groupSizes: Record<string, number>): SourceCheckReport =>
    ({ ok: steps.every((step) => step.ok), steps, usersInScope, sample, groupSizes });
  try {
    await authenticate(deps);
    steps.push({ name: 'authenticate', ok: true, detail: `signed in as app ${config.clientId} at ${config.cloud.login} (tenant ${config.tenantId})` });
  } catch (error) {
    steps.push({ name: 'authenticate', ok: false, detail: (error as Error).message });
    return report(null, [], {});
  }
  const selection = selectionFor(options.attributes);
  const groupKeys = splitGroupKeys(options.groupsOfInterest);
  if (selection.ignored.length > 0) {
    steps.push({ name: 'attributes', ok: true, detail: `not Microsoft Graph user properties, ignored by this source: ${selection.ignored.join(', ')}` });
  }
  if (groupKeys.ignored.length > 0) {
    steps.push({ name: 'groups', ok: true, detail: `not Entra group object ids, ignored by this source: ${groupKeys.ignored.join(', ')}` });
  }
  const { api } = openSession(deps);
  const ctx: ReadContext = {
    api, errors: deps.errors, selection, interestIds: groupKeys.ids, logger: deps.logger,
    fingerprint: readFingerprint(config, selection.select, groupKeys.ids), maxBufferedChanges: deps.maxBufferedChanges, nowMs: deps.nowMs,
  };
  const groupSizes: Record<string, number> = {};
  const usersInScope = await countInScope(ctx, steps, groupSizes);
  let interest = new Map<string, ReadonlySet<string>>();
  if (groupKeys.ids.length > 0) {
    try {
      interest = await loadInterest(ctx);
      for (const [groupId, members] of interest) groupSizes[groupId] = members.size;
      steps.push({ name: 'profile groups', ok: true, detail: [...interest].map(([id, members]) => `${id}: ${counted(members.size, 'user')}`).join(', ') });
    } catch (error) {
      steps.push({ name: 'profile groups', ok: false, detail: (error as Error).message });
    }
  }
  const sample = await sampleUsers(ctx, interest, steps);
  return report(usersInScope, sample, groupSizes);
}

async function countInScope(ctx: ReadContext, steps: Step[], groupSizes: Record<string, number>): Promise<number | null> {
  const group = ctx.errors.config.group;
  try {
    if (!group) {
      const count = await ctx.api.count('/users/$count');
      steps.push({ name: 'users in scope', ok: true, detail: `${counted(count, 'user')} in the tenant` });
      return count;
    }
    const info = await ctx.api.object(`/groups/${encodeURIComponent(group)}?$select=id,displayName`);
    const count = await ctx.api.count(`/groups/${encodeURIComponent(group)}/transitiveMembers/microsoft.graph.user/$count`);
    groupSizes[group] = count;
    steps.push({ name: 'users in scope', ok: true, detail: `${counted(count, 'user')} in group "${String(info.displayName)}" (${group}), nested groups included` });
    return count;
  } catch (error) {
    const call = group ? scopeCall(ctx, group) : { what: 'counting users', permission: 'User.Read.All' as const };
    steps.push({ name: 'users in scope', ok: false, detail: graphError(ctx.errors, call, error).message });
    return null;
  }
}

async function sampleUsers(ctx: ReadContext, interest: ReadonlyMap<string, ReadonlySet<string>>, steps: Step[]): Promise<DirectoryUser[]> {
  const group = ctx.errors.config.group;
  const select = ctx.selection.select.join(',');
  const url = group
    ? `/groups/${encodeURIComponent(group)}/transitiveMembers/microsoft.graph.user?$select=${select}&$top=2`
    : `/users?$select=${select}&$top=2`;
  try {
    const page = await ctx.api.page(url);
    const items = page.value.slice(0, 2).map((raw) => mapGraphUser(raw, ctx.selection, groupsOf(String(raw.id ?? '').toLowerCase(), interest)));
    const users = items.flatMap((item) => (item.kind === 'user' ? [item.user] : []));
    const skipped = items.flatMap((item) => (item.kind === 'skipped' ? [`${item.entry}: ${item.reason}`] : []));
    const detail = [users.map((user) => `${user.username} (${user.enabled ? 'enabled' : 'disabled'})`).join(', '), ...skipped].filter(Boolean).join('; ');
    steps.push({ name: 'sample', ok: skipped.length === 0, detail: detail || 'no users in scope' });
    return users;
  } catch (error) {
    const call = group ? scopeCall(ctx, group) : { what: 'reading sample users', permission: 'User.Read.All' as const };
    steps.push({ name: 'sample', ok: false, detail: graphError(ctx.errors, call, error).message });
    return [];
  }
}
