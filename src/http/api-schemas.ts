// JSON Schemas of the API's requests and responses. The operations (api-operations.ts) name them; the
// routes validate requests and serialize responses with them (Fastify), and the OpenAPI document
// publishes the same objects, so what a client is told is what goes over the wire.
import { AUDIT_REASONS } from '../domain/explain.ts';
import { ACCOUNT_REFERENCE, ACCOUNT_STATES } from '../domain/types.ts';
import { ADMIN_ACTIONS } from '../domain/notification-events.ts';
import { CHANGE_KINDS } from '../domain/change-kinds.ts';
import { HOLD_REASONS } from '../domain/hold.ts';
import { MAX_RUN_ID, RUN_ID_PATTERN } from '../domain/run-id.ts';

export type Schema = Readonly<Record<string, unknown>>;

const int = { type: 'integer', minimum: 0 } as const;
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const strList = { type: 'array', items: str } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

/**
 * A name or reference given by a client: not empty, no control characters (a NUL byte cannot be
 * stored in PostgreSQL text, so it could never match anything), at most 320 characters (an email
 * address's longest form).
 */
export const TEXT_INPUT = { type: 'string', minLength: 1, maxLength: 320, pattern: '^[^\\u0000-\\u001F\\u007F]+$' } as const;

/** The audit trail's page size: the default and the largest a client may ask for. */
export const AUDIT_PAGE = { default: 1_000, max: 10_000 } as const;

/** `limit` + `cursor` of a paged list (see cursor.ts). */
const pageQuery = (defaultLimit: number, maxLimit: number): Schema => ({
  limit: { type: 'integer', minimum: 1, maximum: maxLimit, default: defaultLimit, description: `page size (default ${defaultLimit}, at most ${maxLimit})` },
  cursor: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'the `nextCursor` of the previous page' },
});


export const requestSchemas = {
  accountsQuery: {
    type: 'object',
    additionalProperties: false,
    properties: {
      state: { type: 'string', enum: ACCOUNT_STATES },
      pool: TEXT_INPUT,
      source: { ...TEXT_INPUT, description: 'only the accounts of this source: a configured one, or one taken out of the config that has stored runs' },
      q: { ...TEXT_INPUT, maxLength: 200, description: 'part of the username, display name or email (case-insensitive)' },
      format: { type: 'string', enum: ['json', 'csv'], default: 'json', description: '`csv`: the whole export as one CSV document (no paging)' },
      ...pageQuery(1_000, 10_000),
    },
  },
  auditQuery: {
    type: 'object',
    additionalProperties: false,
    properties: {
      account: { ...TEXT_INPUT, description: ACCOUNT_REFERENCE },
      since: { ...TEXT_INPUT, description: 'ISO 8601 date or time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z (a time without a zone is UTC)' },
      run: { type: 'string', pattern: RUN_ID_PATTERN, description: `only the entries of this run (its numeric id, at most ${MAX_RUN_ID})` },
      reason: { type: 'string', enum: AUDIT_REASONS, description: 'only the entries with this reason' },
      source: { ...TEXT_INPUT, description: 'only the entries of accounts of this source' },
      to: { type: 'string', enum: ACCOUNT_STATES, description: 'only the changes into this state, from another state or as a new account (with `run`: the accounts that run blocked, activated, …)' },
      ...pageQuery(AUDIT_PAGE.default, AUDIT_PAGE.max),
    },
  },
  syncsQuery: {
    type: 'object',
    additionalProperties: false,
    properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, source: TEXT_INPUT },
  },
  syncBody: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: {
      source: { ...TEXT_INPUT, description: 'sync only this source; all sources when left out' },
      dryRun: { type: 'boolean', default: false },
      allowRemovals: { type: 'boolean', default: false, description: 'apply a run held for disabling or removing too many accounts' },
      full: { type: 'boolean', default: false, description: 'read the whole directory even when an incremental read is possible' },
    },
  },
  accountParams: {
    type: 'object',
    required: ['id'],
    additionalProperties: false,
    properties: { id: { ...TEXT_INPUT, description: 'account id, username, email or directory id' } },
  },
  queueQuery: {
    type: 'object',
    additionalProperties: false,
    properties: {
      offset: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0, description: 'how many of the queue to skip' },
      limit: { type: 'integer', minimum: 1, maximum: 1_000, default: 100, description: 'page size (default 100, at most 1,000)' },
    },
  },
  accountActionBody: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: { reason: { type: 'string', maxLength: 500, description: 'why; stored with the audit entry of the action (`comment`)' } },
  },
  syncParams: {
    type: 'object',
    required: ['id'],
    additionalProperties: false,
    properties: { id: { ...TEXT_INPUT, description: 'job id (from POST /api/v1/syncs) or numeric run id' } },
  },
  accountActionParams: {
    type: 'object',
    required: ['id', 'action'],
    additionalProperties: false,
    properties: {
      id: { ...TEXT_INPUT, description: 'account id, username, email or directory id' },
      action: { type: 'string', enum: ADMIN_ACTIONS },
    },
  },
} as const;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/**
 * An object whose listed properties are all present (unless optional). Nothing else goes out: the
 * serializer writes listed properties only. The schema does not forbid others, so that clients
 * written against it keep working when a later version adds a field.
 */
