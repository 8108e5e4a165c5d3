// Final wording of problems: key path, line, the offending value when it is safe to show, and a last
// scrub of every known secret value.
import type { ValueOrigin } from './interpolate.ts';
import { formatPath, type ConfigProblem, type PathSegment, type RawProblem } from './problems.ts';
import { CREDENTIAL_URL_KEYS, isSecretKey, scrubSecrets } from './secrets.ts';

export interface ProblemContext {
  /** The interpolated tree, to look up the value at a problem's path. */
  readonly tree: unknown;
  readonly origins: ReadonlyMap<string, ValueOrigin>;
  readonly emptied: ReadonlyMap<string, readonly string[]>;
  readonly secretValues: ReadonlySet<string>;
  readonly lineOf: (segments: readonly PathSegment[]) => number | undefined;
}

/** Keys whose value is never shown: secrets by name, and URLs that may carry a password. */
export function neverShown(segments: readonly PathSegment[]): boolean {
  return segments.some((s) => typeof s === 'string' && isSecretKey(s)) || CREDENTIAL_URL_KEYS.has(formatPath(segments));
}

const MAX_SHOWN_LENGTH = 120;

function valueAt(tree: unknown, segments: readonly PathSegment[]): unknown {
  let node = tree;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function shownValue(problem: RawProblem, path: string, ctx: ProblemContext): string {
  if (!('input' in problem)) return '';
  const origin = ctx.origins.get(path);
  // Substituted values are never printed, only where they came from (a file, a variable).
  if (origin !== undefined) return ` (value from ${origin.refs.join(' and ')})`;
  if (neverShown(problem.segments)) return '';
  const value = valueAt(ctx.tree, problem.segments);
  if (typeof value !== 'string' || value.length > MAX_SHOWN_LENGTH) return '';
  return ` (got ${JSON.stringify(value)})`;
}

function emptiedHint(message: string, path: string, ctx: ProblemContext): string {
  const refs = ctx.emptied.get(path);
  if (refs === undefined || !message.startsWith('is required')) return '';
  return ` (${refs.join(' and ')} resolved to an empty value)`;
}

export function finalizeProblems(problems: readonly (RawProblem & { line?: number })[], ctx: ProblemContext): ConfigProblem[] {
  const out = problems.map((problem, order) => {
    const path = formatPath(problem.segments);
    const text = `${problem.message}${shownValue(problem, path, ctx)}${emptiedHint(problem.message, path, ctx)}`;
    const line = problem.line ?? ctx.lineOf(problem.segments);
    const final: ConfigProblem = { path, message: scrubSecrets(text, ctx.secretValues), ...(line === undefined ? {} : { line }) };
    return { final, order };
  });
  // In file order, so the list reads top to bottom; problems without a line (a missing top-level key) last.
  out.sort((a, b) => (a.final.line ?? Infinity) - (b.final.line ?? Infinity) || a.order - b.order);
  return out.map((entry) => entry.final);
}

function urlPassword(url: string): string | undefined {
  const password = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@]*)@/i.exec(url)?.[1];
  if (password === undefined || password === '') return undefined;
  try {
    return decodeURIComponent(password);
  } catch {
    return password; // not percent-encoded
  }
}

/** Every string in the tree under a secret-named key, and passwords inside URLs: for scrubbing. */
export function collectSecretValues(tree: unknown, into: Set<string>, segments: PathSegment[] = []): void {
  if (typeof tree === 'string') {
    if (segments.some((s) => typeof s === 'string' && isSecretKey(s))) into.add(tree);
    const password = CREDENTIAL_URL_KEYS.has(formatPath(segments)) ? urlPassword(tree) : undefined;
    if (password !== undefined) into.add(password);
    return;
  }
  if (Array.isArray(tree)) tree.forEach((item, index) => collectSecretValues(item, into, [...segments, index]));
  else if (tree !== null && typeof tree === 'object') {
    for (const [key, value] of Object.entries(tree)) collectSecretValues(value, into, [...segments, key]);
  }
}
