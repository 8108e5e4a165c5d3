// The zod schema of the config YAML (SPEC §4), producing the normalized config (types.ts derives its types
// from it). Unknown keys are errors everywhere (strict objects), so typos are caught with their path. Each
// source kind's schema sits beside its adapter (src/sources/KIND/config.ts) and is listed in SOURCE_KINDS.
// The key lists ("did you mean", docs/configuration.md) and the secret marks are read from the schema
// itself (`listConfigKeys`, `secretKeys`).
import path from 'node:path';
import { z } from 'zod';
import type { MatchRule } from '../domain/types.ts';
import { entraSource } from '../sources/entra/config.ts';
import { fileSource } from '../sources/file/config.ts';
import { ldapSource } from '../sources/ldap/config.ts';
import type { CrossCheckResult } from './cross-checks.ts';
import { DEFAULTS } from './defaults.ts';
import type { PathSegment } from './problems.ts';
import {
  asObject, boolean, durationOrOff, email, fail, failureThreshold, fraction, groupKeyList, listOf, name, ok, oneOf, optional, percentOrCount,
  positiveDuration, required, schedule, secretText, text, textList, textThat, tlsInput, toTls, url, wholeNumber, type Parsed, type RawMapping, type SecretMark,
} from './values.ts';

/** Relative paths in the config (`path`, `tls.ca`, `certificatePath`, `dataDir`) are resolved against `baseDir`. */
export interface SchemaContext {
  readonly baseDir: string;
}

/** What a source kind gives the config loader (src/sources/KIND/config.ts). */
export interface SourceKind {
  /** The kind's entry of `sources:`: a strict mapping with `kind: z.literal(KIND)`, normalized. */
  readonly schema: (ctx: SchemaContext) => z.ZodType;
  /** Checks between its keys, on the raw entry (so they run even when the schema rejected other keys). */
  readonly check?: (source: RawMapping, at: (...rest: PathSegment[]) => PathSegment[], out: CrossCheckResult) => void;
}

/** Every source kind, in the order messages list them; the key of each is its `kind:`. */
export const SOURCE_KINDS = { ldap: ldapSource, entra: entraSource, file: fileSource } as const;

type KindSchema = ReturnType<(typeof SOURCE_KINDS)[keyof typeof SOURCE_KINDS]['schema']>;

const matchRuleInput = z
  .strictObject({
    memberOf: optional(groupKeyList),
    dn: optional(groupKeyList),
    attribute: z.record(z.string(), required(textList)).nullish(),
  })
  // A rule without keys is reported by the cross checks, which see the raw mapping (unknown keys included).
  .transform((v): MatchRule => {
    const attribute = v.attribute ?? undefined;
    return {
      ...(v.memberOf === undefined ? {} : { memberOf: v.memberOf }),
      ...(v.dn === undefined ? {} : { dn: v.dn }),
      ...(attribute === undefined ? {} : { attribute }),
    };
  });

/** Pools a profile needs: a list of pool names, possibly empty (the profile uses no seat). */
function poolNames(input: unknown): Parsed<string[]> {
  if (Array.isArray(input) && input.length === 0) return ok([]);
  if (asObject(input) !== undefined) return fail('must be a list of pool names, like [primary]');
  return listOf(name)(input);
}

const pools = z
  .record(z.string(), z.strictObject({ seats: required(wholeNumber({ min: 0 })), notify: optional(email) }))
  // `notify`: the recipient of this pool's emails; null: `notify.to`.
  .transform((v) => Object.entries(v).map(([poolName, pool]) => ({ name: poolName, seats: pool.seats, notify: pool.notify ?? null })));

const NO_KEYS: MatchRule = {};

const profile = z
  .strictObject({ name: required(name), when: matchRuleInput.nullish(), pools: required(poolNames) })
  // `when:` with nothing after it is a `when` with no keys (reported by the cross checks), not a missing one.
  .transform((v) => ({ name: v.name, when: v.when === null ? NO_KEYS : (v.when ?? null), pools: v.pools }));

