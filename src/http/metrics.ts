// Prometheus metrics of `seatsync run` (`GET /metrics`). Seat usage, the outbox backlog, each source's
// health (last success, failures in a row, accounts frozen by unreadable entries) and the targets'
// backlog and drift are read from the database at scrape time (one query set per scrape, shared by the
// gauges), so every replica reports the same, current values; run metrics count the runs this process
// executed, config reload metrics this process's re-reads. The alert rules in
// deploy/prometheus/seatsync-alerts.yml are written against these names.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SourceRunResult } from '../sync/sync-source.ts';
import type { SourceHealth } from '../store/repositories.ts';
import type { PoolView, TargetView } from '../sync/status.ts';

export interface StateSnapshot {
  readonly pools: readonly PoolView[];
  readonly outbox: { readonly pending: number; readonly failed: number; readonly oldestPendingAt: Date | null };
  /** One per configured source. */
  readonly sources: readonly SourceHealth[];
  /** The sources whose scheduled run is late (status.ts `overdueSince`). */
  readonly overdue: ReadonlySet<string>;
  /** When a worker first scheduled each configured source (status.ts `sourceSchedules`). */
  readonly firstSeen: ReadonlyMap<string, Date>;
  readonly targets: readonly TargetView[];
  /** Per configured source with any: its accounts frozen because their entries are unreadable (status.ts `frozen`). */
  readonly frozen: ReadonlyMap<string, number>;
}

export interface Metrics {
  readonly registry: Registry;
  /** Records one finished run (duration, outcome, users seen). */
  observeRun(run: Pick<SourceRunResult, 'source' | 'status' | 'durationMs' | 'seen' | 'dryRun'>): void;
  /** Records one re-read of the config file by the running worker (`ok: false`: it did not load). */
  observeConfigReload(result: { readonly ok: boolean }): void;
}

/** Scrapes closer together than this share one snapshot. */
const SNAPSHOT_TTL_MS = 1_000;

function sharedSnapshot(read: () => Promise<StateSnapshot>): () => Promise<StateSnapshot> {
  let cached: { at: number; value: Promise<StateSnapshot> } | null = null;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > SNAPSHOT_TTL_MS) {
      const value = read();
      cached = { at: now, value };
      value.catch(() => (cached = null));
    }
    return cached.value;
  };
}

function poolGauge(registry: Registry, name: string, help: string, field: 'seats' | 'used' | 'waiting', snapshot: () => Promise<StateSnapshot>): void {
  new Gauge({
    name,
    help,
    labelNames: ['pool'],
    registers: [registry],
    async collect() {
      const { pools } = await snapshot();
      // Pools removed from the config disappear from the output instead of freezing at their last value.
      this.reset();
      for (const pool of pools) this.set({ pool: pool.name }, pool[field]);
    },
  });
}

/** Per target: backlog, given-up rows, last delivery, drift found by the last reconcile. */
function targetGauges(registry: Registry, snapshot: () => Promise<StateSnapshot>): void {
  const perTarget = (name: string, help: string, value: (t: TargetView) => number | null): void => {
    new Gauge({
      name,
      help,
      labelNames: ['target'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const target of (await snapshot()).targets) {
          const v = value(target);
          if (v !== null) this.set({ target: target.name }, v);
        }
      },
    });
  };
  const seconds = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso) / 1000);
  perTarget('seatsync_target_pending', 'Changes waiting to be delivered to the target', (t) => t.pending);
  perTarget('seatsync_target_failed', 'Changes given up after their last attempt', (t) => t.failed);
  perTarget('seatsync_target_last_delivery_timestamp_seconds', 'Time of the last change delivered to the target', (t) => seconds(t.lastDeliveryAt));
  new Gauge({
    name: 'seatsync_target_drift',
    help: 'Differences the last reconcile found between the target and seatsync, by kind',
    labelNames: ['target', 'kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const target of (await snapshot()).targets) {
        for (const [kind, n] of Object.entries(target.drift ?? {})) this.set({ target: target.name, kind }, n);
      }
    },
  });
}

