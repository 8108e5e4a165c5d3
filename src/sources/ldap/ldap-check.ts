// `seatsync check` for an LDAP source: connect, bind, find the base DN, resolve the configured groups,
// count the users in scope and map two of them. Failures end the report instead of throwing.
import type { DirectoryUser } from '../../domain/types.ts';
import { SourceError, type SourceCheckReport } from '../directory-source.ts';

import { readDirectoryInfo, type DirectoryInfo } from './directory-info.ts';
import type { ResolvedGroups } from './group-types.ts';
import { resolveMembership, streamUsers, type LdapSourceContext, type Membership } from './ldap-reader.ts';
import { LdapSession } from './ldap-session.ts';
import { deletionMechanism, type DeletionMechanism } from './scope-exits.ts';
import { counted } from '../../domain/counted.ts';

type Step = SourceCheckReport['steps'][number];

const SAMPLE_SIZE = 2;

export async function checkLdapSource(context: LdapSourceContext, membership: Membership): Promise<SourceCheckReport> {
  const { config, logger } = context;
  const steps: Step[] = [];
  let session: LdapSession;
  try {
    session = await LdapSession.open({ sourceName: config.name, config, logger });
  } catch (error) {
    const failure = asSourceError(config.name, error);
    steps.push({ name: failure.code === 'auth' ? 'bind' : 'connect', ok: false, detail: failure.message });
    return report(steps, { usersInScope: null, sample: [], groupSizes: {} });
  }
  try {
    steps.push({ name: 'connect', ok: true, detail: `connected to ${session.url}` });
    steps.push({ name: 'bind', ok: true, detail: config.bindDN === null ? 'anonymous' : `bound as ${config.bindDN}` });
    const info = await readDirectoryInfo(session);
    steps.push({ name: 'server', ok: true, detail: `${describeServer(info)}; ${DELETIONS[deletionMechanism(config, info)]}` });
    if ((await session.findEntry(config.baseDN, ['1.1'])) === null) {
      steps.push({ name: 'base DN', ok: false, detail: `${config.baseDN} not found on ${session.url}` });
      return report(steps, { usersInScope: null, sample: [], groupSizes: {} });
    }
    const groups = await resolveMembership(context, session, info, membership, { scopeMembers: true });
    const groupSizes = sizesOf(groups);
    steps.push({ name: 'groups', ok: true, detail: describeGroups(groupSizes) });
    const tally = await countUsers(context, session, membership, groups);
    steps.push({
      name: 'users',
      ok: tally.users > 0,
      detail: `${counted(tally.users, 'user')} in scope${tally.skipped > 0 ? `, ${counted(tally.skipped, 'entry', 'entries')} skipped` : ''}`,
    });
    return report(steps, { usersInScope: tally.users, sample: tally.sample, groupSizes });
  } catch (error) {
    steps.push({ name: 'read', ok: false, detail: asSourceError(config.name, error).message });
    return report(steps, { usersInScope: null, sample: [], groupSizes: {} });
  } finally {
    await session.close();
  }
}

async function countUsers(
  context: LdapSourceContext,
  session: LdapSession,
  membership: Membership,
  groups: ResolvedGroups,
): Promise<{ users: number; skipped: number; sample: DirectoryUser[] }> {
  const options = { cursor: null, forceFull: true, ...membership };
  let users = 0;
  let skipped = 0;
  const sample: DirectoryUser[] = [];
  const pages = streamUsers({ context, session, options, groups, plan: { mode: 'full', reason: 'check' } });
  for await (const page of pages) {
    for (const item of page.items) {
      if (item.kind === 'user') {
        users += 1;
        if (sample.length < SAMPLE_SIZE) sample.push(item.user);
      } else if (item.kind === 'skipped') skipped += 1;
    }
  }
  return { users, skipped, sample };
}

function sizesOf(groups: ResolvedGroups): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const [key, members] of groups.members) sizes[key] = members.dns.size + members.uids.size;
  return sizes;
}

/** How incremental reads will find deletions on this server (scope-exits.ts). */
const DELETIONS: Readonly<Record<DeletionMechanism, string>> = {
  tombstones: 'deletions from tombstones',
  'content-sync': 'deletions from a content-sync refresh (syncprov)',
  'id-listing': 'deletions by listing the ids in scope on each incremental read',
};

function describeServer(info: DirectoryInfo): string {
  const contexts = info.namingContexts.join('; ') || 'naming contexts not readable';
  if (info.invocationId === null) return `naming contexts: ${contexts}`;
  return `Active Directory DC (invocationId ${info.invocationId}, USN ${info.highestCommittedUsn ?? '?'}); ${contexts}`;
}

function describeGroups(sizes: Readonly<Record<string, number>>): string {
  const entries = Object.entries(sizes);
  if (entries.length === 0) return 'no groups to resolve';
  return entries.map(([key, size]) => `${key}: ${size} members`).join('; ');
}

function report(
  steps: readonly Step[],
  result: Pick<SourceCheckReport, 'usersInScope' | 'sample' | 'groupSizes'>,
): SourceCheckReport {
  return { ok: steps.every((step) => step.ok), steps, ...result };
}

function asSourceError(sourceName: string, error: unknown): SourceError {
  if (error instanceof SourceError) return error;
  return new SourceError(sourceName, 'protocol', error instanceof Error ? error.message : String(error), { cause: error });
}
