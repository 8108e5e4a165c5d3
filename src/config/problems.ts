// Configuration problems: key paths, the ConfigError thrown by the loader, and its printable form.

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

/** Thrown by `loadConfig`: every problem of the file at once, none of them echoing a secret. */
export class ConfigError extends Error {
  readonly code = 'config' as const;
  readonly problems: readonly ConfigProblem[];
  /** Absolute path of the config file, when one was read. */
  readonly file: string | null;

  constructor(file: string | null, problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const where = file === null ? 'Invalid configuration' : `Invalid configuration in ${file}`;
    super(`${where} (${count}):\n${problems.map((p) => `  ${problemLine(p)}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
    this.file = file;
  }
}

/** Human-readable text for the CLI: one problem per line, with the line number when known. */
export function describeConfigError(error: unknown): string {
  if (!(error instanceof ConfigError)) return error instanceof Error ? error.message : String(error);
  const count = error.problems.length === 1 ? '1 problem' : `${error.problems.length} problems`;
  const header = error.file === null ? `Invalid configuration (${count}):` : `Invalid configuration in ${error.file} (${count}):`;
  const lines = error.problems.map((p) => {
    const at = p.line === undefined ? '' : ` (line ${p.line})`;
    return `  - ${problemLine(p)}${at}`;
  });
  return [header, ...lines].join('\n');
}

/** Describes warnings (problems that do not stop loading) the same way, for `check` and logs. */
export function describeConfigWarnings(warnings: readonly ConfigProblem[]): string {
  return warnings.map((w) => `  - warning: ${problemLine(w)}${w.line === undefined ? '' : ` (line ${w.line})`}`).join('\n');
}
