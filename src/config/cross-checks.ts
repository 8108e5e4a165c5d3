// Checks that span several keys (names that must be unique or must exist, pairs of keys that go together).
// They read the raw tree leniently, so they run even when the schema rejected other parts of the file and
// every problem is reported at once. A source kind's own checks sit with its schema (`SourceKind.check`).
import { formatPath, suggestKey, type PathSegment, type RawProblem } from './problems.ts';
import { SOURCE_KINDS } from './schema.ts';
import { asList, asObject, asText, isTrue, isValidName, NAME_RULE, oneOfKeys, present, textOrList, type RawMapping as Raw } from './values.ts';

export interface CrossCheckResult {
  readonly errors: RawProblem[];
  readonly warnings: RawProblem[];
}

/** The items' `key` once in a list: every later item with the same value is reported with `message`. */
type Message = (value: string, first: string) => string;

function checkUnique(list: readonly unknown[], at: readonly PathSegment[], key: string, message: Message, out: RawProblem[]): void {
  const seen = new Map<string, number>();
  list.forEach((item, index) => {
    const value = asText(asObject(item)?.[key]);
    if (value === undefined) return;
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    else out.push({ segments: [...at, index, key], message: message(value, formatPath([...at, first])) });
  });
}

const duplicateName = (what: string): Message => (value, first) => `duplicate ${what} name "${value}" (also ${first})`;

function checkPools(root: Raw, out: CrossCheckResult): void {
  const pools = asObject(root.pools) ?? {};
  const poolNames = Object.keys(pools);
  for (const poolName of poolNames) {
    if (!isValidName(poolName)) out.errors.push({ segments: ['pools', poolName], message: `pool name ${NAME_RULE}` });
  }
  const used = new Set<string>();
  asList(root.profiles).forEach((profile, index) => {
    const wanted = asObject(profile)?.pools;
    const seenHere = new Set<string>();
    (Array.isArray(wanted) ? wanted : [wanted]).forEach((item, at) => {
      const poolName = asText(item);
      if (poolName === undefined) return;
      const segments = Array.isArray(wanted) ? ['profiles', index, 'pools', at] : ['profiles', index, 'pools'];
      used.add(poolName);
      if (seenHere.has(poolName)) out.errors.push({ segments, message: `pool "${poolName}" is listed twice` });
      seenHere.add(poolName);
      if (!poolNames.includes(poolName)) {
        const hint = suggestKey(poolName, poolNames);
        const known = poolNames.length === 0 ? 'no pools are defined' : `pools: ${poolNames.join(', ')}`;
        out.errors.push({ segments, message: `unknown pool "${poolName}" (${hint === undefined ? known : `did you mean ${hint}?`})` });
      }
    });
  });
  if (asList(root.profiles).length > 0) {
    for (const poolName of poolNames.filter((p) => !used.has(p))) {
      out.warnings.push({ segments: ['pools', poolName], message: 'no profile uses this pool' });
    }
  }
}

function checkProfileOrder(root: Raw, out: CrossCheckResult): void {
  const profiles = asList(root.profiles);
  const catchAll = profiles.findIndex((p) => asObject(p) !== undefined && !Object.hasOwn(asObject(p) ?? {}, 'when'));
  if (catchAll === -1 || catchAll === profiles.length - 1) return;
  for (let index = catchAll + 1; index < profiles.length; index += 1) {
    out.warnings.push({ segments: ['profiles', index], message: `is never used: profiles[${catchAll}] has no \`when\` and matches every user first` });
  }
}

/** Every `when` and `protect` of the file, and whether the key is given. */
function matchRules(root: Raw): { segments: PathSegment[]; rule: unknown; given: boolean }[] {
  const profiles = asList(root.profiles).map((p, i) => {
    const profile = asObject(p) ?? {};
    return { segments: ['profiles', i, 'when'], rule: profile.when, given: Object.hasOwn(profile, 'when') };
  });
  const protect = asObject(root.policy)?.protect;
  return [...profiles, { segments: ['policy', 'protect'], rule: protect, given: present(protect) }];
}

const NO_KEYS = 'has no keys: give memberOf, dn or attribute (or leave it out to match every user)';

/** A `when` or `protect` must say something; an empty one is a mistake, not "match everyone". */
function checkRuleKeys(root: Raw, out: CrossCheckResult): void {
  for (const { segments, rule, given } of matchRules(root)) {
    if (!given) continue;
    const mapping = asObject(rule);
    if (rule === null || (mapping !== undefined && Object.keys(mapping).length === 0)) out.errors.push({ segments, message: NO_KEYS });
    const attribute = asObject(mapping?.attribute);
    if (attribute !== undefined && Object.keys(attribute).length === 0) {
      out.errors.push({ segments: [...segments, 'attribute'], message: 'must name at least one attribute' });
    }
  }
}

