// `seatsync targets reconcile` and the scheduled reconcile job: lists the application's users, compares
// each with seatsync's account of the same externalId, and repairs the drift by queueing the accounts
// concerned in the outbox (the delivery that follows makes the application match, in order with rows
// already pending). Users the application has under an externalId seatsync does not know are
// deprovisioned; users without an externalId are not seatsync's and are left alone.
import type { ScimTargetConfig, SeatsyncConfig } from '../../config/types.ts';
import type { Logger } from '../../logging.ts';
import type { Store, TargetRepository } from '../../store/repositories.ts';
import { scimPayloadOf, scimPayloadRows, type ScimUserPayload } from '../target-rows.ts';
import { filterValue, type ScimResource } from './scim-client.ts';
import { DRIFT_KINDS, driftOf, type DriftKind } from './scim-drift.ts';
import { ScimTarget } from './scim-target.ts';

/** Users per SCIM list request. */
const PAGE = 200;
/** Accounts per database page. */
const ACCOUNTS_PAGE = 1_000;
/** Drifted users named in the report (all are counted and repaired). */
const LISTED = 50;

export interface ReconcileReport {
  readonly target: string;
  readonly dryRun: boolean;
  readonly applicationUsers: number;
  readonly found: Readonly<Record<DriftKind, number>>;
  /** Rows queued for the repair (0 on a dry run). */
  readonly queued: number;
  readonly drifted: readonly { readonly externalId: string; readonly userName: string; readonly drift: DriftKind }[];
}

export async function reconcileScimTarget(options: {
  readonly target: ScimTargetConfig;
  readonly config: Pick<SeatsyncConfig, 'pools'>;
  /** The store's targets, and its transaction for the repairs. */
  readonly store: Store;
  readonly logger: Logger;
  readonly dryRun: boolean;
  readonly now?: () => number;
}): Promise<ReconcileReport> {
  const clock = options.now ?? Date.now;
  const scim = new ScimTarget(options.target, { pools: options.config.pools.map((p) => p.name) });
  try {
    const app = await applicationUsers(scim);
    const total = app.size;
    const poolGroups = options.target.groups ? await existingPoolGroups(scim, options.config.pools.map((p) => p.name)) : null;
    const store = options.store.targets;
    const { found, repairs, drifted } = await findDrift(store, app, { deprovision: options.target.deprovision, poolGroups });
    const now = clock();
    let queued = 0;
    if (!options.dryRun && repairs.length > 0) {
      const rows = scimPayloadRows([options.target.name], repairs, { batch: `reconcile-${now}` });
      queued = await options.store.transaction((tx) => tx.targets.insertRows(rows, { now: new Date(now) }));
    }
    if (!options.dryRun) await store.saveDrift(options.target.name, { at: new Date(now), found });
    const report = { target: options.target.name, dryRun: options.dryRun, applicationUsers: total, found, queued, drifted };
    options.logger.info({ target: report.target, found, queued, dryRun: options.dryRun }, 'target reconciled');
    return report;
  } finally {
    scim.close();
  }
}

/**
 * Every account against the application's user of its externalId, then the application's users no
 * account claims. `app` is consumed (the users left in it are the unknown ones).
 */
async function findDrift(
  store: TargetRepository,
  app: Map<string, ScimResource>,
  options: { readonly deprovision: 'deactivate' | 'delete'; readonly poolGroups: ReadonlyMap<string, string> | null },
): Promise<Pick<ReconcileReport, 'found' | 'drifted'> & { repairs: ScimUserPayload[] }> {
  const found = Object.fromEntries(DRIFT_KINDS.map((k) => [k, 0])) as Record<DriftKind, number>;
  const repairs: ScimUserPayload[] = [];
  const drifted: { externalId: string; userName: string; drift: DriftKind }[] = [];
  const note = (payload: ScimUserPayload, drift: DriftKind): void => {
    found[drift] += 1;
    repairs.push(payload);
    if (drifted.length < LISTED) drifted.push({ externalId: payload.externalId, userName: payload.userName, drift });
  };
  for (let afterId = 0; ; ) {
    const page = await store.accountsPage({ afterId, limit: ACCOUNTS_PAGE });
    if (page.length === 0) break;
    for (const account of page) {
      const user = app.get(account.externalId);
      app.delete(account.externalId);
      const drift = driftOf(account, user, options);
      if (drift !== null) note(scimPayloadOf(account), drift);
    }
    afterId = page.at(-1)?.id ?? afterId;
  }
  const unknownDrift: DriftKind = options.deprovision === 'delete' ? 'shouldBeDeleted' : 'shouldBeInactive';
  for (const [externalId, user] of app) {
    if (options.deprovision === 'delete' || user.active !== false) note(unknownUser(externalId, user), unknownDrift);
  }
  return { found, repairs, drifted };
}

/** The application's users that carry an externalId, by it. */
async function applicationUsers(scim: ScimTarget): Promise<Map<string, ScimResource>> {
  const users = new Map<string, ScimResource>();
  for (let startIndex = 1; ; ) {
    const page = await scim.client.list('Users', { startIndex, count: PAGE });
    for (const user of page.resources) if (typeof user.externalId === 'string') users.set(user.externalId, user);
    startIndex += page.resources.length;
    if (page.resources.length === 0 || startIndex > page.totalResults) break;
  }
  return users;
}

/** Group ids of the pools' groups the application has (a missing group: nobody is in it yet). */
async function existingPoolGroups(scim: ScimTarget, pools: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const pool of pools) {
    const group = await scim.client.findOne('Groups', `displayName eq ${filterValue(pool)}`);
    out.set(pool, group?.id ?? `missing:${pool}`);
  }
  return out;
}

function unknownUser(externalId: string, user: ScimResource): ScimUserPayload {
  return {
    accountId: null, externalId, userName: typeof user.userName === 'string' ? user.userName : externalId,
    displayName: typeof user.displayName === 'string' ? user.displayName : null, email: null, state: 'removed', held: [],
  };
}
