// Seat usage and run status as the CLI (`status`, `sync`) and the API show them (SPEC §5 shapes).
import type { Schedule, SeatsyncConfig } from '../config/types.ts';
import { NO_SCHEDULE_TEXT, scheduledAfter, scheduleOfText, scheduleText } from '../config/values.ts';
import { heldReport, type HeldReport } from '../domain/hold.ts';
import type { PoolUsage } from '../domain/types.ts';
import type { FrozenCount, PoolCounts, Repositories, RunRecord, SourceHealth, TargetState, UnconfiguredSource } from '../store/repositories.ts';

/** SPEC §5 `POOL`: a pool's usage without the overage. */
export type PoolView = Omit<PoolUsage, 'overage'>;

/** The SPEC fields of a source's last run, and `held` (held runs only: what it would have done and why it was held). */
export interface LastRunView {
  readonly status: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly seen: number;
  readonly held?: HeldReport;
}

/** One source in `status --json`: the SPEC fields (`name`, `lastRun`), then how the source has been doing. */
export interface SourceStatusView {
  readonly name: string;
  readonly lastRun: LastRunView | null;
  /** The newest run that ended `ok`. */
  readonly lastSuccessfulRun: { id: string; finishedAt: string } | null;
  /** Failed runs since the source was last read (0: working). */
  readonly consecutiveFailures: number;
  /** When the current run of failures began; null while the source works. */
  readonly failingSince: string | null;
  /** The newest failed run's error, with its time (kept after the source recovers). */
  readonly lastError: { runId: string; at: string; code: string | null; message: string } | null;
  /**
   * When the scheduled run after the last one was due, if none has started since (no worker running, its
   * schedules lost, or sync jobs queued behind others); for a source that has never run, or whose schedule
   * changed since its last run, when its first scheduled run was due after a worker first scheduled its
   * schedule. It goes by the schedule a worker last set: one edited in the config while no worker runs
   * counts once a worker sets it. Null while runs start on time, one is running, the source has no
   * schedule in the config, or no worker has scheduled it yet (`sourcesNotScheduled`).
   */
  readonly overdueSince: string | null;
  /**
   * Accounts whose directory entries a read of the source found present but unreadable (a value no
   * mapping reads, such as `enabled: Y`): kept exactly as they were, seats included, until a read of the
   * source returns them readable or finds them gone. Zero counts while there are none.
   */
  readonly frozen: FrozenCount;
}

/** One provisioning target: its backlog, its last delivery and what its last reconcile found. */
export interface TargetView extends TargetState {
  readonly name: string;
  readonly kind: 'scim' | 'webhook';
}

export interface StatusView {
  readonly pools: PoolView[];
  readonly sources: SourceStatusView[];
  readonly outbox: { pending: number; failed: number };
  readonly targets: TargetView[];
  /**
   * Sources that are not in the config but still have accounts not removed, by name: nothing syncs them,
   * so they keep their seats until the source is put back and synced (see the README, "A source taken
   * out of the config"). Empty when there are none.
   */
  readonly unconfiguredSources: UnconfiguredSource[];
}

function poolView(name: string, seats: number, counts: { used: number; waiting: number }): PoolView {
  return { name, seats, used: counts.used, available: Math.max(0, seats - counts.used), waiting: counts.waiting };
}

/** The config's pools with their holders and waiting accounts by pool name (as stored when `counts` is not given). */
export async function poolViews(repos: Pick<Repositories, 'accounts'>, config: SeatsyncConfig, counts?: Map<string, PoolCounts>): Promise<PoolView[]> {
  const byName = counts ?? (await repos.accounts.poolCounts());
  return config.pools.map((p) => poolView(p.name, p.seats, byName.get(p.name) ?? { used: 0, waiting: 0 }));
}

export function poolViewsFromPlan(pools: readonly PoolUsage[]): PoolView[] {
  return pools.map((p) => poolView(p.name, p.seats, p));
}

export async function statusView(repos: Repositories, config: SeatsyncConfig, options: { readonly now?: Date } = {}): Promise<StatusView> {
  const names = config.sources.map((s) => s.name);
  const now = options.now ?? new Date();
  const runs = await repos.runs.last(names);
  const health = await repos.runs.health(names);
  const { overdue } = await overdueByName(repos, config, runs, now);
  const { pending, failed } = await repos.outbox.counts();
  const frozen = await repos.seats.frozenCounts(names);
  return {
    pools: await poolViews(repos, config),
    sources: config.sources.map((source) => ({
      ...sourceView(source.name, runs.get(source.name), health.get(source.name), overdue.get(source.name) ?? null),
      frozen: frozen.get(source.name) ?? NONE_FROZEN,
    })),
    outbox: { pending, failed },
    targets: await targetViews(repos, config),
    unconfiguredSources: await repos.accounts.unconfiguredSources(names),
  };
}

const NONE_FROZEN: FrozenCount = { accounts: 0, holdingSeats: 0 };

/** Longest wait for a due run to start before it counts as missed (a shorter schedule waits one interval). */
const MAX_START_DELAY_MS = 3_600_000;

/**
 * The time the run after `last` was due by `schedule` (the one a worker set), once it is late: not
 * started within the schedule's interval (at most an hour) after it was due. It counts from the last
 * run's start, or from `scheduleSeen` (when a worker first set that schedule) if that is later: a source
 * that has never run, or whose schedule changed since its last run (from `off`, or another cron), is due
 * at its first scheduled time after that. Null while no worker has scheduled the source (`scheduleSeen`
 * null: nothing was set to run it), and while a run is at work (`atWork`: one longer than the schedule's
 * interval is late, not missed; one cut off by a stopped process is not).
 */