const closed = (properties: Record<string, unknown>, options: { optional?: readonly string[]; description?: string } = {}): Schema => ({
  type: 'object',
  required: Object.keys(properties).filter((k) => !(options.optional ?? []).includes(k)),
  properties,
  ...(options.description ? { description: options.description } : {}),
});

const pool = closed({ name: str, seats: int, used: int, available: int, waiting: int });

const plannedChange = closed({
  username: str, kind: { type: 'string', enum: CHANGE_KINDS }, from: { type: ['string', 'null'], enum: [...ACCOUNT_STATES, null] }, to: { type: 'string', enum: ACCOUNT_STATES },
  reason: str, pools: strList, waitingFor: strList,
});

/** domain/hold.ts `HeldReport`, with its reason always said. */
const heldReport = closed(
  {
    wouldDisable: int, wouldRemove: int,
    total: { ...int, description: 'accounts of the source before the run' },
    threshold: { type: ['integer', 'null'], minimum: 0, description: 'most disables and removals one run may do (`policy.maxRemovals`); null: not recorded' },
    reason: {
      type: 'string', enum: HOLD_REASONS,
      description: '`empty-read`: a full read returned no entry at all (not even an unreadable one) although the source has accounts; `unidentified`: it would remove accounts while some entries came back without a readable id; `removals`: it would disable or remove more than `policy.maxRemovals` allows',
    },
  },
  { description: 'Held runs only: what the run would have done and why it was held (SPEC rule 10)' },
);

const syncRun = closed(
  {
    source: str, status: { type: 'string', enum: ['ok', 'held', 'failed'] },
    seen: int, created: int, updated: int, activated: int, blocked: int, disabled: int, removed: int, durationMs: int,
    dryRun: { type: 'boolean' },
    skipped: { ...int, description: 'entries present but unreadable; their accounts were kept as they were' },
    skippedEntries: {
      type: 'array',
      description: 'the first unreadable entries: which entry, which attribute (as the entry holds it: LDAP attribute, Graph property, CSV column), the field it maps to when that is another name (`cn` → `displayName`), why, and the id whose account was kept (absent when even the id was unreadable)',
      items: closed({ entry: str, attribute: str, field: str, reason: str, externalId: str }, { optional: ['attribute', 'field', 'externalId'] }),
    },
    repaired: { ...int, description: 'values that were not UTF-8, read with U+FFFD in place of their invalid bytes (absent: none)' },
    repairedEntries: {
      type: 'array',
      description: 'the first repaired values: which entry, which attribute, and the entry\'s id',
      items: closed({ entry: str, attribute: str, externalId: str }),
    },
    held: heldReport,
    error: closed({ code: str, message: str }, { description: 'Failed runs only: why the run failed' }),
    changes: {
      type: 'array',
      description: 'Dry runs only: the first 1,000 state changes of each kind the run would make, grouped by kind in the order of `changeKinds`',
      items: plannedChange,
    },
    changesTotal: { ...int, description: 'Dry runs only: how many state changes the run would make' },
    changeKinds: {
      type: 'array',
      description: 'Dry runs only: every kind of change (blocks and removals first), how many there are and how many `changes` lists',
      items: closed({ kind: { type: 'string', enum: CHANGE_KINDS }, total: int, offset: int, listed: int, leftOut: { ...int, description: 'total - listed' } }),
    },
  },
  { optional: ['skippedEntries', 'repaired', 'repairedEntries', 'held', 'error', 'changes', 'changesTotal', 'changeKinds'] },
);

const syncResult = closed({ runs: { type: 'array', items: syncRun }, pools: { type: 'array', items: ref('Pool') } });

const awaitedPools = {
  type: 'array',
  items: closed({ name: str, seats: int, used: int, full: { type: 'boolean' }, ahead: { ...int, description: 'accounts ahead in the queue waiting for this pool' } }),
} as const;

const queueStanding = closed({ position: int, total: int, pools: awaitedPools, summary: str });

