// The waiting queue and the explanation of one account, as the CLI (`seatsync explain`), the API and
// the console show them: the facts are read here, the reasoning is the domain's (waiting-queue.ts,
// explain.ts), so every place says the same thing.
import type { SeatsyncConfig } from '../config/types.ts';
import { compareWaitingTogether, explainAccount, ordersAsBytes, rankWaiting, standingOf, type Explanation, type QueueStanding } from '../domain/index.ts';
import type { AccountView, AuditView, ExplainedAccountRow, Repositories, WaitingRow } from '../store/repositories.ts';
import { resolveAccount } from './admin-actions.ts';
import { poolViews } from './status.ts';

/** How many of an account's latest audit entries its explanation carries. */
const EXPLAIN_AUDIT_ENTRIES = 20;

export interface QueueEntry extends Pick<WaitingRow, 'id' | 'source' | 'username' | 'displayName' | 'email'> {
  readonly position: number;
  readonly waitingSince: string;
  readonly waitingFor: readonly string[];
  readonly why: string;
  readonly pools: QueueStanding['pools'];
}

export interface QueuePage {
  readonly total: number;
  readonly entries: QueueEntry[];
}

/** The waiting queue in the order seats will be given, one page of it. */
export async function waitingQueue(repos: Repositories, config: SeatsyncConfig, page: { offset: number; limit: number }): Promise<QueuePage> {
  const [waiting, pools] = await Promise.all([repos.accounts.waiting(), poolViews(repos, config)]);
  const ranked = rankWaiting(waiting.map((account) => ({ waitingSince: account.waitingSince, waitingFor: account.waitingFor, account })), pools);
  const entries = ranked.slice(page.offset, page.offset + page.limit).map(({ entry: { account }, standing }): QueueEntry => ({
    position: standing.position,
    id: account.id,
    source: account.source,
    username: account.username,
    displayName: account.displayName,
    email: account.email,
    waitingSince: new Date(account.waitingSince).toISOString(),
    waitingFor: account.waitingFor,
    why: standing.summary,
    pools: standing.pools,
  }));
  return { total: ranked.length, entries };
}

export interface AccountExplanation {
  readonly account: AccountView;
  readonly explanation: Explanation;
  /** The latest audit entries of the account, oldest first. */
  readonly audit: AuditView[];
}

/** Why the account `ref` (id, username, email or directory id) is in its state. */
export async function explainAccountRef(repos: Repositories, config: SeatsyncConfig, ref: string): Promise<AccountExplanation> {
  const found = await resolveAccount({ find: (r: string) => repos.accounts.findExplained(r) }, ref);
  const { present, adminProtected, policyProtected, unreadableAt, queueSince: _since, queueCreated: _created, ...account } = found;
  const blocked = account.state === 'blocked';
  const [standing, { entries }, blockedBy] = await Promise.all([
    blocked ? queueStanding(repos, config, found) : null,
    repos.audit.list({ accountIds: [account.id], limit: EXPLAIN_AUDIT_ENTRIES }),
    blocked ? repos.audit.lastBlocking(account.id) : null,
  ]);
  const explanation = explainAccount(
    {
      state: account.state,
      profile: account.profile,
      present,
      protectedBy: { admin: adminProtected, policy: policyProtected },
      held: account.pools,
      waitingFor: account.waitingFor,
      graceUntil: account.graceUntil,
      blockedBy,
      unreadableAt,
    },
    { profiles: config.profiles, standing },
  );
  return { account, explanation, audit: entries };
}

/**
 * The standing of one blocked account, as `rankWaiting` would give it, from the accounts the database
 * counts ahead of it: no ranking of the whole queue.
 */
async function queueStanding(repos: Repositories, config: SeatsyncConfig, account: ExplainedAccountRow): Promise<QueueStanding> {
  const tiesByBytes = ordersAsBytes(account.username);
  const [counted, pools] = await Promise.all([repos.accounts.queueAhead(account, { tiesByBytes }), poolViews(repos, config)]);
  // Accounts tied with it before the username (only for a username bytes do not order): the domain's order decides.
  const tiesAhead = counted.ties.filter(
    (t) => compareWaitingTogether({ ...t, directoryCreatedAt: null }, { id: account.id, username: account.username, directoryCreatedAt: null }) < 0,
  );
  const ahead = [...counted.ahead, ...tiesAhead.map((t) => ({ waitingFor: t.waitingFor, n: 1 }))];
  const aheadPerPool = new Map<string, number>();
  for (const { waitingFor, n } of ahead) for (const name of waitingFor) aheadPerPool.set(name, (aheadPerPool.get(name) ?? 0) + n);
  return standingOf({ ahead: ahead.reduce((sum, a) => sum + a.n, 0), total: counted.total, waitingFor: account.waitingFor, aheadPerPool }, pools);
}
