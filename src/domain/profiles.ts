// Profile matching (SPEC §1 "Profile"): which profile a directory user falls under, and whether a user
// matches `policy.protect`. Pure: the directory has already resolved (transitive) group membership.
//
// A rule matches when ALL of its given parts match:
// - `memberOf`: the user is a member of ANY listed group (normalized group keys, see `normalizeGroupKey`);
// - `dn`: the user's DN ends with ANY listed suffix, at an RDN boundary (`ou=a,dc=x` matches
//   `cn=u,ou=a,dc=x` and `ou=a,dc=x` itself, not `cn=u,ou=ba,dc=x`);
// - `attribute`: EVERY named attribute (name compared case-insensitively) has at least one of its
//   accepted values (values compared case-insensitively).
// A part given as an empty list accepts nobody ("any of none"); a rule with no parts accepts everyone.
import { lowerName, normalizeDn, normalizeGroupKey } from './names.ts';
import type { DirectoryUser, MatchRule } from './types.ts';

/** What matching needs of a profile: both `Profile` and the config's `ProfileConfig` fit. */
export interface MatchableProfile {
  readonly when?: MatchRule | null | undefined;
}

interface CompiledRule {
  readonly memberOf: ReadonlySet<string> | null;
  readonly dn: readonly string[] | null;
  /** [lowercased attribute name, lowercased accepted values]. */
  readonly attribute: readonly (readonly [string, ReadonlySet<string>])[] | null;
}

/** Rules come from the config, parsed once per run: compile each once, keyed by identity. */
const compiledRules = new WeakMap<MatchRule, CompiledRule>();

function compile(rule: MatchRule): CompiledRule {
  const cached = compiledRules.get(rule);
  if (cached !== undefined) return cached;
  const compiled: CompiledRule = {
    memberOf: rule.memberOf === undefined ? null : new Set(rule.memberOf.map(normalizeGroupKey)),
    dn: rule.dn === undefined ? null : rule.dn.map(normalizeDn),
    attribute:
      rule.attribute === undefined
        ? null
        : Object.entries(rule.attribute).map(
            ([name, values]) => [name.toLowerCase(), new Set(values.map((v) => v.toLowerCase()))] as const,
          ),
  };
  compiledRules.set(rule, compiled);
  return compiled;
}

// Group keys repeat across the whole directory (a few hundred groups for a million users), so their
// normalization is memoized. Bounded so a source reporting unique junk cannot grow it without limit.
const GROUP_KEY_CACHE_MAX = 50_000;
const groupKeyCache = new Map<string, string>();

function normalizedGroup(key: string): string {
  let normalized = groupKeyCache.get(key);
  if (normalized === undefined) {
    normalized = normalizeGroupKey(key);
    if (groupKeyCache.size < GROUP_KEY_CACHE_MAX) groupKeyCache.set(key, normalized);
  }
  return normalized;
}

/** Per-user derived data, computed lazily once per `matchProfile` call however many rules look at it. */
class UserView {
  readonly user: DirectoryUser;
  #dn: string | null | undefined;

  constructor(user: DirectoryUser) {
    this.user = user;
  }

  get dn(): string | null {
    if (this.#dn === undefined) this.#dn = this.user.dn === null ? null : normalizeDn(this.user.dn);
    return this.#dn;
  }

  /**
   * Whether an attribute of the user named `name` (lowercased; attributes whose names differ only in
   * case count as one) has a value whose lowercase is in `accepted`. Looked up in place: this runs for
   * every user of every read, and the profiles name a handful of attributes.
   */
  accepts(name: string, accepted: ReadonlySet<string>): boolean {
    const attributes = this.user.attributes;
    for (const key in attributes) {
      if (!Object.hasOwn(attributes, key) || lowerName(key) !== name) continue;
      for (const value of attributes[key] ?? []) if (accepted.has(value.toLowerCase())) return true;
    }
    return false;
  }
}

/** True when `dn` equals `suffix` or ends with `,suffix` where that comma is not escaped (`\,`). */
export function dnHasSuffix(dn: string, suffix: string): boolean {
  if (suffix === '') return false;
  if (dn === suffix) return true;
  const start = dn.length - suffix.length;
  if (start < 1 || !dn.endsWith(suffix) || dn[start - 1] !== ',') return false;
  let backslashes = 0;
  for (let i = start - 2; i >= 0 && dn[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 0;
}

function matchesMemberOf(view: UserView, groups: ReadonlySet<string>): boolean {
  if (groups.size === 0) return false;
  for (const group of view.user.groups) {
    if (groups.has(normalizedGroup(group))) return true;
  }
  return false;
}

function matchesDn(view: UserView, suffixes: readonly string[]): boolean {
  const dn = view.dn;
  if (dn === null) return false;
  return suffixes.some((suffix) => dnHasSuffix(dn, suffix));
}

function matchesAttributes(view: UserView, rules: NonNullable<CompiledRule['attribute']>): boolean {
  for (const [name, accepted] of rules) if (!view.accepts(name, accepted)) return false;
  return true;
}

function matchView(view: UserView, rule: MatchRule): boolean {
  const compiled = compile(rule);
  if (compiled.memberOf !== null && !matchesMemberOf(view, compiled.memberOf)) return false;
  if (compiled.dn !== null && !matchesDn(view, compiled.dn)) return false;
  if (compiled.attribute !== null && !matchesAttributes(view, compiled.attribute)) return false;
  return true;
}

/** Whether `user` matches `rule` (all given parts; see the header of this file). */
export function matchRule(user: DirectoryUser, rule: MatchRule): boolean {
  return matchView(new UserView(user), rule);
}

/** The first profile whose `when` matches (a profile without `when` matches everyone); null: none. */
export function matchProfile<P extends MatchableProfile>(user: DirectoryUser, profiles: readonly P[]): P | null {
  const view = new UserView(user);
  for (const profile of profiles) {
    if (profile.when == null || matchView(view, profile.when)) return profile;
  }
  return null;
}

function rulesOf(profiles: readonly MatchableProfile[], protect: MatchRule | null): MatchRule[] {
  const rules: MatchRule[] = [];
  for (const profile of profiles) if (profile.when != null) rules.push(profile.when);
  if (protect !== null) rules.push(protect);
  return rules;
}

/** Normalized group keys the profiles and `policy.protect` test, sorted: what a source must resolve. */
export function collectGroupsOfInterest(
  profiles: readonly MatchableProfile[],
  protect: MatchRule | null,
): string[] {
  const groups = new Set<string>();
  for (const rule of rulesOf(profiles, protect)) {
    for (const group of rule.memberOf ?? []) groups.add(normalizeGroupKey(group));
  }
  return [...groups].sort();
}

/**
 * Attribute names the profiles and `policy.protect` read, sorted, each once (case-insensitively; the
 * first spelling is kept, since LDAP attribute names are case-insensitive anyway).
 */
export function collectAttributes(profiles: readonly MatchableProfile[], protect: MatchRule | null): string[] {
  const names = new Map<string, string>();
  for (const rule of rulesOf(profiles, protect)) {
    for (const name of Object.keys(rule.attribute ?? {})) {
      if (!names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
    }
  }
  return [...names.values()].sort();
}