const policy = z
  .strictObject({
    graceDays: optional(wholeNumber({ min: 0, max: 3650 })),
    maxRemovals: optional(percentOrCount),
    protect: matchRuleInput.nullish(),
    purgeRemovedAfter: optional(durationOrOff),
  })
  .nullish()
  .transform((v) => ({
    graceDays: v?.graceDays ?? DEFAULTS.graceDays,
    // Never fewer than 5 accounts (SPEC rule 10).
    maxRemovals: v?.maxRemovals ?? { ...DEFAULTS.maxRemovals },
    protect: v?.protect ?? null,
    purgeRemovedAfterMs: v?.purgeRemovedAfter ?? null,
  }));

const HOW_TO_HASH = `make a token and its hash with: TOKEN=$(openssl rand -hex 24); printf '%s' "$TOKEN" | sha256sum`;
/** The sha256 of the empty string: a token nobody has to know. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Lowercase hex. */
function sha256Hex(input: unknown): Parsed<string> {
  const t = text(input);
  if ('error' in t) return t;
  if (!/^[0-9a-f]{64}$/i.test(t.value)) return fail(`must be the sha256 of the token, 64 hex characters; ${HOW_TO_HASH}`);
  return t.value.toLowerCase() === EMPTY_SHA256 ? fail(`is the sha256 of an empty token; ${HOW_TO_HASH}`) : ok(t.value.toLowerCase());
}

const token = z.strictObject({ name: required(name), sha256: required(sha256Hex).meta({ secret: 'digest' }), role: required(oneOf('read', 'admin')) });

const http = z
  .strictObject({
    host: optional(text),
    // 0: a port the system picks; the worker logs the address it listens on (`url`) when it has started.
    port: optional(wholeNumber({ min: 0, max: 65535 })),
    publicUrl: optional(url(['http', 'https'])),
    tokens: z.array(token).nullish(),
  })
  .nullish()
  .transform((v) => ({
    host: v?.host ?? DEFAULTS.httpHost,
    port: v?.port ?? DEFAULTS.httpPort,
    publicUrl: v?.publicUrl ?? null,
    tokens: v?.tokens ?? [],
  }));

// Braces allowed: a `{hash tag}` keeps BullMQ's keys in one Redis Cluster slot.
const redisPrefix = textThat((v) => /^[A-Za-z0-9_.{}-]+$/.test(v), 'must be letters, digits, ".", "-", "_" or {braces}');

const databaseInput = z.strictObject({ url: optional(url(['postgres', 'postgresql'])).meta({ secret: 'url-password' }) });
const redisInput = z.strictObject({ url: optional(url(['redis', 'rediss'])).meta({ secret: 'url-password' }), prefix: optional(redisPrefix) });

/** The input shape of the whole file. */
function configInput(ctx: SchemaContext) {
  return z.strictObject({
    database: databaseInput.nullish(),
    dataDir: optional(text),
    redis: redisInput.nullish(),
    sources: z
      .array(z.discriminatedUnion('kind', Object.values(SOURCE_KINDS).map((kind) => kind.schema(ctx)) as [KindSchema, ...KindSchema[]]))
      .min(1, 'must list at least one source'),
    pools,
    profiles: z.array(profile).min(1, 'must list at least one profile'),
    policy,
    notify: notifySchema(ctx),
    targets: z.array(targetSchema(ctx)).nullish(),
    http,
  });
}

export function configSchema(ctx: SchemaContext) {
  return configInput(ctx).transform((v) => ({
    database: { url: v.database?.url ?? null },
    dataDir: path.resolve(ctx.baseDir, v.dataDir ?? DEFAULTS.dataDir),
    redis: { url: v.redis?.url ?? DEFAULTS.redisUrl, prefix: v.redis?.prefix ?? DEFAULTS.redisPrefix },
    sources: v.sources,
    pools: v.pools,
    profiles: v.profiles,
    policy: v.policy,
    notify: v.notify,
    /** Applications provisioned from the seat decisions. */
    targets: v.targets ?? [],
    http: v.http,
  }));
}

// `notify:` — the responsible person's address and the mail transport (SPEC §3).

