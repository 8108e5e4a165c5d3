// Public edge of the config module: load the YAML into a read-only `SeatsyncConfig`, describe its problems.
export { loadConfig, loadConfigWithWarnings, parseConfigText, resolveConfigPath } from './load.ts';
export type { LoadConfigOptions, LoadedConfig } from './load.ts';
export { ConfigError, describeConfigError, describeConfigWarnings } from './problems.ts';
export type { ConfigProblem } from './problems.ts';
export { redactedConfig } from './secrets.ts';
export { DEFAULTS } from './defaults.ts';
export type * from './types.ts';
