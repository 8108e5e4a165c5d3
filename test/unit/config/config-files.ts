// Test helpers: write YAML to temp files and load it with the real loader.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { ConfigError, loadConfigWithWarnings, type ConfigProblem, type LoadedConfig } from '../../../src/config/index.ts';

/** Removes the common indentation of a template literal, so YAML can be indented with the test code. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((out, s, i) => out + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^\n/, '').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join('\n');
}

export const MINIMAL_SOURCES = yaml`
  sources:
    - name: users
      kind: file
      path: users.csv
`;
export const MINIMAL_POOLS = yaml`
  pools:
    primary: { seats: 10 }
`;
export const MINIMAL_PROFILES = yaml`
  profiles:
    - name: staff
      pools: [primary]
`;

/**
 * A valid config; each section can be replaced, `policy` gives the `policy:` keys (each value as YAML:
 * `{ maxRemovals: '25', protect: '{ memberOf: [admins] }' }`), and `extra` is appended (top-level keys).
 */
export function configText(parts: { sources?: string; pools?: string; profiles?: string; policy?: Readonly<Record<string, string>>; extra?: string } = {}): string {
  const policy = parts.policy === undefined ? '' : ['policy:', ...Object.entries(parts.policy).map(([key, value]) => `  ${key}: ${value}`), ''].join('\n');
  return [parts.sources ?? MINIMAL_SOURCES, parts.pools ?? MINIMAL_POOLS, parts.profiles ?? MINIMAL_PROFILES, policy, parts.extra ?? ''].join('\n');
}

/** One source entry (list item) turned into a full config. */
export function withSource(entry: string, rest: { extra?: string } = {}): string {
  const indented = entry
    .split('\n')
    .map((l, i) => (i === 0 ? `  - ${l}` : `    ${l}`))
    .join('\n');
  return configText({ sources: `sources:\n${indented}\n`, ...rest });
}

export interface TempConfigDir {
  readonly dir: string;
  /** Writes a file under the temp dir (or at an absolute path inside it) and returns its absolute path. */
  write(name: string, content: string): string;
  /** Writes `text` to a new config file and loads it. */
  load(text: string, options?: { env?: Record<string, string>; cwd?: string }): Promise<LoadedConfig>;
  /** Loads `text` expecting a ConfigError; returns its problems. */
  problems(text: string, options?: { env?: Record<string, string> }): Promise<readonly ConfigProblem[]>;
  /** Loads `text` expecting a ConfigError; returns it. */
  error(text: string, options?: { env?: Record<string, string> }): Promise<ConfigError>;
  remove(): void;
}

export function tempConfigDir(label: string): TempConfigDir {
  const dir = mkdtempSync(path.join(tmpdir(), `seatsync-config-${label}-`));
  let counter = 0;
  const write = (name: string, content: string): string => {
    const file = path.resolve(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  };
  const load = (text: string, options: { env?: Record<string, string>; cwd?: string } = {}): Promise<LoadedConfig> => {
    counter += 1;
    const file = write(`config-${counter}.yaml`, text);
    return loadConfigWithWarnings({ path: file, env: options.env ?? {}, cwd: options.cwd ?? dir });
  };
  const error = async (text: string, options: { env?: Record<string, string> } = {}): Promise<ConfigError> => {
    const outcome = await load(text, options).then(
      () => null,
      (e: unknown) => e,
    );
    expect(outcome).toBeInstanceOf(ConfigError);
    return outcome as ConfigError;
  };
  return {
    dir,
    write,
    load,
    error,
    problems: async (text, options) => (await error(text, options)).problems,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `path: message` lines, the form ConfigError lists them in. */
export function lines(problems: readonly ConfigProblem[]): string[] {
  return problems.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`));
}
