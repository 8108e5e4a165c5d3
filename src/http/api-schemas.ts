// JSON Schemas of the API: the request schemas Fastify validates against, and the response shapes the
// OpenAPI document publishes (openapi.ts). One definition for both, so the document cannot drift from
// what the routes accept.
import { ACCOUNT_STATES } from '../domain/types.ts';

const int = { type: 'integer', minimum: 0 } as const;
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const strList = { type: 'array', items: str } as const;

export const ADMIN_ACTIONS = ['block', 'unblock', 'protect', 'unprotect'] as const;

export const requestSchemas = {
  accountsQuery: {
    type: 'object',
    additionalProperties: false,
    properties: {
      state: { type: 'string', enum: ACCOUNT_STATES },
      pool: str,
      source: str,
      format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
    },
  },
  auditQuery: {
    type: 'object',
    additionalProperties: false,
    properties: {
      account: { ...str, description: 'id, username or email' },
      since: { ...str, description: 'ISO 8601 date or time' },
      limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1_000 },
    },
  },
  syncsQuery: {
    type: 'object',
    additionalProperties: false,
    properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, source: str },
  },
  syncBody: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: {
      source: { ...str, description: 'sync only this source; all sources when left out' },
      dryRun: { type: 'boolean', default: false },
      allowRemovals: { type: 'boolean', default: false, description: 'apply a run held for disabling or removing too many accounts' },
      full: { type: 'boolean', default: false, description: 'read the whole directory even when an incremental read is possible' },
    },
  },
  idParams: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1 } } },
  accountActionParams: {
    type: 'object',
    required: ['id', 'action'],
    properties: { id: { type: 'string', minLength: 1 }, action: { type: 'string', enum: ADMIN_ACTIONS } },
  },
} as const;

const pool = {
  type: 'object',
  required: ['name', 'seats', 'used', 'available', 'waiting'],
  properties: { name: str, seats: int, used: int, available: int, waiting: int },
} as const;

const syncResult = {
  type: 'object',
  description: 'The `seatsync sync --json` document',
  required: ['runs', 'pools'],
  properties: {
    runs: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          source: str,
          status: { type: 'string', enum: ['ok', 'held', 'failed'] },
          seen: int, created: int, updated: int, activated: int, blocked: int, disabled: int, removed: int, durationMs: int,
          dryRun: { type: 'boolean' },
          error: {
            type: 'object',
            description: 'Failed runs only: why the run failed',
            required: ['code', 'message'],
            properties: { code: str, message: str },
          },
          changes: {
            type: 'array',
            description: 'Dry runs only: the first 1,000 state changes the run would make',
            items: {
              type: 'object',
              properties: {
                username: str, from: nullableStr, to: str, reason: str,
                pools: { type: 'array', items: str }, waitingFor: { type: 'array', items: str },
              },
            },
          },
          changesTotal: { ...int, description: 'Dry runs only: how many state changes the run would make' },
        },
      },
    },
    pools: { type: 'array', items: { $ref: '#/components/schemas/Pool' } },
  },
} as const;

export const responseSchemas = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: str, message: str } } },
  },
  Pool: pool,
  Status: {
    type: 'object',
    properties: {
      pools: { type: 'array', items: { $ref: '#/components/schemas/Pool' } },
      sources: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: str,
            lastRun: { type: ['object', 'null'], properties: { status: str, startedAt: str, finishedAt: nullableStr, seen: int } },
            lastSuccessfulRun: { type: ['object', 'null'], description: 'the newest run that ended ok', properties: { id: str, finishedAt: str } },
            consecutiveFailures: { ...int, description: 'failed runs since the source was last read (0: working)' },
            failingSince: { ...nullableStr, description: 'when the current run of failures began; null while the source works' },
            lastError: {
              type: ['object', 'null'],
              description: 'the newest failed run and its error (kept after the source recovers)',
              properties: { runId: str, at: str, code: nullableStr, message: str },
            },
          },
        },
      },
      outbox: { type: 'object', properties: { pending: int, failed: int } },
    },
  },
  Account: {
    type: 'object',
    properties: {
      id: int, source: str, externalId: str, username: str, email: nullableStr, displayName: nullableStr,
      state: { type: 'string', enum: ACCOUNT_STATES }, profile: nullableStr, pools: strList, waitingFor: strList,
      protected: { type: 'boolean' }, waitingSince: nullableStr, activatedAt: nullableStr, graceUntil: nullableStr, updatedAt: str,
    },
  },
  AccountActionResult: {
    type: 'object',
    properties: { account: { $ref: '#/components/schemas/Account' }, changed: { type: 'boolean' } },
  },
  SyncResult: syncResult,
  SyncAccepted: {
    type: 'object',
    required: ['id', 'coalesced'],
    properties: {
      id: { ...str, description: 'job id, for GET /api/v1/syncs/{id}' },
      coalesced: { type: 'boolean', description: 'true when the request joined a sync of the same work already queued' },
      sources: strList,
    },
  },
  SyncJob: {
    type: 'object',
    properties: {
      id: str,
      state: { type: 'string', enum: ['waiting', 'active', 'delayed', 'completed', 'failed', 'unknown'] },
      sources: strList, trigger: str, dryRun: { type: 'boolean' }, allowRemovals: { type: 'boolean' },
      progress: {
        type: ['object', 'null'],
        properties: { phase: { type: 'string', enum: ['waiting-for-source', 'read', 'apply', 'done'] }, source: nullableStr, read: int },
      },
      result: { oneOf: [{ $ref: '#/components/schemas/SyncResult' }, { type: 'null' }] },
      error: nullableStr, attemptsMade: int, attempts: { ...int, description: 'attempts the job gets before it fails for good' }, createdAt: str, startedAt: nullableStr, finishedAt: nullableStr,
    },
  },
  Run: {
    type: 'object',
    properties: {
      id: str, source: str, status: { type: 'string', enum: ['running', 'ok', 'held', 'failed'] }, mode: nullableStr, trigger: str,
      startedAt: str, finishedAt: nullableStr, seen: int, created: int, updated: int, activated: int, blocked: int,
      disabled: int, removed: int, skipped: int, error: nullableStr, details: { type: 'object' },
    },
  },
  AuditEntry: {
    type: 'object',
    properties: {
      id: str, at: str, accountId: { type: ['integer', 'null'] }, username: nullableStr, source: nullableStr,
      from: nullableStr, to: nullableStr, reason: str, actor: str, runId: nullableStr,
    },
  },
} as const;
