// Group membership as a file source reports it: the groups written in the file, normalized, plus the
// groups of interest they stand for when the file and the config name the same group differently.
import { normalizeGroupKey } from '../../domain/names.ts';

/**
 * Value of the first RDN of a DN (`cn=partners,ou=groups,…` → `partners`); null for a plain name.
 * Expects a normalized key. Escapes (`\,`) are kept as written: names with escaped characters only
 * compare equal to a DN written the same way.
 */
export function firstRdnValue(key: string): string | null {
  const match = /^[a-z0-9.-]+=((?:\\.|[^,\\])*)(?:,|$)/.exec(key);
  return match?.[1] ?? null;
}

/**
 * Normalized, de-duplicated group keys of a user, plus every group of interest that one of them names
 * under its other form. A file cannot resolve a group name to a DN like a directory does, so a group
 * written as `CN=Partners,OU=Groups,…` also answers for a config that says `Partners`, and a group
 * written as `Partners` also answers for a config that names `CN=Partners,OU=Groups,…`.
 */
export function reportedGroups(written: Iterable<string>, groupsOfInterest: readonly string[]): string[] {
  const groups = new Set<string>();
  for (const raw of written) {
    const key = normalizeGroupKey(raw);
    if (key !== '') groups.add(key);
  }
  if (groups.size === 0) return [];
  for (const interest of groupsOfInterest) {
    if (groups.has(interest)) continue;
    if (matchesOtherForm(interest, groups)) groups.add(interest);
  }
  return [...groups];
}

function matchesOtherForm(interest: string, groups: ReadonlySet<string>): boolean {
  const interestName = firstRdnValue(interest);
  if (interestName !== null) return groups.has(interestName);
  for (const group of groups) {
    if (firstRdnValue(group) === interest) return true;
  }
  return false;
}

/**
 * Resolves attribute names found in a file to the names the config uses (attribute names compare
 * case-insensitively in directories; `DirectoryUser.attributes` is keyed as configured).
 */
export function attributeNamer(requested: readonly string[]): (name: string) => string {
  const byLowerCase = new Map<string, string>();
  for (const name of requested) byLowerCase.set(name.toLowerCase(), name);
  return (name) => byLowerCase.get(name.toLowerCase()) ?? name;
}
