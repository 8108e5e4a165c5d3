// What `seatsync check` shows of a sync it does not make: per source, a dry run of a sync now (the
// sync's own pipeline, rolled back, so the numbers are the allocator's) and what the source's accounts
// would then hold, per profile and pool. Each source is planned on its own, against the stored accounts
// of the others. Nothing is written: a database without seatsync's tables yet is planned as a first
// sync in a throwaway in-memory one (it holds no accounts either), and none is migrated.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SeatsyncConfig } from '../config/types.ts';
import { counted } from '../domain/counted.ts';
import type { Logger } from '../logging.ts';
import type { DirectorySource } from '../sources/directory-source.ts';
import { openDatabase, type Database } from '../store/db.ts';
import { migrate, migrationState, MIGRATIONS } from '../store/migrations.ts';
import { runSync } from '../sync/run-sync.ts';
import type { SeatTally } from '../sync/apply-run.ts';
import type { SourceRunResult } from '../sync/sync-source.ts';
import type { CheckStep } from './check-services.ts';
import { describeKinds } from './planned-changes.ts';
import { formatCount, table, type Output } from './output.ts';

/** What a sync now would leave one source's accounts with. */
export interface SourcePlanJson {
  /** Accounts of the source that would not be removed. */
  readonly accounts: number;
  readonly profiles: SeatTally['profiles'];
  /** `held` and `blocked`: accounts of this source; `used` and `waiting`: of every source. */
  readonly pools: readonly (SeatTally['pools'][number] & { readonly seats: number; readonly used: number; readonly waiting: number })[];
  /** A sync now would be held (SPEC rule 10): what it would disable and remove; the numbers above are the plan with removals allowed. */
  readonly held: { readonly wouldDisable: number; readonly wouldRemove: number; readonly total: number; readonly threshold: number } | null;
}

/** The database the dry runs use, or why there is none. */
export type PlanDatabase = { readonly db: Database; readonly detail: string } | { readonly db: null; readonly detail: string; readonly failed: boolean };

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The stored accounts to plan against; an empty in-memory database when seatsync has none yet. */
export async function openPlanDatabase(config: SeatsyncConfig): Promise<PlanDatabase> {
  if (config.database.url === null && !existsSync(path.resolve(config.dataDir, 'pglite'))) return firstSync();
  let db: Database;
  try {
    db = await openDatabase({ url: config.database.url, dataDir: config.dataDir });
  } catch (error) {
    return { db: null, detail: `not run: ${messageOf(error)}`, failed: true };
  }
  try {
    const { pending, unknown } = await migrationState(db);
    if (unknown.length > 0) {
      await db.close();
      return { db: null, detail: 'not run: the database was migrated by a newer seatsync', failed: true };
    }
    if (pending.length === MIGRATIONS.length) {
      await db.close();
      return await firstSync();
    }
    if (pending.length > 0) {
      await db.close();
      return { db: null, detail: 'not run: the database needs migrations this check does not apply; seatsync applies them when it next starts', failed: false };
    }
    return { db, detail: 'a dry run of a sync now, rolled back' };
  } catch (error) {
    await db.close().catch(() => undefined);
    return { db: null, detail: `not run: ${messageOf(error)}`, failed: true };
  }
}

async function firstSync(): Promise<PlanDatabase> {
  const db = await openDatabase({ url: null, dataDir: 'memory://' });
  await migrate(db);
  return { db, detail: 'a dry run of a first sync (seatsync has no accounts yet)' };
}

export interface PlanDeps {
  readonly config: SeatsyncConfig;
  readonly logger: Logger;
  readonly createSource: (name: string) => DirectorySource;
}

/** A dry run of one source: its step in the source's check and, when it ran, the plan. */
export async function planSource(deps: PlanDeps, db: Database, source: string): Promise<{ step: CheckStep; plan: SourcePlanJson | null }> {
  const dryRun = async (allowRemovals: boolean): Promise<SourceRunResult | undefined> => {
    const report = await runSync(
      { db, config: deps.config, logger: deps.logger, createSource: deps.createSource },
      { sources: [source], dryRun: true, allowRemovals, forceFull: false, trigger: 'check', listing: { kinds: [], offset: 0, limit: 0 } },
    );
    return report.runs[0];
  };
  const first = await dryRun(false);
  // Held: the plan it would apply once removals are allowed, with what it would hold for.
  const run = first?.status === 'held' ? await dryRun(true) : first;
  if (run === undefined || run.status !== 'ok' || !run.tally || !run.planned) {
    return { step: { name: 'dry run', ok: false, detail: `failed: ${run?.error ?? 'no result'}` }, plan: null };
  }
  const after = new Map((run.poolsAfter ?? []).map((p) => [p.name, p]));
  const plan: SourcePlanJson = {
    accounts: run.tally.accounts,
    profiles: run.tally.profiles,
    pools: run.tally.pools.map((p) => {
      const pool = after.get(p.pool);
      return { ...p, seats: pool?.seats ?? 0, used: pool?.used ?? 0, waiting: pool?.waiting ?? 0 };
    }),
    held: first?.held ? { wouldDisable: first.held.wouldDisable, wouldRemove: first.held.wouldRemove, total: first.held.total, threshold: first.held.threshold } : null,
  };
  return { step: { name: 'dry run', ok: true, detail: describeKinds(run.planned) }, plan };
}

/** The plan under a source's check lines. */
export function printPlan(out: Output, plan: SourcePlanJson): void {
  const indent = (text: string): string => text.replace(/^/gm, '    ');
  out.line(`  a sync now would leave ${counted(plan.accounts, 'account')} of this source:`);
  out.line(indent(table(['profile', 'accounts', 'active', 'blocked', 'other'], plan.profiles.map((p) => [p.profile ?? '(none)', p.accounts, p.active, p.blocked, p.other]))));
  out.line(indent(table(
    ['pool', 'seats', 'held', 'blocked', 'used (all sources)', 'waiting (all sources)'],
    plan.pools.map((p) => [p.pool, p.seats, p.held, p.blocked, p.used, p.waiting]),
  )));
  if (plan.held) {
    const h = plan.held;
    out.line(
      `  a sync now would be HELD: it would disable ${formatCount(h.wouldDisable)} and remove ${formatCount(h.wouldRemove)} of ${counted(h.total, 'account')} ` +
        `(policy.maxRemovals allows ${formatCount(h.threshold)}); the numbers above are what it would do with --allow-removals`,
    );
  }
}