const smtpInput = z.strictObject({
  host: required(text),
  port: optional(wholeNumber({ min: 1, max: 65535 })),
  secure: optional(boolean),
  requireTls: optional(boolean),
  user: optional(text),
  password: optional(secretText).meta({ secret: true }),
  tls: tlsInput,
});

const notifyInput = z.strictObject({
  to: required(email),
  from: optional(email),
  smtp: smtpInput.nullish(),
  graph: z.strictObject({ source: required(name), sender: required(email) }).nullish(),
  log: optional(boolean),
  remindEvery: optional(durationOrOff),
  warnAt: optional(fraction),
  failureAfter: optional(failureThreshold),
});

function toSmtp(v: z.output<typeof smtpInput>, baseDir: string) {
  // Port 465 is implicit TLS (SMTPS); anything else starts in clear and upgrades with STARTTLS.
  const secure = v.secure ?? v.port === DEFAULTS.smtpSecurePort;
  return {
    host: v.host,
    port: v.port ?? (secure ? DEFAULTS.smtpSecurePort : DEFAULTS.smtpPort),
    secure,
    // With credentials on a plain connection, STARTTLS is required by default: otherwise a server (or a
    // man in the middle) that offers no STARTTLS would receive the password in clear.
    requireTls: v.requireTls ?? (!secure && v.user !== undefined),
    user: v.user ?? null,
    password: v.password ?? null,
    ...toTls(v.tls, baseDir),
  };
}

function toTransport(v: z.output<typeof notifyInput>, baseDir: string) {
  // Exactly one transport is enforced by the relation checks; this order only picks a result.
  if (v.smtp !== undefined && v.smtp !== null) return { kind: 'smtp' as const, smtp: toSmtp(v.smtp, baseDir) };
  if (v.graph !== undefined && v.graph !== null) return { kind: 'graph' as const, source: v.graph.source, sender: v.graph.sender };
  return { kind: 'log' as const };
}

function notifySchema(ctx: SchemaContext) {
  return notifyInput.nullish().transform((v) =>
    v === undefined || v === null
      ? null
      : {
          to: v.to,
          // With Graph the sender mailbox is the natural From; SMTP requires `from` (relation checks); the log
          // transport only prints messages, so any sender does.
          from: v.from ?? v.graph?.sender ?? 'seatsync@localhost',
          transport: toTransport(v, ctx.baseDir),
          remindEveryMs: v.remindEvery === undefined ? DEFAULTS.remindEveryMs : v.remindEvery, // null: off
          warnAt: v.warnAt ?? null, // a fraction 0..1, from `90%`
          // A source failing this long (since its first failed run) or this many runs in a row is reported; null: off.
          failureAfter: v.failureAfter === undefined ? { afterMs: DEFAULTS.failureAfterMs } : v.failureAfter,
        },
  );
}

// `targets:` — the applications seatsync provisions: SCIM 2.0 services (RFC 7644) and webhook receivers
// (Standard Webhooks). Pairs of keys (token or oauth) are cross-checked.

/** A Standard Webhooks secret: `whsec_` and the base64 of at least 24 random bytes. */
function webhookSecret(input: unknown): Parsed<string> {
  if (typeof input !== 'string') return fail('must be a string');
  const body = input.startsWith('whsec_') ? input.slice('whsec_'.length) : null;
  if (body === null) return fail('must start with whsec_ (a Standard Webhooks signing secret)');
  const valid = /^[A-Za-z0-9+/]+={0,2}$/.test(body) && Buffer.from(body, 'base64').length >= 24;
  return valid ? ok(input) : fail('must be whsec_ followed by the base64 of at least 24 random bytes');
}

const oauthInput = z.strictObject({
  tokenUrl: required(url(['https', 'http'])),
  clientId: required(text),
  clientSecret: required(secretText).meta({ secret: true }),
  scope: optional(text),
});

const scimTargetInput = z.strictObject({
  name: required(name),
  kind: z.literal('scim'),
  url: required(url(['https', 'http'])),
  token: optional(secretText).meta({ secret: true }),
  oauth: oauthInput.nullish(),
  deprovision: optional(oneOf('deactivate', 'delete')),
  groups: optional(boolean),
  tls: tlsInput,
  timeout: optional(positiveDuration),
  schedule,
});

