// What `seatsync check` shows of a sync it does not make: per source, a dry run of a sync now (the
// sync's own pipeline, rolled back, so the numbers are the allocator's) and what the source's accounts
// would then hold, per profile and pool. The sources checked are planned in one dry run, in order, each
// after the ones before it as the sync would apply them (a run that would be held still plans, and says
// so, and is left out of the later ones' plans as the sync leaves it), from one read of each; a source
// whose check counts its users by reading them (LDAP, file) has them counted from that read, which is
// then a full one (check-action.ts). Nothing is written: a database without seatsync's tables yet is
// planned as a first sync in a throwaway in-memory one (it holds no accounts either), and none is
// migrated.
import type { SeatsyncConfig } from '../config/types.ts';
import { counted } from '../domain/counted.ts';
import { describeHold, heldReport } from '../domain/hold.ts';
import type { Logger } from '../logging.ts';
import type { DirectorySource } from '../sources/directory-source.ts';
import { openDatabase, type Database } from '../store/db.ts';
import { migrate, MIGRATIONS } from '../store/migrations.ts';
import { runSync } from '../sync/run-sync.ts';
import type { SeatTally } from '../sync/apply-run.ts';
import type { SourceRunResult } from '../sync/sync-source.ts';
import type { CheckStep, DatabaseCheck } from './check-services.ts';
import { describeKinds } from './planned-changes.ts';
import { table, type Output } from './output.ts';

/** What a sync now would leave one source's accounts with. */
export interface SourcePlanJson {
  /** Accounts of the source that would not be removed. */
  readonly accounts: number;
  readonly profiles: SeatTally['profiles'];
  /** `held` and `blocked`: accounts of this source; `used` and `waiting`: of every source. */
  readonly pools: readonly (SeatTally['pools'][number] & { readonly seats: number; readonly used: number; readonly waiting: number })[];
  /** A sync now would be held (SPEC rule 10): what it would disable and remove; the numbers above are the plan with removals allowed. */
  readonly held: ReturnType<typeof heldReport> | null;
}

/** The database the dry runs use, or why there is none. */
export type PlanDatabase = { readonly db: Database; readonly detail: string } | { readonly db: null; readonly detail: string; readonly failed: boolean };

/**
 * The database the dry runs use: the checked one (taken over: closed here when it is not used), or an
 * empty in-memory one when seatsync has no tables or no embedded database yet.
 */
export async function planDatabase({ check, open }: DatabaseCheck): Promise<PlanDatabase> {
  // An embedded database not created yet has none of the migrations applied.
  const pending = open?.pendingMigrations ?? MIGRATIONS.length;
  if (check.ok && open !== null && pending === 0) return { db: open.db, detail: 'a dry run of a sync now, rolled back' };
  await open?.db.close().catch(() => undefined);
  if (!check.ok) return { db: null, detail: 'not run: the database failed its check (above)', failed: true };
  if (pending === MIGRATIONS.length) return firstSync();
  return { db: null, detail: 'not run: the database needs migrations this check does not apply; seatsync applies them when it next starts', failed: false };
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

/** A source's step in its check for the dry run and, when it ran, the plan. */
export interface SourcePlanned {
  readonly step: CheckStep;
  readonly plan: SourcePlanJson | null;
}

/**
 * One dry run of `sources`, in the order given, each planned after the ones before it as a sync of them
 * would apply them (`fullReads`: the sources read in full, even where a sync now would read only the
 * changes): each source's step in its check and, when it ran, its plan.
 */
export async function planSources(
  deps: PlanDeps,
  db: Database,
  options: { readonly sources: readonly string[]; readonly fullReads: ReadonlySet<string> },
): Promise<Map<string, SourcePlanned>> {
  if (options.sources.length === 0) return new Map();
  // Held: the plan it would apply once removals are allowed, with what it would hold for.
  const report = await runSync(
    { db, config: deps.config, logger: deps.logger, createSource: deps.createSource },
    { sources: options.sources, dryRun: true, allowRemovals: false, planHeld: true, forceFull: options.fullReads, trigger: 'check', listing: { kinds: [], offset: 0, limit: 0 } },
  );
  const runs = new Map(report.runs.map((run) => [run.source, run]));
  return new Map(options.sources.map((name) => [name, plannedOf(runs.get(name))]));
}

function plannedOf(run: SourceRunResult | undefined): SourcePlanned {
  if (run === undefined || run.status === 'failed' || !run.tally || !run.planned) {
    return { step: { name: 'dry run', ok: false, detail: `failed: ${run?.error ?? 'no result'}` }, plan: null };
  }
  // Seat usage as this source's plan leaves it, after the sources planned before it.
  const after = new Map((run.poolsAfter ?? []).map((p) => [p.name, p]));
  const plan: SourcePlanJson = {
    accounts: run.tally.accounts,
    profiles: run.tally.profiles,
    pools: run.tally.pools.map((p) => {
      const pool = after.get(p.pool);
      return { ...p, seats: pool?.seats ?? 0, used: pool?.used ?? 0, waiting: pool?.waiting ?? 0 };
    }),
    held: run.held ? heldReport(run.held) : null,
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
    out.line(`  a sync now would be HELD: ${describeHold(plan.held)}; the numbers above are what it would do with --allow-removals`);
  }
}
