// The parsed, validated and normalized configuration: what every part of seatsync receives. The types are
// the schema's output (schema.ts, and each source kind's beside its adapter), read-only: the YAML keys are
// the contract of SPEC §4, these their normalized form (lists are always lists, durations milliseconds,
// group keys and DNs normalized with `normalizeGroupKey`).
import type { z } from 'zod';
import type { configSchema } from './schema.ts';

type DeepReadonly<T> = T extends readonly (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

export type { Schedule } from './values.ts';
export type { LdapDisabledRule } from '../sources/ldap/config.ts';

export type SeatsyncConfig = DeepReadonly<{ path: string } & z.output<ReturnType<typeof configSchema>>>;
export type SourceConfig = SeatsyncConfig['sources'][number];
export type LdapSourceConfig = Extract<SourceConfig, { kind: 'ldap' }>;
export type EntraSourceConfig = Extract<SourceConfig, { kind: 'entra' }>;
export type FileSourceConfig = Extract<SourceConfig, { kind: 'file' }>;
export type PoolConfig = SeatsyncConfig['pools'][number];
export type ProfileConfig = SeatsyncConfig['profiles'][number];
export type PolicyConfig = SeatsyncConfig['policy'];
export type NotifyConfig = NonNullable<SeatsyncConfig['notify']>;
export type SmtpConfig = Extract<NotifyConfig['transport'], { kind: 'smtp' }>['smtp'];
export type TargetConfig = SeatsyncConfig['targets'][number];
export type ScimTargetConfig = Extract<TargetConfig, { kind: 'scim' }>;
export type WebhookTargetConfig = Extract<TargetConfig, { kind: 'webhook' }>;
export type TargetTls = TargetConfig['tls'];
export type HttpConfig = SeatsyncConfig['http'];
export type HttpToken = HttpConfig['tokens'][number];
