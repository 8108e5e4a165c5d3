// The building blocks of the config schema, shared by src/config and the source kinds' schemas
// (src/sources/*/config.ts): leaf parsers, keys that take a string or a mapping, `schedule`, `tls`, the
// secret mark, and readers of the raw tree for the cross-key checks.
//
// Each leaf parser turns what YAML or a `${…}` reference produced (strings, mostly) into a typed value,
// or says in a few words what was expected. Messages never quote the value: the loader adds `(got "…")`
// itself when the value is not a secret.
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as CronParser from 'cron-parser';
import { z } from 'zod';
import { normalizeGroupKey } from '../domain/names.ts';
import { DEFAULTS } from './defaults.ts';
import type { PathSegment, RawProblem } from './problems.ts';

/**
 * How a key's value is secret, marked once in the schema with `.meta({ secret })`; the key lists read the
 * mark (`secretKeys` in schema.ts) and every protection follows from them:
 * - `true`: a secret. Never quoted in a message, scrubbed from every message and log line, `***` when the
 *   config is printed; the logger redacts the key by name.
 * - `'url-password'`: a URL whose user-info may carry a password: that password is treated as above, and a
 *   `${…}` reference substituted into the user-info is percent-encoded.
 * - `'digest'`: not a secret (a hash of one), so its own errors may quote it, but printed config shows `***`
 *   (a short token could be guessed from its hash).
 */
export type SecretMark = true | 'url-password' | 'digest';

declare module 'zod' {
  interface GlobalMeta {
    secret?: SecretMark;
    /** The mapping a key takes besides a string (`stringOrObject`), for the key lists. */
    mappingForm?: unknown;
  }
}

/** A job schedule: a cron expression or a fixed interval. */
export type Schedule = { readonly cron: string } | { readonly everyMs: number };

/** A parsed value, or what was expected; `at` points inside the value (`url[1]`) when a part is at fault. */
export type Parsed<T> = { readonly value: T } | { readonly error: string; readonly at?: readonly (string | number)[] };

export const ok = <T>(value: T): Parsed<T> => ({ value });
export const fail = (error: string, at?: readonly (string | number)[]): Parsed<never> => (at === undefined ? { error } : { error, at });

/** The parsed value, or an issue at the value (or inside it, `at`) and `z.NEVER`. */
function valueOrIssue<T>(result: Parsed<T>, input: unknown, ctx: z.core.$RefinementCtx): T {
  if ('value' in result) return result.value;
  ctx.issues.push({ code: 'custom', message: result.error, input, ...(result.at === undefined ? {} : { path: [...result.at] }) });
  return z.NEVER;
}

/** A required value: absent or null is "is required". */
export function required<T>(parse: (input: unknown) => Parsed<T>): z.ZodType<T> {
  return z.unknown().transform((input, ctx) => valueOrIssue(!present(input) ? fail('is required') : parse(input), input, ctx));
}

/**
 * An optional value: absent, null or `""` (as good as leaving the key out, like `key:`: an empty database
 * url means none) gives undefined, and the object's transform applies the default.
 */
export function optional<T>(parse: (input: unknown) => Parsed<T>): z.ZodType<T | undefined> {
  return z
    .unknown()
    .transform((input, ctx) => (!present(input) || (typeof input === 'string' && input.trim() === '') ? undefined : valueOrIssue(parse(input), input, ctx)))
    .optional(); // tells the object that the key may be absent
}

export function text(input: unknown): Parsed<string> {
  if (typeof input === 'number' || typeof input === 'boolean') return ok(String(input));
  if (typeof input !== 'string') return fail('must be a string');
  const trimmed = input.trim();
  return trimmed === '' ? fail('must not be empty') : ok(trimmed);
}

/** A secret as given: not trimmed (a password may end in a space), but not empty. */
export function secretText(input: unknown): Parsed<string> {
  if (typeof input !== 'string') return fail('must be a string');
  return input === '' ? fail('must not be empty') : ok(input);
}

