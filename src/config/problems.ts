// Configuration problems: key paths, zod issues turned into short specific messages (`is required`,
// `unknown key "bindPasword" (did you mean bindPassword?)`), their final wording (line, the offending value
// when it is safe to show, a last scrub of every known secret value), and the ConfigError thrown by the
// loader with its printable form.
import type { z } from 'zod';
import type { Interpolated } from './interpolate.ts';
import type { YamlTree } from './yaml-reader.ts';
import { isSecretPath, scrubSecrets } from './secrets.ts';

/** One step of a key path: an object key or a list index. */
export type PathSegment = string | number;

/** A problem found in the configuration, addressed by its key path (`sources[0].url`). */
export interface ConfigProblem {
  /** Key path; empty when the problem concerns the whole file (unreadable, YAML syntax). */
  readonly path: string;
  readonly message: string;
  /** 1-based line in the config file, when known. */
  readonly line?: number;
}

/** A problem before its path is formatted; `input` is the offending value, echoed only when safe. */
export interface RawProblem {
  readonly segments: readonly PathSegment[];
  readonly message: string;
  readonly input?: unknown;
}

const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/** Formats a key path the way users write it: `sources[0].tls.ca`, `pools.primary.seats`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function problemLine(problem: ConfigProblem): string {
  return problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`;
}

const withLine = (problem: ConfigProblem): string => `${problemLine(problem)}${problem.line === undefined ? '' : ` (line ${problem.line})`}`;

/** Thrown by `loadConfig`: every problem of the file at once, none of them echoing a secret. */
export class ConfigError extends Error {
  readonly code = 'config' as const;
  readonly problems: readonly ConfigProblem[];
  /** Absolute path of the config file, when one was read. */
  readonly file: string | null;

  constructor(file: string | null, problems: readonly ConfigProblem[]) {
    super([heading(file, problems), ...problems.map((p) => `  ${problemLine(p)}`)].join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
    this.file = file;
  }
}

function heading(file: string | null, problems: readonly ConfigProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `Invalid configuration${file === null ? '' : ` in ${file}`} (${count}):`;
}

/** Human-readable text for the CLI: one problem per line, with the line number when known. */
export function describeConfigError(error: unknown): string {
  if (!(error instanceof ConfigError)) return error instanceof Error ? error.message : String(error);
  return [heading(error.file, error.problems), ...error.problems.map((p) => `  - ${withLine(p)}`)].join('\n');
}

/** Describes warnings (problems that do not stop loading) the same way, for `check` and logs. */
export function describeConfigWarnings(warnings: readonly ConfigProblem[]): string {
  return warnings.map((w) => `  - warning: ${withLine(w)}`).join('\n');
}

// zod issues → problems. zod's own messages are replaced because they are generic.

type Issue = z.core.$ZodIssue;

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: 'a mapping (key: value)',
  record: 'a mapping (name: value)',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

/** Levenshtein distance, for "did you mean". Keys are short, so the quadratic table is fine. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j] ?? 0;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + cost);
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

/** The closest allowed key, if `key` looks like a typo of it (a small edit, or a longer/shorter spelling). */
export function suggestKey(key: string, allowed: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1;
  const lower = key.toLowerCase();
  for (const candidate of allowed) {
    const other = candidate.toLowerCase();
    const affix = other.length >= 2 && (lower.startsWith(other) || other.startsWith(lower)) ? 1 : Infinity;
    const d = Math.min(distance(key, candidate), affix);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function issueMessage(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `must be ${issue.values.map(String).join(' or ')}`;
    default: // the schema's own messages (every minimum has one)
      return issue.message;
  }
}

function discriminatorProblem(issue: Extract<Issue, { code: 'invalid_union' }>, path: readonly PathSegment[]): RawProblem {
  const options = (issue as { options?: unknown[] }).options ?? [];
  const input = issue.input as Record<string, unknown> | undefined;
  const discriminator = (issue as { discriminator?: string }).discriminator ?? 'kind';
  const given = input?.[discriminator];
  const list = options.map(String).join(', ');
  const segments = path.at(-1) === discriminator ? path : [...path, discriminator];
  return given === undefined
    ? { segments, message: `is required (one of: ${list})` }
    : { segments, message: `must be one of: ${list}`, input: given };
}

/**
 * Converts zod issues into raw problems. `keysAt` lists the keys allowed in the mapping at a path, for
 * suggestions. An issue's `input` is kept as a sign that the loader may echo the value (when not secret).
 */
export function issuesToProblems(issues: readonly Issue[], keysAt: (segments: readonly PathSegment[]) => readonly string[]): RawProblem[] {
  const problems: RawProblem[] = [];
  for (const issue of issues) {
    const segments = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const allowed = keysAt(segments);
      for (const key of issue.keys) {
        const suggestion = suggestKey(key, allowed);
        problems.push({ segments: [...segments, key], message: suggestion === undefined ? 'unknown key' : `unknown key (did you mean ${suggestion}?)` });
      }
    } else if (issue.code === 'invalid_union' && (issue as { note?: string }).note === 'No matching discriminator') {
      problems.push(discriminatorProblem(issue, segments));
    } else {
      const echo = issue.code === 'custom' || issue.code === 'invalid_value';
      problems.push({ segments, message: issueMessage(issue), ...(echo && issue.input !== undefined ? { input: issue.input } : {}) });
    }
  }
  return problems;
}

// Final wording: key path, line, the offending value when it is safe to show, a last scrub of secrets.

export interface ProblemContext extends Pick<Interpolated, 'origins' | 'emptied' | 'secretValues'> {
  /** The interpolated tree, to look up the value at a problem's path. */
  readonly tree: unknown;
  readonly lineOf: YamlTree['lineOf'];
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
  if (isSecretPath(problem.segments, ctx.tree)) return '';
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
