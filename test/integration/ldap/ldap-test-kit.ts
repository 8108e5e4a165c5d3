// Shared pieces of the LDAP integration tests: a source config builder and a reader that collects pages.
import { stringify } from 'yaml';
import type { LdapSourceConfig } from '../../../src/config/types.ts';
import type { DirectoryUser } from '../../../src/domain/types.ts';
import type {
  DirectorySource,
  SourceItem,
  SourcePage,
  SourceReadOptions,
  SourceReadOutcome,
} from '../../../src/sources/directory-source.ts';
import { parseConfigText } from '../../../src/config/index.ts';

export type LdapConfigInput = Partial<LdapSourceConfig> & Pick<LdapSourceConfig, 'flavor' | 'urls' | 'baseDN'>;

/**
 * An LDAP source as the config loader makes it from the least a user writes (its flavor, URLs and base
 * DN), so every other setting is the product's default, then `input` over it.
 */
export function ldapConfig(input: LdapConfigInput): LdapSourceConfig {
  const entry = { name: 'directory', kind: 'ldap', flavor: input.flavor, url: input.urls, baseDN: input.baseDN };
  const text = stringify({ sources: [entry], pools: { primary: { seats: 1 } }, profiles: [{ name: 'staff', pools: ['primary'] }] });
  const [source] = parseConfigText(text, { file: 'seatsync.yaml', env: {} }).config.sources;
  if (source?.kind !== 'ldap') throw new Error(`the config loader made a ${String(source?.kind)} source of an LDAP entry`);
  return { ...source, ...input };
}

export interface ReadResult {
  readonly pages: readonly SourcePage[];
  readonly outcome: SourceReadOutcome;
  readonly users: readonly DirectoryUser[];
  readonly skipped: readonly Extract<SourceItem, { kind: 'skipped' }>[];
}

export async function readAll(source: DirectorySource, options: Partial<SourceReadOptions> = {}): Promise<ReadResult> {
  const reader = source.read({ cursor: null, forceFull: false, groupsOfInterest: [], attributes: [], ...options });
  const pages: SourcePage[] = [];
  for (;;) {
    const step = await reader.next();
    if (step.done === true) {
      const items = pages.flatMap((page) => page.items);
      return {
        pages,
        outcome: step.value,
        users: items.flatMap((item) => (item.kind === 'user' ? [item.user] : [])),
        skipped: items.flatMap((item) => (item.kind === 'skipped' ? [item] : [])),
      };
    }
    pages.push(step.value);
  }
}

/** Users keyed by lowercase username. */
export function byUsername(users: readonly DirectoryUser[]): Map<string, DirectoryUser> {
  return new Map(users.map((user) => [user.username.toLowerCase(), user]));
}

export function userNamed(users: readonly DirectoryUser[], username: string): DirectoryUser {
  const user = byUsername(users).get(username.toLowerCase());
  if (!user) throw new Error(`no user ${username} among ${users.length} users`);
  return user;
}

export function sortedUsernames(users: readonly DirectoryUser[]): string[] {
  return users.map((user) => user.username.toLowerCase()).sort();
}

/** What a read throws, for assertions on SourceError code and message. */
export async function readError(source: DirectorySource, options: Partial<SourceReadOptions> = {}): Promise<Error & { code?: string }> {
  try {
    await readAll(source, options);
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('the read succeeded; an error was expected');
}

export const pad = (n: number, width = 4): string => String(n).padStart(width, '0');
