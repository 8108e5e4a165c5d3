// The parsed, validated and normalized configuration: what every part of seatsync receives.
// The YAML keys are the contract of SPEC §4; this is their normalized form (lists are always lists,
// durations are milliseconds, group keys and DNs normalized with `normalizeGroupKey`).
import type { MatchRule } from '../domain/types.ts';

/** A job schedule: a cron expression or a fixed interval. */
export type Schedule = { readonly cron: string } | { readonly everyMs: number };

interface SourceCommon {
  /** Unique, `[a-z0-9][a-z0-9_-]*`. */
  readonly name: string;
  readonly schedule: Schedule | null;
  /** Longest time between two full reads when incremental reads are possible (default 24h). */
  readonly fullEveryMs: number;
}

/** Attribute names an LDAP source reads; every one can be overridden per source. */
export interface LdapAttributeMap {
  readonly id: string; // objectGUID (AD) | entryUUID (openldap)
  readonly username: string; // sAMAccountName | uid
  readonly email: string; // mail
  readonly displayName: string; // displayName | cn
  readonly createdAt: string; // whenCreated | createTimestamp
}

/** How an LDAP entry is recognized as disabled. */
export type LdapDisabledRule =
  | { readonly kind: 'ad-uac' } // userAccountControl bit 0x2
  | { readonly kind: 'attribute-present'; readonly attribute: string } // e.g. pwdAccountLockedTime
  | { readonly kind: 'attribute-value'; readonly attribute: string; readonly values: readonly string[] } // nsAccountLock: TRUE
  | { readonly kind: 'none' };

export interface LdapSourceConfig extends SourceCommon {
  readonly kind: 'ldap';
  readonly flavor: 'active-directory' | 'openldap';
  /** Tried in order (failover). `ldap://` or `ldaps://`. */
  readonly urls: readonly string[];
  readonly bindDN: string | null; // null: anonymous bind
  readonly bindPassword: string | null;
  readonly tls: {
    readonly caFile: string | null;
    readonly rejectUnauthorized: boolean; // default true
    readonly startTls: boolean; // for ldap:// URLs; default false
  };
  readonly baseDN: string;
  /** Optional, ANDed with the flavor's user filter. */
  readonly filter: string | null;
  /** The flavor's user filter, overridable. */
  readonly userFilter: string;
  /** Optional scope group DN (transitive membership), normalized. */
  readonly group: string | null;
  readonly attributes: LdapAttributeMap;
  readonly disabled: LdapDisabledRule;
  readonly pageSize: number; // ≤ 1000, default 1000
  readonly timeLimitSeconds: number; // server-side search time limit, default 600
  readonly connectTimeoutMs: number; // default 10000
  readonly operationTimeoutMs: number; // client-side timeout per operation, default 120000
  /**
   * How transitive group membership is resolved. `in-chain`: one LDAP_MATCHING_RULE_IN_CHAIN search per
   * group (Active Directory only); `expand`: read member lists (with ranged retrieval) and expand nested
   * groups client-side. Absent: `in-chain` for active-directory, `expand` otherwise.
   */
  readonly groupResolution?: 'in-chain' | 'expand';
}

export interface EntraSourceConfig extends SourceCommon {
  readonly kind: 'entra';
  readonly tenantId: string;
  readonly clientId: string;
  readonly credential:
    | { readonly kind: 'secret'; readonly clientSecret: string }
    | { readonly kind: 'certificate'; readonly certificatePath: string };
  /** Base URLs, resolved from `cloud` (global, usgov, usgov-dod, china) or given as a pair. */
  readonly cloud: { readonly graph: string; readonly login: string };
  /** Optional scope group object id. */
  readonly group: string | null;
  readonly pageSize: number; // $top, ≤ 999, default 999
}

export interface FileSourceConfig extends SourceCommon {
  readonly kind: 'file';
  /** Absolute path (resolved against the config file's folder). */
  readonly path: string;
  readonly format: 'csv' | 'ldif';
}

export type SourceConfig = LdapSourceConfig | EntraSourceConfig | FileSourceConfig;

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