/** Text (see `text`) that passes `test`; else `message`. */
export function textThat(test: (value: string) => boolean, message: string): (input: unknown) => Parsed<string> {
  return (input) => {
    const t = text(input);
    return 'error' in t || test(t.value) ? t : fail(message);
  };
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const NAME_RULE = 'must be lowercase letters, digits, "-" and "_", starting with a letter or digit (at most 63)';
export const isValidName = (value: string): boolean => NAME.test(value);

/** Names of sources, pools and profiles: they appear in URLs, CLI options and audit rows. */
export const name = textThat(isValidName, NAME_RULE);

export function wholeNumber(options: { min: number; max?: number }): (input: unknown) => Parsed<number> {
  const range = options.max === undefined ? `≥ ${options.min}` : `from ${options.min} to ${options.max}`;
  return (input) => {
    const raw = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim() : '';
    const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    const fits = Number.isSafeInteger(n) && n >= options.min && (options.max === undefined || n <= options.max);
    return fits ? ok(n) : fail(`must be a whole number ${range}`);
  };
}

/** One of `values`, as given (`deprovision: delete`). */
export function oneOf<const T extends string>(...values: T[]): (input: unknown) => Parsed<T> {
  return (input) => (values.includes(input as T) ? ok(input as T) : fail(`must be ${values.join(' or ')}`));
}

export function boolean(input: unknown): Parsed<boolean> {
  if (typeof input === 'boolean') return ok(input);
  const t = typeof input === 'string' ? input.trim().toLowerCase() : '';
  if (t === 'true') return ok(true);
  if (t === 'false') return ok(false);
  return fail('must be true or false');
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d+)\s*(ms|s|m|h|d|w)$/;
const lower = (input: unknown): string => (typeof input === 'string' ? input.trim().toLowerCase() : '');

/** `15m`, `24h`, `7d` → milliseconds. */
export function positiveDuration(input: unknown): Parsed<number> {
  const match = DURATION.exec(lower(input));
  const ms = match === null ? 0 : Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
  return ms > 0 && Number.isSafeInteger(ms) ? ok(ms) : fail('must be a duration like 30s, 15m, 24h or 7d');
}

/** A duration, or `off` → null. */
export function durationOrOff(input: unknown): Parsed<number | null> {
  if (lower(input) === 'off') return ok(null);
  const d = positiveDuration(input);
  return 'error' in d ? fail('must be a duration like 30s, 15m, 24h or 7d, or off') : d;
}

const RUNS = /^(\d+)\s*runs?$/;

/**
 * `notify.failureAfter`: a duration (`1h`: since the first failed run of an outage), a number of failed
 * runs in a row (`3 runs`), or `off`.
 */
export function failureThreshold(input: unknown): Parsed<{ afterMs: number } | { afterRuns: number } | null> {
  const expected = 'must be a duration like 30m or 1h, a number of runs like 3 runs, or off';
  const runs = RUNS.exec(lower(input));
  if (runs !== null) {
    const n = Number(runs[1]);
    return n >= 1 && Number.isSafeInteger(n) ? ok({ afterRuns: n }) : fail(expected);
  }
  const d = durationOrOff(input);
  if ('error' in d) return fail(expected);
  return ok(d.value === null ? null : { afterMs: d.value });
}

const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;

/** `10%` → `{ percent: 10 }`; `25` → `{ count: 25 }`. */
export function percentOrCount(input: unknown): Parsed<{ percent: number } | { count: number }> {
  const t = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim() : '';
  const match = PERCENT.exec(t);
  if (match !== null) {
    const percent = Number(match[1]);
    return percent <= 100 ? ok({ percent }) : fail('must be a percentage up to 100% or a whole number of accounts');
  }
  const count = wholeNumber({ min: 0 })(t);
  return 'value' in count ? ok({ count: count.value }) : fail('must be a percentage like 10% or a whole number of accounts');
}

/** `90%` → 0.9. */
export function fraction(input: unknown): Parsed<number> {
  const t = typeof input === 'string' ? input.trim() : '';
  const match = PERCENT.exec(t);
  const percent = match === null ? Number.NaN : Number(match[1]);
  return percent > 0 && percent <= 100 ? ok(percent / 100) : fail('must be a percentage from 1% to 100%, like 90%');
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;
const NAMED_EMAIL = /^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/;

/** `someone@example.test` or `Licenses <licenses@example.test>`. */
export const email = textThat((v) => EMAIL.test(v) || NAMED_EMAIL.test(v), 'must be an email address');

/** A URL whose scheme is one of `schemes` (given without `://`). */
export function url(schemes: readonly string[]): (input: unknown) => Parsed<string> {
  const expected = `must be ${schemes.map((s) => `${s}://`).join(' or ')}`;
  return (input) => {
    const t = text(input);
    if ('error' in t) return t;
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(t.value)?.[1]?.toLowerCase();
    if (scheme === undefined || !schemes.includes(scheme)) return fail(expected);
    try {
      new URL(t.value);
    } catch {
      return fail(`is not a valid URL (${expected.replace(/^must be /, 'expected ')})`);
    }
    return t;
  };
}

/** The keys of `tls:` of a connection seatsync opens: an extra CA (PEM) the server is checked against, and whether it is. */
export const tlsKeys = { ca: optional(text), rejectUnauthorized: optional(boolean) };
export const tlsInput = z.strictObject(tlsKeys).nullish();

/** `tls:` normalized: the CA file's absolute path (or null) and whether the server's certificate is checked. */
export function toTls(v: z.output<typeof tlsInput>, baseDir: string) {
  return { caFile: v?.ca === undefined ? null : path.resolve(baseDir, v.ca), rejectUnauthorized: v?.rejectUnauthorized ?? true };
}

/** Each RDN of a DN (RFC 4514): `type=value`, several joined by `+`; the type a name or an OID. */
const RDN_PART = /^\s*(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)\s*=/;

/** Whether `value` is an LDAP DN: RDNs separated by unescaped commas, each `type=value` (values may be escaped). */
export function isDn(value: string): boolean {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i += 1) {
    if (value[i] === '\\') i += 1;
    else if (value[i] === ',' || value[i] === '+') {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts.every((part) => RDN_PART.test(part));
}

/** An LDAP DN, like `ou=people,dc=example,dc=org`. */
export const dn = textThat(isDn, 'must be a DN, like ou=people,dc=example,dc=org');

/** A string or a list of strings → a non-empty list; numbers and booleans become their text. */
export const textList = (input: unknown): Parsed<string[]> => listOf(text)(input);

/** A single value or a list of them → a non-empty list, each item parsed by `item` (errors point at the item). */
export function listOf<T>(item: (input: unknown) => Parsed<T>): (input: unknown) => Parsed<T[]> {
  return (input) => {
    const isList = Array.isArray(input);
    const items: unknown[] = isList ? input : [input];
    if (items.length === 0) return fail('must not be an empty list');
    const out: T[] = [];
    for (const [index, value] of items.entries()) {
      if (value !== null && typeof value === 'object') return fail('must be a string or a list of strings', isList ? [index] : undefined);
      const parsed = item(value);
      if ('error' in parsed) return isList ? fail(parsed.error, [index]) : parsed;
      out.push(parsed.value);
    }
    return ok(out);
  };
}

/** Group keys (DN, name or object id) and DN suffixes, normalized for comparison. */
export function groupKeyList(input: unknown): Parsed<string[]> {
  const list = textList(input);
  return 'error' in list ? list : ok(list.value.map(normalizeGroupKey));
}

/** An LDAP filter: one parenthesized expression with balanced parentheses (its shape, not a full parse). */
export const ldapFilter = textThat((filter) => {
  let depth = 0;
  for (let i = 0; i < filter.length; i += 1) {
    const c = filter[i];
    if (c === '\\') i += 1; // an escape such as \28 never opens or closes
    else if (c === '(') depth += 1;
    else if (c === ')') {
      depth -= 1;
      if (depth < 0 || (depth === 0 && i !== filter.length - 1)) return false;
    }
  }
  return filter.startsWith('(') && depth === 0;
}, 'must be an LDAP filter in parentheses, like (department=*)');

/**
 * cron-parser (with luxon under it), loaded when a config has a cron expression rather than at every
 * command's start. Required, not imported: the schema's checks run synchronously.
 */
const cronParser = (): typeof CronParser => createRequire(import.meta.url)('cron-parser') as typeof CronParser;

/** The five cron fields (minute hour day-of-month month day-of-week) and how many values each has. */
const CRON_FIELDS = [['minute', 60], ['hour', 24], ['day of month', 31], ['month', 12], ['day of week', 7]] as const;

/**
 * A cron expression of exactly 5 fields (no seconds: a schedule runs at most once a minute), as
 * cron-parser and BullMQ's job schedulers read it. Steps are checked here for a message naming the field;
 * the parser checks the rest.
 */
function cronExpression(input: unknown): Parsed<string> {
  const t = text(input);
  if ('error' in t) return t;
  const fields = t.value.trim().split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) {
    return fail(`must be a cron expression of 5 fields (minute hour day-of-month month day-of-week) like "*/15 * * * *", got ${fields.length}`);
  }
  for (const [index, field] of fields.entries()) {
    const [fieldName, span] = CRON_FIELDS[index] ?? ['field', 60];
    // A step (`*\/N`, `a-b/N`) must be a whole number from 1 to the number of values of its field.
    for (const part of field.split(',').filter((p) => p.includes('/'))) {
      const step = part.slice(part.indexOf('/') + 1);
      const value = /^\d+$/.test(step) ? Number(step) : Number.NaN;
      if (!(value >= 1 && value <= span)) {
        return fail(`must be a cron expression like "*/15 * * * *": the ${fieldName} step "${step}" in "${field}" must be from 1 to ${span}`);
      }
    }
  }
  try {
    cronParser().CronExpressionParser.parse(t.value);
    return t;
  } catch (error) {
    return fail(`must be a cron expression like "*/15 * * * *" (${(error as Error).message})`);
  }
}

/**
 * A key that takes a string or a mapping (`schedule:` takes a cron string or `{ every: 15m }`). A zod
 * union would report both branches' failures; this dispatches on the value's type instead, so the message
 * is about the form the user chose. The mapping's schema is kept in the metadata, for the key lists.
 */
export function stringOrObject<T, O extends z.ZodType>(options: {
  readonly parseString: (input: string) => Parsed<T>;
  readonly object: O;
  /** What to say when the value is neither, e.g. 'must be a cron expression or { every: 15m }'. */
  readonly expected: string;
}): z.ZodType<T | z.output<O> | undefined> {
  // These keys are all optional: absent or empty gives undefined and the default applies.
  const schema = z.unknown().transform((input, ctx): T | z.output<O> | undefined => {
    if (!present(input)) return undefined;
    if (asObject(input) === undefined) return valueOrIssue(typeof input === 'string' ? options.parseString(input) : fail(options.expected), input, ctx);
    const parsed = options.object.safeParse(input, { reportInput: true });
    if (parsed.success) return parsed.data;
    // The nested issues keep their own codes (unknown keys stay unknown keys); zod prefixes our path.
    for (const issue of parsed.error.issues) ctx.issues.push(issue as unknown as z.core.$ZodRawIssue);
    return z.NEVER;
  });
  return schema.meta({ mappingForm: options.object }).optional(); // optional: the key may be absent
}

/** Shortest `{ every }`: a sync more often than this would only queue behind the last (ms). */
const MIN_SCHEDULE_EVERY_MS = 60_000;

function scheduleInterval(input: unknown): Parsed<number> {
  const every = positiveDuration(input);
  return 'value' in every && every.value < MIN_SCHEDULE_EVERY_MS ? fail('must be at least 1m (one minute)') : every;
}

/** `schedule:` of a source or a target: cron, `{ every: 15m }` or `off`. */
export const schedule = stringOrObject({
  parseString: (input): Parsed<Schedule | null> => {
    if (input.trim().toLowerCase() === 'off') return ok(null);
    const cron = cronExpression(input);
    return 'error' in cron ? cron : ok({ cron: cron.value });
  },
  object: z.strictObject({ every: required(scheduleInterval) }).transform((v): Schedule => ({ everyMs: v.every })),
  expected: 'must be a cron expression like "*/15 * * * *", { every: 15m } or off',
});

/**
 * The time zone every cron schedule is read in, by the worker's job schedulers (jobs/schedulers.ts) and by
 * `scheduledAfter` alike, whatever the time zone of the process: a worker and a `seatsync status` run
 * elsewhere agree on when a run is due.
 */
export const SCHEDULE_TIME_ZONE = 'UTC';

/**
 * The first two times `schedule` has a run after `after`. A cron expression is read as BullMQ's job
 * schedulers read it (cron-parser, in `SCHEDULE_TIME_ZONE`); an interval counts from `after`, at the
 * latest (BullMQ may align it earlier).
 */
export function scheduledAfter(schedule: Schedule, after: Date): { readonly first: Date; readonly second: Date } {
  if ('everyMs' in schedule) return { first: new Date(after.getTime() + schedule.everyMs), second: new Date(after.getTime() + 2 * schedule.everyMs) };
  const times = cronParser().CronExpressionParser.parse(schedule.cron, { currentDate: after, tz: SCHEDULE_TIME_ZONE });
  const first = times.next().toDate();
  return { first, second: times.next().toDate() };
}

/** `scheduleText` of no schedule (`off`: manual syncs only). */
export const NO_SCHEDULE_TEXT = 'off';

/** A schedule as one text (`off` for none), the same whichever way the config wrote it: equal texts, the same times. */
export function scheduleText(schedule: Schedule | null): string {
  if (schedule === null) return NO_SCHEDULE_TEXT;
  return 'cron' in schedule ? `cron ${schedule.cron.trim().split(/\s+/).join(' ')}` : `every ${schedule.everyMs}ms`;
}

/**
 * The schedule `scheduleText` wrote (null: `off`); undefined for any other text (another version's, or
 * one edited by hand, a cron expression the config would refuse included): its reader falls back to the
 * config's schedule rather than failing.
 */
export function scheduleOfText(text: string): Schedule | null | undefined {
  if (text === NO_SCHEDULE_TEXT) return null;
  if (text.startsWith('cron ')) {
    const cron = cronExpression(text.slice('cron '.length));
    return 'error' in cron ? undefined : { cron: cron.value };
  }
  const every = /^every (\d+)ms$/.exec(text)?.[1];
  return every !== undefined && Number(every) > 0 ? { everyMs: Number(every) } : undefined;
}

/** A source's `schedule` (absent: the default interval; `off`: null, manual syncs only) and `fullEvery`. */
export function sourceTiming(v: { readonly schedule?: Schedule | null | undefined; readonly fullEvery?: number | undefined }) {
  return { schedule: v.schedule === undefined ? { everyMs: DEFAULTS.scheduleEveryMs } : v.schedule, fullEveryMs: v.fullEvery ?? DEFAULTS.fullEveryMs };
}

// Readers of the raw (interpolated, unvalidated) tree, for the cross-key checks: they run even when the
// schema rejected other parts of the file, so every problem is reported at once.

export type RawMapping = Readonly<Record<string, unknown>>;

export const asObject = (v: unknown): RawMapping | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as RawMapping) : undefined);
export const asList = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
export const asText = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
export const present = (v: unknown): boolean => v !== undefined && v !== null;
export const isTrue = (v: unknown): boolean => v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
export const textOrList = (v: unknown): readonly string[] => (Array.isArray(v) ? v : [v]).flatMap((x) => asText(x) ?? []);

/** One of two keys, not both: `a` is required (`or` says what else does), and `b` is reported when both are given. */
export function oneOfKeys(mapping: RawMapping, [a, b]: readonly [string, string], or: string, at: readonly PathSegment[], errors: RawProblem[]): void {
  if (!present(mapping[a]) && !present(mapping[b])) errors.push({ segments: [...at, a], message: `is required (or ${or})` });
  if (present(mapping[a]) && present(mapping[b])) errors.push({ segments: [...at, b], message: `give ${a} or ${b}, not both` });
}
