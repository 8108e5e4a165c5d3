// Validation of an interpolated config tree: the schema and the cross-key checks, run side by side so
// that every problem is reported at once.
import { crossCheck } from './cross-checks.ts';
import type { RawProblem } from './problems.ts';
import { issuesToProblems } from './schema-issues.ts';
import { keysAllowedAt } from './schema-keys.ts';
import { configSchema, type ConfigBody, type SchemaContext } from './schema.ts';

export interface ValidationResult {
  /** The normalized config; null when there is any error. */
  readonly config: ConfigBody | null;
  readonly errors: readonly RawProblem[];
  /** Problems that do not stop loading (a DN that an Entra-only setup can never match, …). */
  readonly warnings: readonly RawProblem[];
}

function isMapping(tree: unknown): boolean {
  return tree !== null && typeof tree === 'object' && !Array.isArray(tree);
}

export function validateConfigTree(tree: unknown, ctx: SchemaContext): ValidationResult {
  if (tree === null || tree === undefined) {
    return { config: null, errors: [{ segments: [], message: 'the config file is empty' }], warnings: [] };
  }
  if (!isMapping(tree)) {
    return { config: null, errors: [{ segments: [], message: 'the config file must be a mapping of keys (sources:, pools:, profiles:, …)' }], warnings: [] };
  }
  const parsed = configSchema(ctx).safeParse(tree, { reportInput: true });
  const schemaErrors = parsed.success ? [] : issuesToProblems(parsed.error.issues, (segments) => keysAllowedAt(segments, tree));
  const cross = crossCheck(tree);
  const seen = new Set<string>();
  const errors = [...schemaErrors, ...cross.errors].filter((problem) => {
    const key = `${JSON.stringify(problem.segments)} ${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { config: errors.length === 0 && parsed.success ? parsed.data : null, errors, warnings: cross.warnings };
}
