// Turns zod issues into problems with short, specific messages (`is required`, `unknown key "bindPasword"
// (did you mean bindPassword?)`). zod's own messages are replaced because they are generic.
import type { z } from 'zod';
import type { PathSegment, RawProblem } from './problems.ts';

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

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const suggestion = suggestKey(key, allowed);
  return suggestion === undefined ? 'unknown key' : `unknown key (did you mean ${suggestion}?)`;
}

function issueMessage(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small': // the schema gives every minimum its own message
      return issue.message;
    case 'invalid_value':
      return `must be ${issue.values.map(String).join(' or ')}`;
    default:
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
      for (const key of issue.keys) problems.push({ segments: [...segments, key], message: unknownKeyMessage(key, allowed) });
    } else if (issue.code === 'invalid_union' && (issue as { note?: string }).note === 'No matching discriminator') {
      problems.push(discriminatorProblem(issue, segments));
    } else {
      const echo = issue.code === 'custom' || issue.code === 'invalid_value';
      problems.push({ segments, message: issueMessage(issue), ...(echo && issue.input !== undefined ? { input: issue.input } : {}) });
    }
  }
  return problems;
}