/** memberOf values a DN-less directory can never match (SPEC §7: Entra groups are object ids). */
function checkMemberOf(root: Raw, out: CrossCheckResult): void {
  const kinds = new Set(asList(root.sources).map((s) => asText(asObject(s)?.kind)));
  const entraOnly = kinds.size === 1 && kinds.has('entra');
  if (!entraOnly) return; // file sources name groups freely in their `groups` column; LDAP uses DNs
  for (const { segments, rule } of matchRules(root)) {
    const memberOf = asObject(rule)?.memberOf;
    const listed = Array.isArray(memberOf);
    textOrList(memberOf).forEach((value, index) => {
      if (!value.includes('=')) return;
      out.warnings.push({
        segments: [...segments, 'memberOf', ...(listed ? [index] : [])],
        message: 'looks like a DN, but the only sources are Entra ID, whose groups are object ids: it will never match',
      });
    });
  }
}

function checkSources(root: Raw, out: CrossCheckResult): void {
  const sources = asList(root.sources);
  checkUnique(sources, ['sources'], 'name', duplicateName('source'), out.errors);
  sources.forEach((item, index) => {
    const source = asObject(item);
    const kind = source?.kind;
    const sourceKind = typeof kind === 'string' && Object.hasOwn(SOURCE_KINDS, kind) ? SOURCE_KINDS[kind as keyof typeof SOURCE_KINDS] : undefined;
    if (source !== undefined && sourceKind !== undefined && 'check' in sourceKind) sourceKind.check(source, (...rest) => ['sources', index, ...rest], out);
  });
}

function checkNotify(root: Raw, out: CrossCheckResult): void {
  if (!present(root.notify)) {
    out.warnings.push({ segments: ['notify'], message: 'is not set: nobody is emailed when a pool runs out of seats' });
    return;
  }
  const notify = asObject(root.notify);
  if (notify === undefined) return; // the schema reports the type
  const chosen = ['smtp', 'graph', 'log'].filter((key) => (key === 'log' ? isTrue(notify.log) : present(notify[key])));
  if (chosen.length === 0) out.errors.push({ segments: ['notify'], message: 'needs one transport: smtp, graph or log: true' });
  if (chosen.length > 1) out.errors.push({ segments: ['notify'], message: `give only one transport (found ${chosen.join(' and ')})` });
  const smtp = asObject(notify.smtp);
  if (smtp !== undefined) {
    if (!present(notify.from)) out.errors.push({ segments: ['notify', 'from'], message: 'is required with smtp' });
    if (present(smtp.user) && !present(smtp.password)) out.errors.push({ segments: ['notify', 'smtp', 'password'], message: 'is required when user is set' });
    if (present(smtp.password) && !present(smtp.user)) out.errors.push({ segments: ['notify', 'smtp', 'user'], message: 'is required when password is set' });
  }
  const graphSource = asText(asObject(notify.graph)?.source);
  if (graphSource !== undefined) {
    const source = asList(root.sources).map(asObject).find((s) => asText(s?.name) === graphSource);
    const kind = asText(source?.kind);
    if (source === undefined) out.errors.push({ segments: ['notify', 'graph', 'source'], message: `unknown source "${graphSource}": must name an entra source` });
    else if (kind !== 'entra') out.errors.push({ segments: ['notify', 'graph', 'source'], message: `must name an entra source ("${graphSource}" is ${kind ?? 'of no kind'})` });
  }
}

function checkTokens(root: Raw, out: CrossCheckResult): void {
  const tokens = asList(asObject(root.http)?.tokens);
  checkUnique(tokens, ['http', 'tokens'], 'name', duplicateName('token'), out.errors);
  // Hex: the same hash in either case is the same token.
  const hashes = tokens.map((token) => ({ sha256: asText(asObject(token)?.sha256)?.toLowerCase() }));
  checkUnique(hashes, ['http', 'tokens'], 'sha256', (_, first) => `same token as ${first}: each token needs its own secret`, out.errors);
}

function checkTargets(root: Raw, out: CrossCheckResult): void {
  const targets = asList(root.targets);
  checkUnique(targets, ['targets'], 'name', duplicateName('target'), out.errors);
  targets.forEach((item, index) => {
    const target = asObject(item);
    if (target?.kind === 'scim') oneOfKeys(target, ['token', 'oauth'], 'oauth: { tokenUrl, clientId, clientSecret }', ['targets', index], out.errors);
  });
}

/** Runs every cross-key check on the interpolated tree. */
export function crossCheck(tree: unknown): CrossCheckResult {
  const out: CrossCheckResult = { errors: [], warnings: [] };
  const root = asObject(tree);
  if (root === undefined) return out;
  checkSources(root, out);
  checkUnique(asList(root.profiles), ['profiles'], 'name', duplicateName('profile'), out.errors);
  checkPools(root, out);
  checkProfileOrder(root, out);
  checkRuleKeys(root, out);
  checkMemberOf(root, out);
  checkNotify(root, out);
  checkTokens(root, out);
  checkTargets(root, out);
  return out;
}
