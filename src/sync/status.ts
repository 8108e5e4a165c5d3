// Seat usage and run status as the CLI (`status`, `sync`) and the API show them (SPEC §5 shapes).
import type { SeatsyncConfig } from '../config/types.ts';
import type { PoolUsage } from '../domain/types.ts';
import type { Database, Queryable } from '../store/db.ts';
import { OutboxStore } from '../store/outbox-store.ts';
import { poolCounts } from '../store/query-store.ts';
import { lastRuns } from '../store/run-store.ts';
import { TargetStore } from '../store/target-store.ts';

/** SPEC §5 `POOL`. */
export interface PoolView {
  readonly name: string;
  readonly seats: number;
  readonly used: number;
  readonly available: number;
  readonly waiting: number;
}

/** One provisioning target: its backlog, its last delivery and what its last reconcile found. */
export interface TargetView {
  readonly name: string;
  readonly kind: 'scim' | 'webhook';
  readonly pending: number;
  readonly failed: number;
  readonly lastDeliveryAt: string | null;
  /** Last error of a row not delivered yet (pending or failed). */
  readonly lastError: string | null;
  readonly lastReconcileAt: string | null;
  /** Drift found by the last reconcile, by kind (SCIM targets; null before the first reconcile). */
  readonly drift: Readonly<Record<string, number>> | null;
}

export interface StatusView {
  readonly pools: PoolView[];
  readonly sources: { name: string; lastRun: { status: string; startedAt: string; finishedAt: string | null; seen: number } | null }[];
  readonly outbox: { pending: number; failed: number };
  readonly targets: TargetView[];
}

export function poolView(name: string, seats: number, counts: { used: number; waiting: number }): PoolView {
  return { name, seats, used: counts.used, available: Math.max(0, seats - counts.used), waiting: counts.waiting };
}

export async function poolViews(db: Queryable, config: SeatsyncConfig): Promise<PoolView[]> {
  const counts = await poolCounts(db);
  return config.pools.map((p) => poolView(p.name, p.seats, counts.get(p.name) ?? { used: 0, waiting: 0 }));
}

export function poolViewsFromPlan(pools: readonly PoolUsage[]): PoolView[] {
  return pools.map((p) => poolView(p.name, p.seats, p));
}

export async function outboxCounts(db: Database): Promise<{ pending: number; failed: number }> {
  const { pending, failed } = await new OutboxStore(db).counts();
  return { pending, failed };
}

export async function statusView(db: Database, config: SeatsyncConfig): Promise<StatusView> {
  const names = config.sources.map((s) => s.name);
  const runs = await lastRuns(db, names);
  return {
    pools: await poolViews(db, config),
    sources: names.map((name) => {
      const run = runs.get(name);
      return {
        name,
        lastRun: run
          ? { status: run.status, startedAt: run.startedAt.toISOString(), finishedAt: run.finishedAt?.toISOString() ?? null, seen: run.seen }
          : null,
      };
    }),
    outbox: await outboxCounts(db),
    targets: await targetViews(db, config),
  };
}

export async function targetViews(db: Database, config: Pick<SeatsyncConfig, 'targets'>): Promise<TargetView[]> {
  if (config.targets.length === 0) return [];
  const store = new TargetStore(db);
  const counts = await store.counts(config.targets.map((t) => t.name));
  const drifts = await store.drifts();
  return config.targets.map((t) => {
    const c = counts.get(t.name);
    const d = drifts.get(t.name);
    return {
      name: t.name, kind: t.kind, pending: c?.pending ?? 0, failed: c?.failed ?? 0,
      lastDeliveryAt: c?.lastDeliveryAt?.toISOString() ?? null, lastError: c?.lastError ?? null,
      lastReconcileAt: d?.at.toISOString() ?? null, drift: d?.found ?? null,
    };
  });
}
