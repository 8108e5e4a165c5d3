// Which configuration values are secrets, and the redacted view of a config for `check` output and logs.
import type { SeatsyncConfig, SourceConfig, TargetConfig } from './types.ts';

/** Keys whose value is a secret wherever they appear (`bindPassword`, `clientSecret`, `password`). */
const SECRET_KEY = /(password|secret|passphrase|privatekey|apikey|token)$/i;

/** Environment variable names that hold secrets by convention (`SMTP_PASSWORD`, `ENTRA_CLIENT_SECRET`). */
const SECRET_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|PASSPHRASE|PRIVATE_?KEY|API_?KEY|CREDENTIAL)/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV.test(name);
}

export const REDACTED = '***';

/**
 * Secrets shorter than this are not searched for in messages: replacing every "a" in a message would
 * make it unreadable, and messages never quote secret values in the first place (this is a second line).
 */
const MIN_SCRUB_LENGTH = 4;

/** Config keys holding URLs whose user-info may carry a password. */
export const CREDENTIAL_URL_KEYS: ReadonlySet<string> = new Set(['database.url', 'redis.url']);

/**
 * The ways a secret can appear in output: as is, percent-encoded (inside a URL) and JSON-escaped (in
 * a log line), longest first so that no form is left half replaced.
 */
function secretForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of a known secret value (in any of its forms) in a text with `***`. */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < MIN_SCRUB_LENGTH) continue;
    for (const form of secretForms(secret)) out = out.split(form).join(REDACTED);
  }
  return out;
}

// Every secret any config loaded in this process held: logs and error messages are scrubbed of them
// whatever path a value took to get there (a library's error quoting a connection URL, say).
const processSecrets = new Set<string>();

export function rememberSecrets(secrets: Iterable<string>): void {
  for (const secret of secrets) processSecrets.add(secret);
}

/** `text` without any secret a config of this process held. */
export function scrubKnownSecrets(text: string): string {
  return processSecrets.size === 0 ? text : scrubSecrets(text, processSecrets);
}

/** Characters a URL's user-info may hold as they are (RFC 3986 unreserved, sub-delims and ":"). */
const USERINFO_SAFE = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*$/;

/**
 * A value substituted into the user-info of a URL (`postgres://app:${file:/run/secrets/pw}@db/app`):
 * percent-encoded unless it already is valid there, so a password with `@ / # ?` stays one password
 * instead of moving the URL's host, path or fragment.
 */
export function userInfoValue(value: string): string {
  return USERINFO_SAFE.test(value) ? value : encodeURIComponent(value);
}

/** `postgres://user:pw@host/db` → `postgres://user:***@host/db`; other strings unchanged. */
export function maskUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = REDACTED;
    return parsed.toString();
  } catch {
    return url;
  }
}

// Secret values seen while loading each config (file contents, secret env vars), so that
// `redactedConfig` also hides them when they were placed under a key that is not secret by name.
const loadedSecrets = new WeakMap<object, ReadonlySet<string>>();

export function registerSecrets(config: object, secrets: ReadonlySet<string>): void {
  loadedSecrets.set(config, secrets);
  rememberSecrets(secrets);
}

function redactSource(source: SourceConfig): SourceConfig {
  switch (source.kind) {
    case 'ldap':
      return { ...source, bindPassword: source.bindPassword === null ? null : REDACTED };
    case 'entra':
      return source.credential.kind === 'secret'
        ? { ...source, credential: { kind: 'secret', clientSecret: REDACTED } }
        : source;
    case 'file':
      return source;
  }
}

function redactTarget(target: TargetConfig): TargetConfig {
  switch (target.kind) {
    case 'scim':
      return {
        ...target,
        auth: target.auth.kind === 'token' ? { kind: 'token', token: REDACTED } : { ...target.auth, clientSecret: REDACTED },
      };
    case 'webhook':
      return { ...target, secret: REDACTED };
  }
}

function redactStrings(value: unknown, secrets: ReadonlySet<string>): unknown {
  if (typeof value === 'string') return scrubSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, secrets));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item, secrets)]));
  }
  return value;
}

/** A copy of the config with every secret replaced by `***`, safe to print or log. */
export function redactedConfig(config: SeatsyncConfig): SeatsyncConfig {
  const transport = config.notify?.transport;
  const notify =
    config.notify === null || transport?.kind !== 'smtp'
      ? config.notify
      : {
          ...config.notify,
          transport: {
            kind: 'smtp' as const,
            smtp: { ...transport.smtp, password: transport.smtp.password === null ? null : REDACTED },
          },
        };
  const redacted: SeatsyncConfig = {
    ...config,
    database: { url: config.database.url === null ? null : maskUrlPassword(config.database.url) },
    redis: { ...config.redis, url: maskUrlPassword(config.redis.url) },
    sources: config.sources.map(redactSource),
    notify,
    targets: config.targets.map(redactTarget),
    // Token hashes are not secrets, but short tokens can be guessed from them: keep them out of output.
    http: { ...config.http, tokens: config.http.tokens.map((t) => ({ ...t, sha256: REDACTED })) },
  };
  return redactStrings(redacted, loadedSecrets.get(config) ?? new Set()) as SeatsyncConfig;
}
