// The parsed, validated and normalized configuration: what every part of seatsync receives.
// The YAML keys are the contract of SPEC §4; this is their normalized form (lists are always lists,
// durations are milliseconds, group keys and DNs normalized with `normalizeGroupKey`).
import type { z } from 'zod';
import type { MatchRule } from '../domain/types.ts';
import type { CrossCheckResult } from './cross-checks.ts';
import type { PathSegment } from './problems.ts';
import type { SourceConfig } from './schema.ts';
import type { RawMapping } from './values.ts';

/** A job schedule: a cron expression or a fixed interval. */
export type Schedule = { readonly cron: string } | { readonly everyMs: number };

export interface SourceCommon {
  /** Unique, `[a-z0-9][a-z0-9_-]*`. */
  readonly name: string;
  readonly schedule: Schedule | null;
  /** Longest time between two full reads when incremental reads are possible (default 24h). */
  readonly fullEveryMs: number;
}

// Each source kind's config type sits beside its adapter, with its schema (src/sources/*/config.ts);
// `SourceConfig` is any of them, one per entry of SOURCE_KINDS (schema.ts).
export type { LdapAttributeMap, LdapDisabledRule, LdapFlavor, LdapSourceConfig } from '../sources/ldap/config.ts';
export type { EntraSourceConfig } from '../sources/entra/config.ts';
export type { FileSourceConfig } from '../sources/file/config.ts';
export type { SourceConfig };

/** What a source kind gives the config loader (src/sources/KIND/config.ts; listed in src/config/schema.ts). */
export interface SourceKind<C extends SourceCommon & { readonly kind: string }> {
  /** The kind's entry of `sources:`: a strict mapping with `kind: z.literal(KIND)`, normalized to `C`. */
  readonly schema: (ctx: { readonly configDir: string }) => z.ZodType<C>;
  /** Checks between its keys, on the raw entry (so they run even when the schema rejected other keys). */
  readonly check?: (source: RawMapping, at: (...rest: PathSegment[]) => PathSegment[], out: CrossCheckResult) => void;
}

export interface PoolConfig {
  readonly name: string;
  readonly seats: number;
  /** Recipient override for this pool's emails; null: `notify.to`. */
  readonly notify: string | null;
}

export interface ProfileConfig {
  readonly name: string;
  readonly when: MatchRule | null;
  readonly pools: readonly string[];
}

export interface PolicyConfig {
  readonly graceDays: number; // default 0
  /** Default `{ percent: 10 }`; never fewer than 5 accounts (SPEC rule 10). */
  readonly maxRemovals: { readonly percent: number } | { readonly count: number };
  readonly protect: MatchRule | null;
  readonly purgeRemovedAfterMs: number | null;
}

export interface SmtpConfig {
  readonly host: string;
  readonly port: number; // default 587 (465 when secure)
  readonly secure: boolean; // implicit TLS; default true on port 465
  readonly requireTls: boolean; // STARTTLS required; default false
  readonly user: string | null;
  readonly password: string | null;
  readonly caFile: string | null;
  readonly rejectUnauthorized: boolean; // default true
}

export interface NotifyConfig {
  readonly to: string;
  readonly from: string;
  readonly transport:
    | { readonly kind: 'smtp'; readonly smtp: SmtpConfig }
    | { readonly kind: 'graph'; readonly source: string; readonly sender: string }
    | { readonly kind: 'log' };
  readonly remindEveryMs: number | null; // default 24h; null when `off`
  readonly warnAt: number | null; // fraction 0..1, from `90%`
  /** A source failing this long (since its first failed run) or this many runs in a row is reported; null when `off`. Default 1h. */
  readonly failureAfter: { readonly afterMs: number } | { readonly afterRuns: number } | null;
}

export interface TargetTls {
  readonly caFile: string | null; // extra CA (PEM) the application's certificate is checked against
  readonly rejectUnauthorized: boolean; // default true
}

/** A SCIM 2.0 service provider (RFC 7644) that seatsync provisions users (and groups) into. */
export interface ScimTargetConfig {
  /** Unique among targets, `[a-z0-9][a-z0-9_-]*`. */
  readonly name: string;
  readonly kind: 'scim';
  /** SCIM base URL without a trailing slash (`…/scim/v2`). */
  readonly url: string;
  readonly auth:
    | { readonly kind: 'token'; readonly token: string }
    | { readonly kind: 'oauth'; readonly tokenUrl: string; readonly clientId: string; readonly clientSecret: string; readonly scope: string | null };
  /** What a removed account becomes in the application; default deactivate (`active: false`). */
  readonly deprovision: 'deactivate' | 'delete';
  /** One SCIM Group per pool whose members are its seat holders; default false. */
  readonly groups: boolean;
  readonly tls: TargetTls;
  /** Per request, ms; default 30 s. */
  readonly timeoutMs: number;
  /** When `seatsync run` reconciles the application with seatsync's accounts; default daily; null: never. */
  readonly schedule: Schedule | null;
}

/** A receiver of signed state-change events (Standard Webhooks). */
export interface WebhookTargetConfig {
  readonly name: string;
  readonly kind: 'webhook';
  readonly url: string;
  /** `whsec_` + base64 key: signs every delivery. */
  readonly secret: string;
  readonly tls: TargetTls;
  readonly timeoutMs: number;
}

export type TargetConfig = ScimTargetConfig | WebhookTargetConfig;

export interface HttpToken {
  readonly name: string;
  readonly sha256: string; // lowercase hex
  readonly role: 'read' | 'admin';
}

export interface HttpConfig {
  readonly host: string; // default 0.0.0.0
  readonly port: number; // default 8080
  readonly publicUrl: string | null;
  readonly tokens: readonly HttpToken[];
}

export interface SeatsyncConfig {
  /** Absolute path of the file this came from. */
  readonly path: string;
  readonly database: { readonly url: string | null };
  /** Absolute; resolved against the working directory. */
  readonly dataDir: string;
  readonly redis: { readonly url: string; readonly prefix: string };
  readonly sources: readonly SourceConfig[];
  readonly pools: readonly PoolConfig[];
  readonly profiles: readonly ProfileConfig[];
  readonly policy: PolicyConfig;
  readonly notify: NotifyConfig | null;
  /** Applications provisioned from the seat decisions; empty by default. */
  readonly targets: readonly TargetConfig[];
  readonly http: HttpConfig;
}
