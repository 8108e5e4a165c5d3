// The zod schema of the config YAML (SPEC §4), producing the normalized `SeatsyncConfig` (minus `path`).
// Unknown keys are errors everywhere (strict objects), so typos are caught with their path.
import path from 'node:path';
import { z } from 'zod';
import type { MatchRule } from '../domain/types.ts';
import { DEFAULTS } from './defaults.ts';
import { notifySchema } from './schema-notify.ts';
import { sourceSchema } from './schema-sources.ts';
import { targetSchema } from './schema-targets.ts';
import {
  duration, email, fail, groupKeyList, listOf, name, ok, optional, percentOrCount, required, text, textList, url, wholeNumber,
  type Parsed,
} from './schema-values.ts';
import type { HttpConfig, PolicyConfig, PoolConfig, ProfileConfig, SeatsyncConfig } from './types.ts';

/** The config as the schema produces it; the loader adds the file's `path`. */
export type ConfigBody = Omit<SeatsyncConfig, 'path'>;

export interface SchemaContext {
  /** Folder of the config file (relative file paths in it are resolved against it). */
  readonly configDir: string;
  /** Working directory (`dataDir` is resolved against it). */
  readonly cwd: string;
}

export const matchRuleInput = z
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
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) return fail('must be a list of pool names, like [primary]');
  return listOf(name)(input);
}

export const poolInput = z.strictObject({ seats: required(wholeNumber({ min: 0 })), notify: optional(email) });

const pools = z.record(z.string(), poolInput).transform((v): PoolConfig[] =>
  Object.entries(v).map(([poolName, pool]) => ({ name: poolName, seats: pool.seats, notify: pool.notify ?? null })),
);

export const profileInput = z.strictObject({
  name: required(name),
  // `when:` with nothing after it is a `when` with no keys, not a missing one.
  when: z.preprocess((v) => (v === null ? {} : v), matchRuleInput.optional()),
  pools: required(poolNames),
});

const profile = profileInput.transform((v): ProfileConfig => ({ name: v.name, when: v.when ?? null, pools: v.pools }));

export const policyInput = z.strictObject({
  graceDays: optional(wholeNumber({ min: 0, max: 3650 })),
  maxRemovals: optional(percentOrCount),
  protect: matchRuleInput.nullish(),
  purgeRemovedAfter: optional(duration({ allowOff: true })),
});

const policy = policyInput.nullish().transform(
  (v): PolicyConfig => ({
    graceDays: v?.graceDays ?? DEFAULTS.graceDays,
    maxRemovals: v?.maxRemovals ?? { ...DEFAULTS.maxRemovals },
    protect: v?.protect ?? null,
    purgeRemovedAfterMs: v?.purgeRemovedAfter ?? null,
  }),
);

const HOW_TO_HASH = `make a token and its hash with: TOKEN=$(openssl rand -hex 24); printf '%s' "$TOKEN" | sha256sum`;
/** The sha256 of the empty string: a token nobody has to know. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function sha256Hex(input: unknown): Parsed<string> {
  const t = text(input);
  if ('error' in t) return t;
  if (!/^[0-9a-f]{64}$/i.test(t.value)) return fail(`must be the sha256 of the token, 64 hex characters; ${HOW_TO_HASH}`);
  return t.value.toLowerCase() === EMPTY_SHA256 ? fail(`is the sha256 of an empty token; ${HOW_TO_HASH}`) : ok(t.value.toLowerCase());
}

function role(input: unknown): Parsed<'read' | 'admin'> {
  return input === 'read' || input === 'admin' ? ok(input) : fail('must be read or admin');
}

export const tokenInput = z.strictObject({ name: required(name), sha256: required(sha256Hex), role: required(role) });

export const httpInput = z.strictObject({
  host: optional(text),
  port: optional(wholeNumber({ min: 1, max: 65535 })),
  publicUrl: optional(url(['http', 'https'])),
  tokens: z.array(tokenInput).nullish(),
});

const http = httpInput.nullish().transform(
  (v): HttpConfig => ({
    host: v?.host ?? DEFAULTS.httpHost,
    port: v?.port ?? DEFAULTS.httpPort,
    publicUrl: v?.publicUrl ?? null,
    tokens: v?.tokens ?? [],
  }),
);

function redisPrefix(input: unknown): Parsed<string> {
  const t = text(input);
  if ('error' in t) return t;
  // Braces allowed: a `{hash tag}` keeps BullMQ's keys in one Redis Cluster slot.
  return /^[A-Za-z0-9_.{}-]+$/.test(t.value) ? t : fail('must be letters, digits, ".", "-", "_" or {braces}');
}

export const databaseInput = z.strictObject({ url: optional(url(['postgres', 'postgresql'])) });
export const redisInput = z.strictObject({ url: optional(url(['redis', 'rediss'])), prefix: optional(redisPrefix) });

/** The input shape of the whole file; exported for `listConfigKeys` and the reference test. */
export function configInput(ctx: SchemaContext) {
  return z.strictObject({
    database: databaseInput.nullish(),
    dataDir: optional(text),
    redis: redisInput.nullish(),
    sources: z.array(sourceSchema(ctx)).min(1, 'must list at least one source'),
    pools: pools,
    profiles: z.array(profile).min(1, 'must list at least one profile'),
    policy,
    notify: notifySchema(ctx),
    targets: z.array(targetSchema(ctx)).nullish(),
    http,
  });
}

export function configSchema(ctx: SchemaContext): z.ZodType<ConfigBody> {
  return configInput(ctx).transform(
    (v): ConfigBody => ({
      database: { url: v.database?.url ?? null },
      dataDir: path.resolve(ctx.cwd, v.dataDir ?? DEFAULTS.dataDir),
      redis: { url: v.redis?.url ?? DEFAULTS.redisUrl, prefix: v.redis?.prefix ?? DEFAULTS.redisPrefix },
      sources: v.sources,
      pools: v.pools,
      profiles: v.profiles,
      policy: v.policy,
      notify: v.notify,
      targets: v.targets ?? [],
      http: v.http,
    }),
  );
}