const webhookTargetInput = z.strictObject({
  name: required(name),
  kind: z.literal('webhook'),
  url: required(url(['https', 'http'])),
  secret: required(webhookSecret).meta({ secret: true }),
  tls: tlsInput,
  timeout: optional(positiveDuration),
});

function toScim(v: z.output<typeof scimTargetInput>, baseDir: string) {
  // Both or neither of token and oauth is reported by the relation checks; the token wins here.
  const auth =
    v.token !== undefined || v.oauth === undefined || v.oauth === null
      ? { kind: 'token' as const, token: v.token ?? '' }
      : { kind: 'oauth' as const, tokenUrl: v.oauth.tokenUrl, clientId: v.oauth.clientId, clientSecret: v.oauth.clientSecret, scope: v.oauth.scope ?? null };
  return {
    name: v.name,
    kind: v.kind,
    /** Without a trailing slash (`…/scim/v2`). */
    url: v.url.replace(/\/+$/, ''),
    auth,
    /** What a removed account becomes in the application (deactivate: `active: false`). */
    deprovision: v.deprovision ?? 'deactivate',
    /** One SCIM Group per pool whose members are its seat holders. */
    groups: v.groups ?? false,
    tls: toTls(v.tls, baseDir),
    timeoutMs: v.timeout ?? DEFAULTS.targetTimeoutMs,
    /** When `seatsync run` reconciles the application with seatsync's accounts; null: never. */
    schedule: v.schedule === undefined ? { everyMs: DEFAULTS.targetReconcileEveryMs } : v.schedule,
  };
}

function targetSchema(ctx: SchemaContext) {
  return z.discriminatedUnion('kind', [scimTargetInput, webhookTargetInput]).transform((v) =>
    v.kind === 'scim'
      ? toScim(v, ctx.baseDir)
      : { name: v.name, kind: v.kind, url: v.url, secret: v.secret, tls: toTls(v.tls, ctx.baseDir), timeoutMs: v.timeout ?? DEFAULTS.targetTimeoutMs },
  );
}

// The key lists, read from the schema of the file's input side (what the YAML may hold): the keys of its
// mappings, through the wrappers of optional keys and the transforms. A source or target entry is labelled
// by its kind (`sources[kind=ldap].tls.ca`), a mapping of names by `<name>` (`pools.<name>.seats`), and a
// key that takes one of several forms (a union anywhere but as a list's element) has the keys of every
// form under its own path. Read straight from the zod schemas (no JSON Schema is built: every command's
// start needs the secret marks).

/** The schema under the wrappers that do not change a key's shape, with the metadata met on the way. */
function unwrap(schema: z.ZodType): { readonly inner: z.ZodType; readonly secret?: SecretMark; readonly mapping?: z.ZodType } {
  let inner = schema;
  let secret: SecretMark | undefined;
  let mapping: z.ZodType | undefined;
  for (;;) {
    secret ??= inner.meta()?.secret;
    mapping ??= inner.meta()?.mappingForm as z.ZodType | undefined;
    if (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) inner = inner.unwrap() as z.ZodType;
    else if (inner instanceof z.ZodPipe) inner = inner.in as z.ZodType;
    else break;
  }
  return { inner, ...(secret === undefined ? {} : { secret }), ...(mapping === undefined ? {} : { mapping }) };
}

/** The keys of a mapping schema (under its wrappers); none for any other schema. */
function shapeOf(schema: z.ZodType): Readonly<Record<string, z.ZodType>> {
  const { inner } = unwrap(schema);
  return inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodType>) : {};
}

