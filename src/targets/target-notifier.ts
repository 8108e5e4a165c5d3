// The hook through which a run's changes reach the targets: in the run's transaction (as the emails),
// the accounts the run changed become SCIM rows and their state changes webhook events, all in the
// outbox. Delivery happens later, in the outbox's job: an application that is down never fails or rolls
// back a sync.
import type { SeatsyncConfig, TargetConfig } from '../config/types.ts';
import { occasionId, runIdOf, type Occasion } from '../domain/notification-events.ts';
import type { AllocationPlan } from '../domain/types.ts';
import type { Database } from '../store/db.ts';
import { repositoriesOf, type TargetRepository } from '../store/repositories.ts';
import type { RunNotifier } from '../sync/sync-source.ts';
import { accountEventRows, poolFullEvents, scimRows, syncEvent, webhookRows, type AccountSnapshot, type StateTransition, type TargetRow } from './target-rows.ts';

/** Null when no target is configured. */
export function createTargetNotifier(config: Pick<SeatsyncConfig, 'targets'>): RunNotifier | null {
  const { targets } = config;
  if (targets.length === 0) return null;
  return {
    afterAllocation: async (tx, context) => {
      await tx.targets.insertRows(await rowsOf(tx.targets, targets, context), { now: new Date(context.now) });
    },
    onHeld: async (db, context) => {
      const event = syncEvent('sync.held', {
        runId: context.runId, source: context.source, now: context.now,
        details: { wouldRemove: context.counts.wouldRemove, wouldDisable: context.counts.wouldDisable, total: context.counts.total, threshold: context.threshold, reason: context.reason },
      });
      await insertOnItsOwn(db, webhookRows(targets, [event]), context.now);
    },
    afterRun: async (db, context) => {
      // A failed run applied nothing; the receivers hear of it from its record.
      const run = await repositoriesOf(db).runs.get(context.runId);
      if (run?.status !== 'failed') return;
      const code = run.details['errorCode'];
      const failure = { error: run.error ?? 'failed', code: typeof code === 'string' ? code : null };
      const event = syncEvent('sync.failed', { runId: context.runId, source: context.source, now: context.now, details: failure });
      await insertOnItsOwn(db, webhookRows(targets, [event]), context.now);
    },
  };
}

async function insertOnItsOwn(db: Database, rows: readonly TargetRow[], now: number): Promise<void> {
  if (rows.length === 0) return;
  await db.transaction((tx) => repositoriesOf(tx).targets.insertRows(rows, { now: new Date(now) }));
}

async function rowsOf(
  store: TargetRepository,
  targets: readonly TargetConfig[],
  context: { readonly occasion: Occasion; readonly plan: AllocationPlan; readonly now: number },
): Promise<TargetRow[]> {
  const { occasion, plan, now } = context;
  const runId = occasionId(occasion);
  let accounts: AccountSnapshot[];
  let transitions: StateTransition[];
  // A run is found by its id on the rows it changed (a large run's plan keeps only some changes); an
  // admin action's plan names all of its changes.
  if (occasion.kind === 'run') {
    accounts = await store.changedByRun(occasion.runId);
    transitions = await store.transitionsOfRun(occasion.runId);
  } else {
    accounts = await store.accountsById(plan.changes.map((c) => c.id));
    transitions = plan.changes
      .filter((c) => c.from?.state !== c.to.state)
      .map((c) => ({
        key: `${runId}-${c.id}`, accountId: c.id, from: c.from?.state ?? null, to: c.to.state, reason: c.reason,
        ...(c.takenBy === undefined ? {} : { takenBy: c.takenBy.username }), at: now,
      }));
  }
  const byId = new Map(accounts.map((a) => [a.id, a]));
  return [
    ...scimRows(targets, accounts, { batch: `run-${runId}` }),
    ...accountEventRows(targets, transitions, byId, { runId: runIdOf(occasion) }),
    ...webhookRows(targets, poolFullEvents(plan, { key: runId, runId: runIdOf(occasion), now })),
  ];
}
