// The config module's public edge. Loads the config file: read → YAML → `${…}` references → schema and
// cross checks side by side → a deeply frozen `SeatsyncConfig`. Any problem throws one ConfigError that
// lists them all; no message holds a secret.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { crossCheck } from './cross-checks.ts';
import { DEFAULTS } from './defaults.ts';
import { interpolateTree } from './interpolate.ts';
import { ConfigError, finalizeProblems, formatPath, issuesToProblems, type ConfigProblem, type ProblemContext, type RawProblem } from './problems.ts';
import { configSchema, keysAllowedAt, type SchemaContext } from './schema.ts';
import { collectSecretValues, registerSecrets } from './secrets.ts';
import type { SeatsyncConfig } from './types.ts';
import { asObject, present } from './values.ts';
import { readYaml } from './yaml-reader.ts';

export { ConfigError, describeConfigError, describeConfigWarnings } from './problems.ts';
export type { ConfigProblem } from './problems.ts';
export { redactedConfig } from './secrets.ts';
export { DEFAULTS } from './defaults.ts';
export type * from './types.ts';

export interface LoadConfigOptions {
  /** Config file; default `$SEATSYNC_CONFIG`, else `config/seatsync.yaml`. Relative to `cwd`. */
  readonly path?: string;
  /** Environment for `${NAME}` references and `SEATSYNC_CONFIG`; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Working directory for the config path and `dataDir`; default `process.cwd()`. */
  readonly cwd?: string;
  /** Reads `${file:…}` references; default `fs.readFileSync(path, 'utf8')`. */
  readonly readFile?: (absolutePath: string) => string;
}

export interface LoadedConfig {
  readonly config: SeatsyncConfig;
  /** Problems that did not stop loading; `seatsync check` prints them. */
  readonly warnings: readonly ConfigProblem[];
}

/** Which file `loadConfig` reads for these options (absolute). */
export function resolveConfigPath(options: Pick<LoadConfigOptions, 'path' | 'env' | 'cwd'> = {}): string {
  const env = options.env ?? process.env;
  const fromEnv = env.SEATSYNC_CONFIG === '' ? undefined : env.SEATSYNC_CONFIG;
  return path.resolve(options.cwd ?? process.cwd(), options.path ?? fromEnv ?? DEFAULTS.configPath);
}

/** The schema and the cross-key checks, run side by side so that every problem is reported at once. */
function validate(tree: unknown, ctx: SchemaContext) {
  if (asObject(tree) === undefined) {
    const message = present(tree) ? 'the config file must be a mapping of keys (sources:, pools:, profiles:, …)' : 'the config file is empty';
    return { parsed: null, errors: [{ segments: [], message }], warnings: [] };
  }
  const parsed = configSchema(ctx).safeParse(tree, { reportInput: true });
  const schemaErrors = parsed.success ? [] : issuesToProblems(parsed.error.issues, (segments) => keysAllowedAt(segments, tree));
  const cross = crossCheck(tree);
  const all = [...schemaErrors, ...cross.errors];
  const seen = new Set<string>();
  // The same problem found twice (by the schema and a cross check) is reported once.
  const errors = all.filter((p) => {
    const key = `${JSON.stringify(p.segments)} ${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { parsed: parsed.success ? parsed.data : null, errors, warnings: cross.warnings };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

const readUtf8 = (file: string): string => readFileSync(file, 'utf8');

/**
 * Parses config text as if read from `file` (its folder anchors relative paths). Throws ConfigError.
 * `loadConfig` is this plus reading the file; tests use it directly.
 */
export function parseConfigText(text: string, options: { readonly file: string } & Omit<LoadConfigOptions, 'path'>): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const file = path.resolve(cwd, options.file);
  const yaml = readYaml(text.replace(/^\uFEFF/, ''));
  if (!yaml.ok) throw new ConfigError(file, yaml.problems);
  const interpolated = interpolateTree(yaml.yaml.tree, {
    env: options.env ?? process.env,
    readFile: options.readFile ?? readUtf8,
    // Relative paths in the config (`path`, `tls.ca`, `certificatePath`, `${file:…}`, `dataDir`) are relative
    // to the working directory, as SPEC §4's example shows (`path: ./config/contractors.csv` next to
    // `config/seatsync.yaml`).
    baseDir: cwd,
  });
  const secretValues = new Set(interpolated.secretValues);
  const hidden = new Set<string>();
  collectSecretValues(interpolated.value, { secrets: secretValues, hidden });
  const validation = validate(interpolated.value, { baseDir: cwd });
  const context: ProblemContext = { ...interpolated, tree: interpolated.value, secretValues, lineOf: yaml.yaml.lineOf };
  // A value whose reference failed is not validated further: its error already says what to fix.
  const unresolved = interpolated.problems.map((p) => formatPath(p.segments));
  const consequences = (p: RawProblem): boolean => {
    const at = formatPath(p.segments);
    return unresolved.some((u) => at === u || at.startsWith(`${u}.`) || at.startsWith(`${u}[`));
  };
  const errors = finalizeProblems([...interpolated.problems, ...validation.errors.filter((p) => !consequences(p))], context);
  const warnings = finalizeProblems(validation.warnings, context);
  if (errors.length > 0 || validation.parsed === null) throw new ConfigError(file, errors);
  const config: SeatsyncConfig = { path: file, ...validation.parsed };
  registerSecrets(config, { secrets: secretValues, hidden });
  return { config: deepFreeze(config), warnings };
}

async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : 'cannot be read';
    const hint = code === 'ENOENT' ? ' (give --config PATH or set SEATSYNC_CONFIG)' : '';
    throw new ConfigError(file, [{ path: '', message: `${file}: ${reason}${hint}` }]);
  }
}

/** Loads, validates and normalizes the config, with the warnings found on the way. Throws ConfigError. */
export async function loadConfigWithWarnings(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const file = resolveConfigPath(options);
  const text = await readConfigFile(file);
  return parseConfigText(text, { ...options, file });
}

/** Loads, validates and normalizes the config (read-only). Throws ConfigError listing every problem. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<SeatsyncConfig> {
  return (await loadConfigWithWarnings(options)).config;
}
