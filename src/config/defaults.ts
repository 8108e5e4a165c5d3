// Every default value of the configuration in one place (docs/configuration.md lists the same values; a
// test compares them). The LDAP flavors' attribute sets and the Entra clouds sit with their source kinds.

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
  /** A source failing for this long is reported to `notify.to` (long enough for a DC or PostgreSQL restart). */
  failureAfterMs: HOUR_MS,
  graceDays: 0,
  maxRemovals: { percent: 10 },
  /** A SCIM target is compared with seatsync's accounts this often by `seatsync run` (drift repair). */
  targetReconcileEveryMs: 24 * HOUR_MS,
  /** Per request to a target (SCIM call or webhook POST). */
  targetTimeoutMs: 30_000,
  httpHost: '0.0.0.0',
  httpPort: 8080,
} as const;
