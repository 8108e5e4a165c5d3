// `sources:` — one entry per directory connection (SPEC §4, §7), normalized to `SourceConfig`.
import path from 'node:path';
import { z } from 'zod';
import { normalizeGroupKey } from '../domain/names.ts';
import { CLOUDS, DEFAULTS, ENTRA_PAGE_SIZE_MAX, FLAVOR_DEFAULTS, LDAP_PAGE_SIZE_MAX, type CloudName, type LdapFlavor } from './defaults.ts';
import { stringOrObject } from './schema-alternatives.ts';
import {
  boolean, cronExpression, fail, ldapFilter, listOf, name, ok, optional, positiveDuration, required, secretText, text, textList, url, wholeNumber,
  type Parsed,
} from './schema-values.ts';
import type { EntraSourceConfig, FileSourceConfig, LdapAttributeMap, LdapDisabledRule, LdapSourceConfig, Schedule, SourceConfig } from './types.ts';

export const SOURCE_KINDS = ['ldap', 'entra', 'file'] as const;

export interface SourceSchemaContext {
  /** Folder of the config file: relative file paths in it are resolved against it. */
  readonly configDir: string;
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

/** Shortest `{ every }`: a sync more often than this would only queue behind the last (ms). */
export const MIN_SCHEDULE_EVERY_MS = 60_000;

function scheduleInterval(input: unknown): Parsed<number> {
  const every = positiveDuration(input);
  if ('error' in every) return every;
  return every.value < MIN_SCHEDULE_EVERY_MS ? fail('must be at least 1m (one minute)') : every;
}

function flavor(input: unknown): Parsed<LdapFlavor> {
  return input === 'active-directory' || input === 'openldap' ? ok(input) : fail('must be active-directory or openldap');
}

function groupResolution(input: unknown): Parsed<'in-chain' | 'expand'> {
  return input === 'in-chain' || input === 'expand' ? ok(input) : fail('must be in-chain or expand');
}

const disabled = stringOrObject({
  parseString: (input): Parsed<LdapDisabledRule> => {
    const t = input.trim();
    if (t === 'none' || t === 'ad-uac') return ok({ kind: t });
    return fail('must be none, ad-uac, { attribute: NAME } or { attribute: NAME, values: [VALUE, …] }');
  },
  object: z
    .strictObject({ attribute: required(text), values: optional(textList) })
    .transform((v): LdapDisabledRule =>
      v.values === undefined
        ? { kind: 'attribute-present', attribute: v.attribute }
        : { kind: 'attribute-value', attribute: v.attribute, values: v.values },
    ),
  expected: 'must be none, ad-uac or a mapping { attribute, values }',
});

function httpsBase(input: unknown): Parsed<string> {
  const parsed = url(['https'])(input);
  return 'error' in parsed ? parsed : ok(parsed.value.replace(/\/+$/, ''));
}

const cloud = stringOrObject({
  parseString: (input): Parsed<{ graph: string; login: string }> => {
    const known = CLOUDS[input.trim() as CloudName] as (typeof CLOUDS)[CloudName] | undefined;
    return known === undefined ? fail(`must be ${Object.keys(CLOUDS).join(', ')} or { graph: https://…, login: https://… }`) : ok({ ...known });
  },
  object: z.strictObject({ graph: required(httpsBase), login: required(httpsBase) }),
  expected: 'must be a cloud name or { graph, login }',
});

function filePath(input: unknown): Parsed<string> {
  const t = text(input);
  if ('error' in t) return t;
  return /\.(csv|ldif)$/i.test(t.value) ? t : fail('must be a .csv or .ldif file');
}

export const ldapSourceInput = z.strictObject({
  name: required(name),
  kind: z.literal('ldap'),
  flavor: required(flavor),
  url: required(listOf(url(['ldap', 'ldaps']))),
  bindDN: optional(text),
  bindPassword: optional(secretText),
  tls: z.strictObject({ ca: optional(text), rejectUnauthorized: optional(boolean), startTls: optional(boolean) }).nullish(),
  baseDN: required(text),
  filter: optional(ldapFilter),
  userFilter: optional(ldapFilter),
  group: optional(text),
  groupResolution: optional(groupResolution),
  attributes: z
    .strictObject({ id: optional(text), username: optional(text), email: optional(text), displayName: optional(text), createdAt: optional(text) })
    .nullish(),
  disabled,
  pageSize: optional(wholeNumber({ min: 1, max: LDAP_PAGE_SIZE_MAX })),
  timeLimit: optional(positiveDuration),
  connectTimeout: optional(positiveDuration),
  operationTimeout: optional(positiveDuration),
  fullEvery: optional(positiveDuration),
  schedule,
});

export const entraSourceInput = z.strictObject({
  name: required(name),
  kind: z.literal('entra'),
  tenantId: required(text),
  clientId: required(text),
  clientSecret: optional(secretText),
  certificatePath: optional(text),
  cloud,
  group: optional(text),
  pageSize: optional(wholeNumber({ min: 1, max: ENTRA_PAGE_SIZE_MAX })),
  fullEvery: optional(positiveDuration),
  schedule,
});

export const fileSourceInput = z.strictObject({
  name: required(name),
  kind: z.literal('file'),
  path: required(filePath),
  schedule,
});

function scheduleOrDefault(value: Schedule | null | undefined): Schedule | null {
  return value === undefined ? { everyMs: DEFAULTS.scheduleEveryMs } : value;
}

function toLdap(v: z.output<typeof ldapSourceInput>, ctx: SourceSchemaContext): LdapSourceConfig {
  const defaults = FLAVOR_DEFAULTS[v.flavor];
  const attributes: { readonly [K in keyof LdapAttributeMap]?: string | undefined } = v.attributes ?? {};
  return {
    name: v.name,
    kind: 'ldap',
    flavor: v.flavor,
    schedule: scheduleOrDefault(v.schedule),
    fullEveryMs: v.fullEvery ?? DEFAULTS.fullEveryMs,
    urls: v.url,
    bindDN: v.bindDN ?? null,
    bindPassword: v.bindPassword ?? null,
    tls: {
      caFile: v.tls?.ca === undefined ? null : path.resolve(ctx.configDir, v.tls.ca),
      rejectUnauthorized: v.tls?.rejectUnauthorized ?? true,
      startTls: v.tls?.startTls ?? false,
    },
    baseDN: v.baseDN,
    filter: v.filter ?? null,
    userFilter: v.userFilter ?? defaults.userFilter,
    group: v.group === undefined ? null : normalizeGroupKey(v.group),
    ...(v.groupResolution === undefined ? {} : { groupResolution: v.groupResolution }),
    attributes: {
      id: attributes.id ?? defaults.attributes.id,
      username: attributes.username ?? defaults.attributes.username,
      email: attributes.email ?? defaults.attributes.email,
      displayName: attributes.displayName ?? defaults.attributes.displayName,
      createdAt: attributes.createdAt ?? defaults.attributes.createdAt,
    },
    disabled: v.disabled ?? defaults.disabled,
    pageSize: v.pageSize ?? DEFAULTS.ldapPageSize,
    // LDAP time limits are whole seconds; round up so `1500ms` never becomes 1 s.
    timeLimitSeconds: v.timeLimit === undefined ? DEFAULTS.ldapTimeLimitSeconds : Math.ceil(v.timeLimit / 1000),
    connectTimeoutMs: v.connectTimeout ?? DEFAULTS.ldapConnectTimeoutMs,
    operationTimeoutMs: v.operationTimeout ?? DEFAULTS.ldapOperationTimeoutMs,
  };
}

function toEntra(v: z.output<typeof entraSourceInput>, ctx: SourceSchemaContext): EntraSourceConfig {
  // Both or neither credential is reported by the relation checks; a secret wins here so a result exists.
  const credential: EntraSourceConfig['credential'] =
    v.clientSecret !== undefined || v.certificatePath === undefined
      ? { kind: 'secret', clientSecret: v.clientSecret ?? '' }
      : { kind: 'certificate', certificatePath: path.resolve(ctx.configDir, v.certificatePath) };
  return {
    name: v.name,
    kind: 'entra',
    schedule: scheduleOrDefault(v.schedule),
    fullEveryMs: v.fullEvery ?? DEFAULTS.fullEveryMs,
    tenantId: v.tenantId,
    clientId: v.clientId,
    credential,
    cloud: v.cloud ?? { ...CLOUDS[DEFAULTS.entraCloud] },
    group: v.group === undefined ? null : normalizeGroupKey(v.group),
    pageSize: v.pageSize ?? DEFAULTS.entraPageSize,
  };
}

function toFile(v: z.output<typeof fileSourceInput>, ctx: SourceSchemaContext): FileSourceConfig {
  return {
    name: v.name,
    kind: 'file',
    schedule: scheduleOrDefault(v.schedule),
    // Files are always read whole: there is no incremental read to bound.
    fullEveryMs: DEFAULTS.fullEveryMs,
    path: path.resolve(ctx.configDir, v.path),
    format: v.path.toLowerCase().endsWith('.ldif') ? 'ldif' : 'csv',
  };
}

export function sourceSchema(ctx: SourceSchemaContext): z.ZodType<SourceConfig> {
  return z.discriminatedUnion('kind', [ldapSourceInput, entraSourceInput, fileSourceInput]).transform((v): SourceConfig => {
    switch (v.kind) {
      case 'ldap':
        return toLdap(v, ctx);
      case 'entra':
        return toEntra(v, ctx);
      case 'file':
        return toFile(v, ctx);
    }
  });
}
