// The API's response shapes the console reads (see GET /api/v1/openapi.json).
import type { HeldReport } from '../../src/domain/hold.ts';

export interface Pool { name: string; seats: number; used: number; available: number; waiting: number }
export interface SourceStatus {
  name: string;
  /** `held`: a held run's report (say it with `describeHold`). */
  lastRun: { status: string; startedAt: string; finishedAt: string | null; seen: number; held?: HeldReport } | null;
  /** Source health: the newest ok run, failures in a row (since `failingSince`), the newest error. */
  lastSuccessfulRun: { id: string; finishedAt: string } | null;
  consecutiveFailures: number;
  failingSince: string | null;
  /** A scheduled run due then has not started (null: on time, running, no schedule). */
  overdueSince: string | null;
  lastError: { runId: string; at: string; code: string | null; message: string } | null;
  /** Accounts kept exactly as they were because their entries are unreadable (absent from an older worker). */
  frozen?: { accounts: number; holdingSeats: number };
}
/** A source not in the config that still has accounts: nothing syncs them, they keep their seats. */
export interface UnconfiguredSource { name: string; accounts: number; holdingSeats: number }
/** An application seatsync provisions (`targets:`): backlog, last delivery, drift found by its last reconcile. */
export interface TargetStatus {
  name: string; kind: 'scim' | 'webhook'; pending: number; failed: number; lastDeliveryAt: string | null; lastError: string | null;
  lastReconcileAt: string | null; drift: Record<string, number> | null;
}
export interface Status {
  pools: Pool[]; sources: SourceStatus[]; outbox: { pending: number; failed: number }; targets: TargetStatus[];
  /** Absent from an older worker. */
  unconfiguredSources?: UnconfiguredSource[];
}
export interface Caller { name: string; role: 'read' | 'admin' }
export interface Account {
  id: number; source: string; externalId: string; username: string; email: string | null; displayName: string | null;
  state: string; profile: string | null; pools: string[]; waitingFor: string[]; protected: boolean;
  waitingSince: string | null; activatedAt: string | null; graceUntil: string | null; updatedAt: string;
}
export interface AuditEntry {
  id: string; at: string; accountId: number | null; username: string | null; source: string | null;
  from: string | null; to: string | null; reason: string; actor: string; runId: string | null; comment: string | null; takenBy: string | null;
}
export interface AwaitedPool { name: string; seats: number; used: number; full: boolean; ahead: number }
export interface QueueEntry {
  position: number; id: number; source: string; username: string; displayName: string | null; email: string | null;
  waitingSince: string; waitingFor: string[]; why: string; pools: AwaitedPool[];
}
export interface Explanation {
  account: Account;
  explanation: {
    state: string; summary: string;
    profile: { name: string; position: number; of: number; rule: string; pools: string[] } | null;
    protectedBy: { admin: boolean; policy: boolean };
    held: string[]; waitingFor: string[];
    queue: { position: number; total: number; pools: AwaitedPool[]; summary: string } | null;
  };
  audit: AuditEntry[];
}
export interface RunSummary {
  source: string; status: 'ok' | 'held' | 'failed'; seen: number; created: number; updated: number; activated: number;
  blocked: number; disabled: number; removed: number; durationMs: number; dryRun: boolean;
  /** Held runs: what it would have done and why it was held (absent in the result of an older worker). */
  held?: HeldReport;
  changes?: { username: string; kind: string; from: string | null; to: string; reason: string }[]; changesTotal?: number;
  /** Dry runs: per kind of change, how many there are and how many `changes` lists. */
  changeKinds?: { kind: string; total: number; listed: number; leftOut: number }[];
}
export interface SyncJob {
  id: string; state: string; sources: string[]; dryRun: boolean; allowRemovals: boolean;
  progress: { phase: string; source: string | null; read: number } | null;
  result: { runs: RunSummary[]; pools: Pool[] } | null; error: string | null;
}
export interface Run {
  id: string; source: string; status: string; mode: string | null; trigger: string; startedAt: string; finishedAt: string | null;
  seen: number; created: number; updated: number; activated: number; blocked: number; disabled: number; removed: number;
  skipped: number; error: string | null; details: Record<string, unknown>;
}