export function createMetrics(options: { snapshot: () => Promise<StateSnapshot> }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names three gauges with a counter's `_total` suffix, which `promtool check metrics` (and
  // Prometheus' naming rules) refuse; each is the sum of its per-type gauge without the suffix, kept.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const snapshot = sharedSnapshot(options.snapshot);
  poolGauge(registry, 'seatsync_pool_seats', 'Seats of the license pool (from the config)', 'seats', snapshot);
  poolGauge(registry, 'seatsync_pool_used', 'Accounts holding a seat of the pool', 'used', snapshot);
  poolGauge(registry, 'seatsync_pool_waiting', 'Blocked accounts waiting for a seat of the pool', 'waiting', snapshot);
  new Gauge({
    name: 'seatsync_outbox_pending',
    help: 'Notifications waiting to be sent',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).outbox.pending);
    },
  });
  new Gauge({
    name: 'seatsync_outbox_failed',
    help: 'Notifications given up after their last attempt',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).outbox.failed);
    },
  });
  new Gauge({
    name: 'seatsync_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest pending notification (0 when none)',
    registers: [registry],
    async collect() {
      const oldest = (await snapshot()).outbox.oldestPendingAt;
      this.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
    },
  });
  targetGauges(registry, snapshot);
  sourceGauges(registry, snapshot);
  const reloadFailures = new Counter({
    name: 'seatsync_config_reload_failures_total',
    help: 'Re-reads of the changed config file that did not load (the previous config stayed in force)',
    registers: [registry],
  });
  const reloadOk = new Gauge({
    name: 'seatsync_config_last_reload_successful',
    help: '1 when the last re-read of the config file loaded (or none failed since start), 0 when it did not',
    registers: [registry],
  });
  reloadOk.set(1);
  const duration = new Histogram({
    name: 'seatsync_run_duration_seconds',
    help: 'Duration of sync runs executed by this process',
    labelNames: ['source', 'status'],
    // A file source takes a second, a 100,000-user directory a few minutes.
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  const runs = new Counter({ name: 'seatsync_runs_total', help: 'Sync runs executed by this process, by outcome', labelNames: ['source', 'status'], registers: [registry] });
  const seen = new Gauge({ name: 'seatsync_users_seen', help: 'Users the last run of the source read from its directory', labelNames: ['source'], registers: [registry] });
  const lastRun = new Gauge({ name: 'seatsync_last_run_timestamp_seconds', help: 'End of the last run of the source, by outcome', labelNames: ['source', 'status'], registers: [registry] });
  return {
    registry,
    observeRun(run) {
      if (run.dryRun) return;
      const labels = { source: run.source, status: run.status };
      duration.observe(labels, run.durationMs / 1000);
      runs.inc(labels);
      lastRun.set(labels, Date.now() / 1000);
      if (run.status !== 'failed') seen.set({ source: run.source }, run.seen);
    },
    observeConfigReload({ ok }) {
      reloadOk.set(ok ? 1 : 0);
      if (!ok) reloadFailures.inc();
    },
  };
}

/** Per source, from the runs table: when it last synced, and how many runs failed since it last read its directory. */
function sourceGauges(registry: Registry, snapshot: () => Promise<StateSnapshot>): void {
  new Gauge({
    name: 'seatsync_source_last_success_timestamp_seconds',
    help: 'End of the newest run of the source that ended ok (absent until it has one)',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const { sources } = await snapshot();
      this.reset();
      for (const s of sources) if (s.lastSuccess) this.set({ source: s.source }, s.lastSuccess.finishedAt.getTime() / 1000);
    },
  });
  new Gauge({
    name: 'seatsync_source_first_seen_timestamp_seconds',
    help: 'When a worker first scheduled the source (its first run, for sources older than this metric); the age of a source with no successful run yet',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const { firstSeen } = await snapshot();
      this.reset();
      for (const [source, at] of firstSeen) this.set({ source }, at.getTime() / 1000);
    },
  });
  new Gauge({
    name: 'seatsync_source_overdue',
    help: '1 while the scheduled run after the source\'s last run (or, never run, after a worker first scheduled it) is late and none has started (no worker, schedules lost), else 0',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const { sources, overdue } = await snapshot();
      this.reset();
      for (const s of sources) this.set({ source: s.source }, overdue.has(s.source) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'seatsync_source_accounts_frozen',
    help: 'Accounts of the source kept exactly as they were (seats included) because a read found their entries present but unreadable, until a read returns them readable or finds them gone',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const { sources, frozen } = await snapshot();
      this.reset();
      for (const s of sources) this.set({ source: s.source }, frozen.get(s.source) ?? 0);
    },
  });
  new Gauge({
    name: 'seatsync_source_consecutive_failures',
    help: 'Failed runs of the source since its last run that read the directory (ok or held); 0 while it works',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const { sources } = await snapshot();
      this.reset();
      for (const s of sources) this.set({ source: s.source }, s.consecutiveFailures);
    },
  });
}