export function overdueSince(
  schedule: Schedule | null, reference: { last: RunRecord | undefined; scheduleSeen: Date | null; atWork: boolean }, now: Date,
): string | null {
  const { last, scheduleSeen } = reference;
  if (schedule === null || scheduleSeen === null || reference.atWork) return null;
  const { first, second } = scheduledAfter(schedule, new Date(Math.max(scheduleSeen.getTime(), last?.startedAt.getTime() ?? 0)));
  const lateAfterMs = Math.min(second.getTime() - first.getTime(), MAX_START_DELAY_MS);
  return now.getTime() > first.getTime() + lateAfterMs ? first.toISOString() : null;
}

/**
 * `overdueSince` of every configured source by name, and when a worker first scheduled each source (see
 * `recordSchedules`). A source counts by the schedule a worker last set for it, from when it set it: a
 * schedule edited in the config while no worker runs is applied by none yet, and the one set before it
 * stays the one whose runs are due (a source turned `off` in the config is never overdue, though). Reads only.
 */
async function overdueByName(
  repos: Pick<Repositories, 'runs'>, config: Pick<SeatsyncConfig, 'sources'>, runs: Map<string, RunRecord>, now: Date,
): Promise<{ overdue: Map<string, string | null>; firstSeen: Map<string, Date> }> {
  const names = config.sources.map((s) => s.name);
  const seen = await repos.runs.firstSeen(names);
  const atWork = await repos.runs.atWork(names);
  const overdue = new Map(config.sources.map((s) => {
    const recorded = seen.get(s.name);
    // A schedule not recorded yet (null: kept from before schedules were recorded), or recorded in a text
    // this version does not write, is taken to be the config's.
    const stored = s.schedule === null || recorded === undefined || recorded.schedule === null ? undefined : scheduleOfText(recorded.schedule);
    const schedule = stored === undefined ? s.schedule : stored;
    return [s.name, overdueSince(schedule, { last: runs.get(s.name), scheduleSeen: recorded?.scheduleAt ?? null, atWork: atWork.has(s.name) }, now)];
  }));
  return { overdue, firstSeen: new Map([...seen].map(([source, s]) => [source, s.at])) };
}

/**
 * The configured sources with a schedule that no worker has set yet: none has recorded them (see
 * `recordSchedules`), or the last one to record them had them `off` or out of its config. Such a source
 * is never overdue (`overdueSince`): nothing was set to run it. `seatsync status` says so. Reads only.
 */
export async function sourcesNotScheduled(repos: Pick<Repositories, 'runs'>, config: Pick<SeatsyncConfig, 'sources'>): Promise<Set<string>> {
  const scheduled = config.sources.filter((s) => s.schedule !== null).map((s) => s.name);
  const seen = await repos.runs.firstSeen(scheduled);
  return new Set(scheduled.filter((name) => {
    const recorded = seen.get(name);
    return recorded === undefined || recorded.schedule === NO_SCHEDULE_TEXT;
  }));
}

/** Each configured source's schedule as `recordSchedules` records it (canonical text, `off` included). */
export function schedulesOf(config: Pick<SeatsyncConfig, 'sources'>): { source: string; schedule: string }[] {
  return config.sources.map((s) => ({ source: s.name, schedule: scheduleText(s.schedule) }));
}

function sourceView(name: string, run: RunRecord | undefined, h: SourceHealth | undefined, overdue: string | null): Omit<SourceStatusView, 'frozen'> {
  return {
    name,
    lastRun: run ? lastRunView(run) : null,
    lastSuccessfulRun: h?.lastSuccess ? { id: h.lastSuccess.runId, finishedAt: h.lastSuccess.finishedAt.toISOString() } : null,
    consecutiveFailures: h?.consecutiveFailures ?? 0,
    failingSince: h?.failingSince?.at.toISOString() ?? null,
    lastError: h?.lastError ? { runId: h.lastError.runId, at: h.lastError.at.toISOString(), code: h.lastError.code, message: h.lastError.message } : null,
    overdueSince: overdue,
  };
}

function lastRunView(run: RunRecord): LastRunView {
  // A held run records its report in its details (sync/sync-source.ts).
  const held = run.status === 'held' ? (run.details['held'] as HeldReport | undefined) : undefined;
  return {
    status: run.status, startedAt: run.startedAt.toISOString(), finishedAt: run.finishedAt?.toISOString() ?? null, seen: run.seen,
    ...(held ? { held: heldReport(held) } : {}),
  };
}

/**
 * What the metrics report of each configured source's schedule: the sources whose scheduled run is
 * overdue (`overdueSince`), and when a worker first scheduled each one (the age of a source that has never
 * synced successfully, which the SeatsyncSourceStale alert reads where no last success exists).
 */
export async function sourceSchedules(
  repos: Pick<Repositories, 'runs'>, config: Pick<SeatsyncConfig, 'sources'>, now: Date,
): Promise<{ overdue: Set<string>; firstSeen: Map<string, Date> }> {
  const { overdue, firstSeen } = await overdueByName(repos, config, await repos.runs.last(config.sources.map((s) => s.name)), now);
  return { overdue: new Set([...overdue].filter(([, since]) => since !== null).map(([name]) => name)), firstSeen };
}

export async function targetViews(repos: Pick<Repositories, 'targets'>, config: Pick<SeatsyncConfig, 'targets'>): Promise<TargetView[]> {
  if (config.targets.length === 0) return [];
  const states = await repos.targets.states(config.targets.map((t) => t.name));
  // `states` has a row for every name it is given.
  return config.targets.map((t) => ({ name: t.name, kind: t.kind, ...(states.get(t.name) as TargetState) }));
}
