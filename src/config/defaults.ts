// Every default of the configuration in one place (docs/configuration.md lists the same values; a test
// compares them).
import type { LdapAttributeMap, LdapDisabledRule } from './types.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export const DEFAULTS = {
  configPath: 'config/seatsync.yaml',
  dataDir: './data',
  redisUrl: 'redis://127.0.0.1:6379',
  redisPrefix: 'seatsync',
  /** Sources without `schedule` are synced this often by `seatsync run`; `schedule: off` for manual only. */
  scheduleEveryMs: 15 * MINUTE_MS,
  /** Longest time between two full reads of an incremental source (deletions are found by full reads). */
  fullEveryMs: 24 * HOUR_MS,
  ldapPageSize: 1000,
  /** Server-side search time limit: well above ldapts' 10 s so a large paged search is not cut short. */
  ldapTimeLimitSeconds: 600,
  ldapConnectTimeoutMs: 10_000,
  ldapOperationTimeoutMs: 120_000,
  entraPageSize: 999,
  entraCloud: 'global',
  smtpPort: 587,
  smtpSecurePort: 465,
  remindEveryMs: 24 * HOUR_MS,
  graceDays: 0,
  maxRemovals: { percent: 10 },
  /** A SCIM target is compared with seatsync's accounts this often by `seatsync run` (drift repair). */
  targetReconcileEveryMs: 24 * HOUR_MS,
  /** Per request to a target (SCIM call or webhook POST). */
  targetTimeoutMs: 30_000,
  httpHost: '0.0.0.0',
  httpPort: 8080,
} as const;

export const LDAP_PAGE_SIZE_MAX = 1000; // AD's MaxPageSize default
export const ENTRA_PAGE_SIZE_MAX = 999; // Graph's $top limit for /users

export type LdapFlavor = 'active-directory' | 'openldap';

export interface FlavorDefaults {
  readonly userFilter: string;
  readonly attributes: LdapAttributeMap;
  readonly disabled: LdapDisabledRule;
}

export const FLAVOR_DEFAULTS: Readonly<Record<LdapFlavor, FlavorDefaults>> = {
  'active-directory': {
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    attributes: { id: 'objectGUID', username: 'sAMAccountName', email: 'mail', displayName: 'displayName', createdAt: 'whenCreated' },
    disabled: { kind: 'ad-uac' },
  },
  openldap: {
    userFilter: '(objectClass=inetOrgPerson)',
    attributes: { id: 'entryUUID', username: 'uid', email: 'mail', displayName: 'cn', createdAt: 'createTimestamp' },
    disabled: { kind: 'none' },
  },
};

export type CloudName = 'global' | 'usgov' | 'usgov-dod' | 'china';

/** Microsoft Graph and login (Entra authority) base URLs of the national clouds. */
export const CLOUDS: Readonly<Record<CloudName, { readonly graph: string; readonly login: string }>> = {
  global: { graph: 'https://graph.microsoft.com', login: 'https://login.microsoftonline.com' },
  usgov: { graph: 'https://graph.microsoft.us', login: 'https://login.microsoftonline.us' },
  'usgov-dod': { graph: 'https://dod-graph.microsoft.us', login: 'https://login.microsoftonline.us' },
  china: { graph: 'https://microsoftgraph.chinacloudapi.cn', login: 'https://login.chinacloudapi.cn' },
};
