// `${NAME}`, `${NAME:-default}` and `${file:/path}` references inside the string values of the config
// tree (SPEC §4). Values read from files and from secret-looking variables are collected so that no
// message ever prints them; every key path that received a substituted value remembers where it came from.
import path from 'node:path';
import { formatPath, type PathSegment, type RawProblem } from './problems.ts';
import { isCredentialUrl, isSecretEnvName, userInfoValue } from './secrets.ts';

/** A piece of a string value: literal text, or one `${…}` reference (`body` is what is inside the braces). */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'ref'; readonly body: string; readonly start: number; readonly end: number }
  | { readonly kind: 'unterminated'; readonly start: number };

/**
 * Splits a string into literal text and references. `$${` is an escaped literal `${`. A reference ends at
 * the first `}`, so a default value cannot contain `}`.
 */
export function scanTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  let end = 0;
  for (const match of text.matchAll(/\$\$\{|\$\{(?:([^}]*)\})?/g)) {
    literal += text.slice(end, match.index) + (match[0] === '$${' ? '${' : '');
    end = match.index + match[0].length;
    if (match[0] === '$${') continue;
    const [, body] = match;
    const start = match.index;
    parts.push({ kind: 'text', text: literal }, body === undefined ? { kind: 'unterminated', start } : { kind: 'ref', body, start, end });
    literal = '';
  }
  parts.push({ kind: 'text', text: literal + text.slice(end) });
  return parts.filter((p) => p.kind !== 'text' || p.text !== '');
}

export interface InterpolateOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file's content; throws a Node fs error when it cannot. */
  readonly readFile: (absolutePath: string) => string;
  /** Folder that relative `${file:…}` paths are resolved against (the working directory). */
  readonly baseDir: string;
}

/** Where a substituted value came from, by reference (`${SMTP_PASSWORD}`, `${file:/run/secrets/x}`). */
export interface ValueOrigin {
  /** References as they may be shown: `${NAME}` without its default, `${file:/path}`. */
  readonly refs: readonly string[];
  /** True when any part came from a file or a secret-looking variable: never echo it. */
  readonly secret: boolean;
}

export interface Interpolated {
  /** Formatted key path → origin, for every string that contained a reference. */
  readonly origins: Map<string, ValueOrigin>;
  /** Key paths left out because their references resolved to an empty string → the references. */
  readonly emptied: Map<string, readonly string[]>;
  /** Values read from files or secret-looking variables (for scrubbing messages and redaction). */
  readonly secretValues: Set<string>;
  readonly problems: RawProblem[];
}

const ENV_REF = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

type ResolveOutcome = { readonly value: string; readonly shown: string; readonly secret: boolean } | { readonly error: string };

function readFileError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder, not a file';
  return 'cannot be read';
}

function resolveRef(body: string, options: InterpolateOptions): ResolveOutcome {
  if (body.startsWith('file:')) {
    const given = body.slice('file:'.length).trim();
    if (given === '') return { error: '${file:…} needs a path, e.g. ${file:/run/secrets/name}' };
    const absolute = path.resolve(options.baseDir, given);
    const shown = `\${file:${given}}`;
    try {
      return { value: options.readFile(absolute).trim(), shown, secret: true };
    } catch (error) {
      const where = absolute === given ? shown : `${shown} (${absolute})`;
      return { error: `${where}: ${readFileError(error)}` };
    }
  }
  const match = ENV_REF.exec(body);
  if (match === null) {
    // The body may hold a default value: show only what precedes it.
    const head = body.split(':')[0]?.slice(0, 40) ?? '';
    return { error: `\${${head}…} is not a valid reference: use \${NAME}, \${NAME:-default} or \${file:/path}` };
  }
  const name = match[1] ?? '';
  const fallback = match[2];
  const set = options.env[name];
  const shown = `\${${name}}`;
  if (set !== undefined && (set !== '' || fallback === undefined)) return { value: set, shown, secret: isSecretEnvName(name) };
  if (fallback !== undefined) return { value: fallback, shown, secret: false };
  return { error: `environment variable ${name} is not set` };
}

interface StringResult {
  readonly value: string;
  readonly origin: ValueOrigin | null;
  readonly secretParts: readonly string[];
  readonly errors: readonly string[];
}

/**
 * Resolves the references of one string value. With `inUrl`, a reference in the URL's user-info
 * (after `://`, before the next literal `@`) is percent-encoded as needed (see `userInfoValue`).
 */
export function interpolateString(text: string, options: InterpolateOptions & { readonly inUrl?: boolean }): StringResult {
  const parts = scanTemplate(text);
  let userInfo: 'before' | 'in' | 'after' = options.inUrl ? 'before' : 'after';
  let value = '';
  const refs: string[] = [];
  const secretParts: string[] = [];
  const errors: string[] = [];
  let secret = false;
  for (const part of parts) {
    if (part.kind === 'text') {
      value += part.text;
      if (userInfo === 'before' && part.text.includes('://')) userInfo = part.text.includes('@', part.text.indexOf('://')) ? 'after' : 'in';
      else if (userInfo === 'in' && part.text.includes('@')) userInfo = 'after';
    } else if (part.kind === 'unterminated') errors.push('"${" without a closing "}" (write $${ for a literal ${)');
    else {
      const outcome = resolveRef(part.body, options);
      if ('error' in outcome) {
        errors.push(outcome.error);
        continue;
      }
      value += userInfo === 'in' ? userInfoValue(outcome.value) : outcome.value;
      refs.push(outcome.shown);
      if (outcome.secret) {
        secret = true;
        if (outcome.value !== '') secretParts.push(outcome.value);
      }
    }
  }
  const hasRefs = parts.some((p) => p.kind !== 'text');
  return { value, origin: hasRefs ? { refs, secret } : null, secretParts, errors };
}

interface WalkState extends Interpolated {
  readonly options: InterpolateOptions;
  /** The whole tree, to find the schema key of a path. */
  readonly root: unknown;
}

const OMIT = Symbol('omit');

function walkString(text: string, segments: readonly PathSegment[], state: WalkState): string | typeof OMIT {
  const result = interpolateString(text, { ...state.options, inUrl: isCredentialUrl(segments, state.root) });
  for (const message of result.errors) state.problems.push({ segments, message });
  for (const part of result.secretParts) state.secretValues.add(part);
  if (result.origin === null) return result.value; // $${ escapes are undone even without references
  const key = formatPath(segments);
  state.origins.set(key, result.origin);
  // SPEC §4: a reference that resolves to nothing leaves the key out (so its default applies).
  if (result.value === '' && result.errors.length === 0) {
    state.emptied.set(key, result.origin.refs);
    return OMIT;
  }
  return result.value;
}

function walk(node: unknown, segments: readonly PathSegment[], state: WalkState): unknown {
  if (typeof node === 'string') return walkString(node, segments, state);
  if (Array.isArray(node)) return node.map((item, index) => walk(item, [...segments, index], state)).filter((value) => value !== OMIT);
  if (node === null || typeof node !== 'object') return node;
  // fromEntries: a `__proto__` key stays a plain key.
  return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, walk(item, [...segments, key], state)]).filter(([, value]) => value !== OMIT));
}

/** Resolves every reference in every string value of a parsed YAML tree (keys are left alone). */
export function interpolateTree(tree: unknown, options: InterpolateOptions): Interpolated & { readonly value: unknown } {
  const found: Interpolated = { origins: new Map(), emptied: new Map(), secretValues: new Set(), problems: [] };
  const value = walk(tree, [], { ...found, options, root: tree });
  return { ...found, value: value === OMIT ? undefined : value };
}