const page = (item: string, description: string): Schema =>
  closed(
    {
      items: { type: 'array', items: ref(item) },
      nextCursor: { type: ['string', 'null'], description: 'pass as `cursor` for the next page; null on the last page' },
    },
    { description },
  );

export const responseSchemas = {
  Error: closed({ error: closed({ code: str, message: str }) }, { description: 'every error: `{ "error": { "code", "message" } }`' }),
  Pool: pool,
  Schedules: closed({
    sources: {
      type: 'array',
      items: closed({ name: str, nextRunAt: { ...nullableDateTime, description: 'when the schedule runs the source next; null without a schedule' } }),
    },
  }),
  Caller: closed({ name: { ...str, description: 'the token\'s name in http.tokens' }, role: { type: 'string', enum: ['read', 'admin'] } }),
  Status: closed({
    pools: { type: 'array', items: ref('Pool') },
    sources: {
      type: 'array',
      items: closed({
        name: str,
        lastRun: { ...closed({ status: str, startedAt: dateTime, finishedAt: nullableDateTime, seen: int, held: heldReport }, { optional: ['held'] }), type: ['object', 'null'] },
        lastSuccessfulRun: {
          ...closed({ id: str, finishedAt: dateTime }, { description: 'the newest run that ended ok' }),
          type: ['object', 'null'],
        },
        consecutiveFailures: { ...int, description: 'failed runs since the source was last read (0: working)' },
        failingSince: { ...nullableDateTime, description: 'when the current run of failures began; null while the source works' },
        overdueSince: {
          ...nullableDateTime,
          description: 'when the scheduled run after the last one was due, by the schedule a worker last set for the source (for a source that has never run, or whose schedule changed since its last run: its first scheduled run after a worker first set that schedule; a schedule edited in the config counts once a worker sets it; cron times are UTC), once it is late and none has started (no worker, schedules lost, jobs queued behind others); null while runs start on time, one is running, the source has no schedule in the config, or no worker has scheduled it yet',
        },
        lastError: {
          ...closed({ runId: str, at: dateTime, code: nullableStr, message: str }, { description: 'the newest failed run and its error (kept after the source recovers)' }),
          type: ['object', 'null'],
        },
        frozen: closed(
          { accounts: int, holdingSeats: { ...int, description: 'those of them that hold a seat' } },
          {
            description: 'accounts whose directory entries a read of the source found present but unreadable (a value the mapping cannot read): kept exactly as they were, seats included, until a read of the source returns them readable or finds them gone; `sync --dry-run --full` of the source names each entry and attribute',
          },
        ),
      }),
    },
    unconfiguredSources: {
      type: 'array',
      description: 'sources not in the config whose accounts are not all removed: nothing syncs them, so they keep their state and seats until the source is put back and synced; empty when none',
      items: closed({ name: str, accounts: { ...int, description: 'its accounts not removed' }, holdingSeats: { ...int, description: 'those of them that hold a seat' } }),
    },
    outbox: closed({ pending: int, failed: int }),
    targets: {
      type: 'array',
      description: 'the applications seatsync provisions (targets:), empty when none',
      items: closed({
        name: str, kind: { type: 'string', enum: ['scim', 'webhook'] }, pending: int, failed: int, lastDeliveryAt: nullableDateTime,
        lastError: nullableStr, lastReconcileAt: nullableDateTime,
        drift: { type: ['object', 'null'], additionalProperties: int, description: 'what the last reconcile found, by kind; null before the first' },
      }),
    },
  }),
  Account: closed({
    id: int, source: str, externalId: str, username: str, email: nullableStr, displayName: nullableStr,
    state: { type: 'string', enum: ACCOUNT_STATES }, profile: nullableStr, pools: strList, waitingFor: strList,
    protected: { type: 'boolean' }, waitingSince: nullableDateTime, activatedAt: nullableDateTime, graceUntil: nullableDateTime,
    updatedAt: dateTime,
  }),
  AccountPage: page('Account', 'accounts in id order'),
  AccountActionResult: closed({ account: ref('Account'), changed: { type: 'boolean' } }),
  SyncResult: { ...syncResult, description: 'The `seatsync sync --json` document' },
  SyncAccepted: closed({
    id: { ...str, description: 'job id, for GET /api/v1/syncs/{id}' },
    coalesced: { type: 'boolean', description: 'true when the request joined a sync of the same work already queued' },
    sources: strList,
  }),
  SyncJob: closed({
    kind: { const: 'job' },
    id: str,
    state: { type: 'string', enum: ['waiting', 'active', 'delayed', 'completed', 'failed', 'unknown'] },
    sources: strList, trigger: str, dryRun: { type: 'boolean' }, allowRemovals: { type: 'boolean' },
    progress: {
      ...closed(
        { phase: { type: 'string', enum: ['waiting-for-source', 'read', 'apply', 'done'] }, source: nullableStr, read: int },
      ),
      type: ['object', 'null'],
    },
    result: { ...syncResult, type: ['object', 'null'], description: 'the `seatsync sync --json` document, once the job ended' },
    error: nullableStr, attemptsMade: int, attempts: { ...int, description: 'attempts the job gets before it fails for good' }, createdAt: dateTime, startedAt: nullableDateTime, finishedAt: nullableDateTime,
  }, { description: 'a sync job: queued through POST /api/v1/syncs or by a schedule' }),
  Run: closed({
    kind: { const: 'run' },
    id: str, source: str, status: { type: 'string', enum: ['running', 'ok', 'held', 'failed'] },
    mode: { type: ['string', 'null'], enum: ['full', 'incremental', null] }, trigger: str,
    startedAt: dateTime, finishedAt: nullableDateTime, seen: int, created: int, updated: int, activated: int, blocked: int,
    disabled: int, removed: int, skipped: int, error: nullableStr,
    details: { type: 'object', additionalProperties: true, description: 'what the run noticed (skipped entries, held reasons, …)' },
  }, { description: 'the record of one source\'s run' }),
  SyncJobOrRun: {
    description: 'a job (`kind: job`) or a run record (`kind: run`)',
    oneOf: [ref('SyncJob'), ref('Run')],
    discriminator: { propertyName: 'kind', mapping: { job: '#/components/schemas/SyncJob', run: '#/components/schemas/Run' } },
  },
  SyncList: closed({ jobs: { type: 'array', items: ref('SyncJob') }, runs: { type: 'array', items: ref('Run') } }),
  AuditEntry: closed({
    id: str, at: dateTime, accountId: { type: ['integer', 'null'] }, username: nullableStr, source: nullableStr,
    from: nullableStr, to: nullableStr,
    reason: {
      ...str,
      description:
        'a seat change: `new`, `seats`, `directory-disabled`, `directory-enabled`, `removed`, `out-of-scope`, `returned`, ' +
        '(a block for want of a seat names what made the account ask: `profile-changed`, `directory-enabled`, `returned`; else `seats`), ' +
        '`admin` (an admin suspended, unsuspended, protected or unprotected it; or blocked: an admin unprotected it while protected accounts alone filled its pool), ' +
        '`profile-changed`, `pool-shrunk` (blocked: the pool was made smaller), `protected` (activated in a full pool; or blocked: ' +
        'a protected account took the seat, see `takenBy`), `grace`, `grace-expired`; or an admin action: `block`, `unblock`, `protect`, `unprotect`',
    },
    actor: str, runId: nullableStr,
    comment: { ...nullableStr, description: 'the reason an admin gave for the action' },
    takenBy: { ...nullableStr, description: 'reason `protected` on a block: username of the protected account that took the seat' },
  }),
  AuditPage: page('AuditEntry', 'audit entries, newest last; the next page holds the entries before this one'),
  QueueStanding: queueStanding,
  QueuePage: closed({
    total: { ...int, description: 'accounts waiting' },
    entries: {
      type: 'array',
      items: closed({
        position: { ...int, description: '1-based place in the queue' },
        id: int, source: str, username: str, displayName: nullableStr, email: nullableStr,
        waitingSince: dateTime, waitingFor: strList, why: str, pools: awaitedPools,
      }),
    },
  }, { description: 'accounts waiting for a seat, in the order seats will be given' }),
  Explanation: closed({
    account: ref('Account'),
    explanation: closed({
      state: { type: 'string', enum: ACCOUNT_STATES },
      summary: { ...str, description: 'why the account is in its state, in one sentence' },
      profile: {
        ...closed({
          name: str, position: { ...int, description: '1-based place among the profiles; the first match wins' },
          of: int, rule: { ...str, description: 'the profile\'s `when`, as a sentence' }, pools: strList,
        }),
        type: ['object', 'null'],
      },
      protectedBy: closed({ admin: { type: 'boolean' }, policy: { type: 'boolean' } }),
      held: strList,
      waitingFor: strList,
      queue: { ...queueStanding, type: ['object', 'null'], description: 'blocked accounts only' },
    }),
    audit: { type: 'array', items: ref('AuditEntry'), description: 'the latest entries, oldest first' },
  }),
} as const satisfies Record<string, Schema>;

export type ResponseSchemaName = keyof typeof responseSchemas;
