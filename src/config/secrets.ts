// Which configuration values are secret, and every protection that follows. The list is the schema's: each
// secret key carries `.meta({ secret })` (values.ts `SecretMark`), read from the zod schemas themselves
// (`secretKeys`, schema.ts). From it come the values never quoted in messages, the values scrubbed from
// every message and log line, the logger's redacted keys, the percent-encoding of `${…}` in URL user-info,
// and the redacted view of a config for `check --show-config`.
import { maskUrlPassword } from '../url-password.ts';
import type { PathSegment } from './problems.ts';
import { schemaPathOf, secretKeys } from './schema.ts';
import type { SeatsyncConfig } from './types.ts';

/** Environment variable names that hold secrets by convention (`SMTP_PASSWORD`, `ENTRA_CLIENT_SECRET`). */
const SECRET_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|PASSPHRASE|PRIVATE_?KEY|API_?KEY|CREDENTIAL)/i;

export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV.test(name);
}

const REDACTED = '***';

let names: readonly string[] | undefined;

/** The names of the keys marked secret (`bindPassword`, `clientSecret`, `password`, …), for the logger. */
export function secretKeyNames(): readonly string[] {
  names ??= [...new Set([...secretKeys()].flatMap(([key, mark]) => (mark === true ? [key.slice(key.lastIndexOf('.') + 1)] : [])))];
  return names;
}

const markAt = (segments: readonly PathSegment[], tree: unknown) => secretKeys().get(schemaPathOf(segments, tree));

let lowerNames: ReadonlySet<string> | undefined;

/** Under a key with a secret key's name: by name, so a password given under the wrong source kind counts too. */
function underSecretKey(segments: readonly PathSegment[]): boolean {
  const secret = (lowerNames ??= new Set(secretKeyNames().map((n) => n.toLowerCase())));
  return segments.some((s) => typeof s === 'string' && secret.has(s.toLowerCase()));
}

/** Whether the value at `segments` of the raw `tree` is never quoted in messages: a secret, or a credential URL. */
export function isSecretPath(segments: readonly PathSegment[], tree: unknown): boolean {
  return underSecretKey(segments) || markAt(segments, tree) === 'url-password';
}

/** Whether the value at `segments` is a URL whose user-info may carry a password. */
export function isCredentialUrl(segments: readonly PathSegment[], tree: unknown): boolean {
  return markAt(segments, tree) === 'url-password';
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

/**
 * The values of `tree` that the marks make secret: strings under secret keys and passwords inside
 * credential URLs (`secrets`, scrubbed everywhere), and digests (`hidden`, only kept out of printed config).
 */
export function collectSecretValues(tree: unknown, into: { readonly secrets: Set<string>; readonly hidden: Set<string> }): void {
  const visit = (node: unknown, segments: PathSegment[]): void => {
    if (typeof node === 'string') {
      if (underSecretKey(segments)) into.secrets.add(node);
      const mark = markAt(segments, tree);
      const password = mark === 'url-password' ? urlPassword(node) : undefined;
      if (password !== undefined) into.secrets.add(password);
      if (mark === 'digest') into.hidden.add(node.trim().toLowerCase()); // hex: compared in lowercase
    } else if (Array.isArray(node)) node.forEach((item, index) => visit(item, [...segments, index]));
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) visit(value, [...segments, key]);
    }
  };
  visit(tree, []);
}

/**
 * Secrets shorter than this are not searched for in messages: replacing every "a" in a message would
 * make it unreadable, and messages never quote secret values in the first place (this is a second line).
 */
const MIN_SCRUB_LENGTH = 4;

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

interface LoadedSecrets {
  readonly secrets: ReadonlySet<string>;
  readonly hidden: ReadonlySet<string>;
}

// The secret values of each loaded config (under marked keys, read from files and secret variables).
const loadedSecrets = new WeakMap<object, LoadedSecrets>();

export function registerSecrets(config: object, values: LoadedSecrets): void {
  loadedSecrets.set(config, values);
  for (const secret of values.secrets) processSecrets.add(secret);
}

function redactValue(value: unknown, loaded: LoadedSecrets): unknown {
  if (typeof value === 'string') {
    if (loaded.secrets.has(value) || loaded.hidden.has(value.toLowerCase())) return REDACTED;
    // A string that is no URL is left as the scrub made it.
    const scrubbed = scrubSecrets(value, loaded.secrets);
    return maskUrlPassword(scrubbed) ?? scrubbed;
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, loaded));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, loaded)]));
  }
  return value;
}

/**
 * A copy of the config with every secret value (as marked in the schema, or read from a file or secret
 * variable) and every URL password replaced by `***`, safe to print or log.
 */
export function redactedConfig(config: SeatsyncConfig): SeatsyncConfig {
  return redactValue(config, loadedSecrets.get(config) ?? { secrets: new Set(), hidden: new Set() }) as SeatsyncConfig;
}
