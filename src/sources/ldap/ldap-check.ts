// `seatsync check` for an LDAP source: connect, bind, find the base DN, resolve the configured groups,
// count the users in scope and map two of them (from a read of its own, or from the caller's: see
// `usersReadByCaller`). Failures end the report instead of throwing.
import type { DirectoryUser } from '../../domain/types.ts';
import { SourceError, type SourceCheck, type SourceCheckOptions, type SourceCheckReport, type UsersCount } from '../directory-source.ts';

import { readDirectoryInfo, type DirectoryInfo } from './directory-info.ts';
import type { ResolvedGroups } from './group-types.ts';
import { resolveMembership, streamUsers, type LdapSourceContext, type Membership } from './ldap-reader.ts';
import { failureDetail, LdapSession } from './ldap-session.ts';
import { deletionMechanism, type DeletionMechanism } from './scope-exits.ts';
import { counted } from '../../domain/counted.ts';

type Step = SourceCheckReport['steps'][number];

const SAMPLE_SIZE = 2;

export async function checkLdapSource(context: LdapSourceContext, options: SourceCheckOptions): Promise<SourceCheck> {
  const membership: Membership = { groupsOfInterest: options.groupsOfInterest, attributes: options.attributes };
  const { config, logger } = context;
  const steps: Step[] = [];
  let session: LdapSession;
  try {
    session = await LdapSession.open({ sourceName: config.name, config, logger });
  } catch (error) {
    const failure = asSourceError(config.name, error);
    steps.push({ name: failure.code === 'auth' ? 'bind' : 'connect', ok: false, detail: failure.message });
    return { report: report(steps, { usersInScope: null, sample: [], groupSizes: {} }) };
  }
  try {
    // A failover server that does not answer passes the check (the source works) but is named.
    const unanswered = session.unanswered.map((failure) => failureDetail(config.name, failure));
    steps.push({ name: 'connect', ok: true, detail: `connected to ${session.url}${unanswered.length === 0 ? '' : `; did not answer before it: ${unanswered.join('; ')}`}` });
    steps.push({ name: 'bind', ok: true, detail: config.bindDN === null ? 'anonymous' : `bound as ${config.bindDN}` });
    const info = await readDirectoryInfo(session);
    steps.push({ name: 'server', ok: true, detail: `${describeServer(info)}; ${DELETIONS[deletionMechanism(config, info)]}` });
    if ((await session.findEntry(config.baseDN, ['1.1'])) === null) {
      steps.push({ name: 'base DN', ok: false, detail: `${config.baseDN} not found on ${session.url}` });
      return { report: report(steps, { usersInScope: null, sample: [], groupSizes: {} }) };
    }
    const groups = await resolveMembership(context, session, info, membership, { scopeMembers: true });
    const groupSizes = sizesOf(groups);
    steps.push({ name: 'groups', ok: true, detail: describeGroups(groupSizes) });
    const users = usersCount();
    if (options.usersReadByCaller === true) return { report: report(steps, { usersInScope: null, sample: [], groupSizes }), users };
    const pages = streamUsers({ context, session, options: { cursor: null, forceFull: true, ...membership }, groups, plan: { mode: 'full', reason: 'check' } });
    for await (const page of pages) users.add(page);
    const found = users.report();
    return { report: report([...steps, ...found.steps], { usersInScope: found.usersInScope, sample: found.sample, groupSizes }) };
  } catch (error) {
    steps.push({ name: 'read', ok: false, detail: asSourceError(config.name, error).message });
    return { report: report(steps, { usersInScope: null, sample: [], groupSizes: {} }) };
  } finally {
    await session.close();
  }
}

/** The users in scope and the first SAMPLE_SIZE of them; at least one is needed. */
function usersCount(): UsersCount {
  let users = 0;
  let skipped = 0;
  const sample: DirectoryUser[] = [];
  return {
    add(page) {
      for (const item of page.items) {
        if (item.kind === 'user') {
          users += 1;
          if (sample.length < SAMPLE_SIZE) sample.push(item.user);
        } else if (item.kind === 'skipped') skipped += 1;
      }
    },
    report() {
      const detail = `${counted(users, 'user')} in scope${skipped > 0 ? `, ${counted(skipped, 'entry', 'entries')} skipped` : ''}`;
      return { ok: users > 0, steps: [{ name: 'users', ok: users > 0, detail }], usersInScope: users, sample, groupSizes: {} };
    },
  };
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