function walk(schema: z.ZodType, prefix: string, out: Map<string, SecretMark | undefined>): void {
  const { inner, mapping } = unwrap(schema);
  if (mapping !== undefined) walk(mapping, prefix, out);
  for (const [key, child] of Object.entries(shapeOf(inner))) {
    const at = prefix === '' ? key : `${prefix}.${key}`;
    out.set(at, unwrap(child).secret ?? out.get(at));
    walk(child, at, out);
  }
  if (inner instanceof z.ZodRecord) {
    const names = new Map<string, SecretMark | undefined>();
    walk(inner.valueType as z.ZodType, `${prefix}.<name>`, names);
    if (names.size > 0) out.set(`${prefix}.<name>`, undefined);
    for (const [key, mark] of names) out.set(key, mark);
  }
  if (inner instanceof z.ZodArray) {
    // A list of kinds (`sources`, `targets`): each kind's keys are labelled by it (`sources[kind=ldap].url`).
    const element = unwrap(inner.element as z.ZodType).inner;
    if (!(element instanceof z.ZodDiscriminatedUnion)) walk(inner.element as z.ZodType, `${prefix}[]`, out);
    else {
      const key = element.def.discriminator;
      for (const option of element.options as z.ZodType[]) {
        const kind = unwrap(shapeOf(option)[key] ?? z.never()).inner as z.ZodLiteral;
        walk(option, `${prefix}[${key}=${String(kind.value)}]`, out);
      }
    }
  }
  // A discriminated union is a ZodUnion too: outside a list its forms share the key's path.
  if (inner instanceof z.ZodUnion) for (const option of inner.options as readonly z.ZodType[]) walk(option, prefix, out);
}

/** Every key path of `schema` (a mapping), in schema order, with its secret mark where it has one. */
export function keyPathsOf(schema: z.ZodType): ReadonlyMap<string, SecretMark | undefined> {
  const out = new Map<string, SecretMark | undefined>();
  walk(schema, '', out);
  return out;
}

let cached: { readonly keys: readonly string[]; readonly secrets: ReadonlyMap<string, SecretMark>; readonly prefixes: ReadonlySet<string> } | undefined;

function configKeys(): NonNullable<typeof cached> {
  if (cached === undefined) {
    const out = keyPathsOf(configInput({ baseDir: '/' }));
    const keys = [...out.keys()];
    const secrets = new Map([...out].flatMap(([key, mark]) => (mark === undefined ? [] : [[key, mark] as const])));
    // Every key and the path of each mapping or list it is in (`sources[kind=ldap]`, `sources[kind=ldap].tls`).
    const prefixes = new Set(keys.flatMap((key) => [key, ...[...key.matchAll(/[.[]/g)].map((m) => key.slice(0, m.index))]));
    cached = { keys, secrets, prefixes };
  }
  return cached;
}

/** Every key path of the config file (`sources[kind=ldap].tls.ca`, `pools.<name>.seats`), in schema order. */
export function listConfigKeys(): readonly string[] {
  return configKeys().keys;
}

/** Every key path the schema marks as secret, with its mark (values.ts `SecretMark`). */
export function secretKeys(): ReadonlyMap<string, SecretMark> {
  return configKeys().secrets;
}

/** The schema path (`sources[kind=ldap].tls`) of a concrete key path (`sources[0].tls`) in `tree`. */
export function schemaPathOf(segments: readonly PathSegment[], tree: unknown): string {
  const { prefixes } = configKeys();
  let prefix = '';
  let node = tree;
  for (const segment of segments) {
    const child: unknown = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[segment] : undefined;
    if (typeof segment === 'number') {
      const labelled = `${prefix}[kind=${String(asObject(child)?.kind)}]`;
      prefix = prefixes.has(labelled) ? labelled : `${prefix}[]`;
    } else {
      const named = prefix === '' ? segment : `${prefix}.${segment}`;
      prefix = prefixes.has(named) ? named : `${prefix}.<name>`;
    }
    node = child;
  }
  return prefix;
}

/** Keys allowed directly inside the mapping at `segments` (for "did you mean"). */
export function keysAllowedAt(segments: readonly PathSegment[], tree: unknown): string[] {
  const prefix = schemaPathOf(segments, tree);
  const start = prefix === '' ? '' : `${prefix}.`;
  return listConfigKeys()
    .filter((k) => k.startsWith(start))
    .map((k) => k.slice(start.length))
    .filter((rest) => rest !== '' && !/[.[]/.test(rest) && !rest.startsWith('<'));
}
