// The waiting queue and the explanation of one account, as the CLI (`seatsync explain`), the API and
// the console show them: the facts are read here, the reasoning is the domain's (waiting-queue.ts,
// explain.ts), so every place says the same thing.
import type { SeatsyncConfig } from '../config/types.ts';
import { explainAccount, rankWaiting, type Explanation, type QueueStanding } from '../domain/index.ts';
import type { AccountView, AuditView, Repositories, WaitingRow } from '../store/repositories.ts';
import { AdminActionError } from './admin-action-error.ts';
import { resolveAccount } from './admin-actions.ts';
import { poolViews } from './status.ts';

/** How many of an account's latest audit entries its explanation carries. */
export const EXPLAIN_AUDIT_ENTRIES = 20;

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

interface QueuedRow {
  readonly waitingSince: number;
  readonly waitingFor: readonly string[];
  readonly account: WaitingRow;
}

async function rankedQueue(repos: Repositories, config: SeatsyncConfig): Promise<{ entry: QueuedRow; standing: QueueStanding }[]> {
  const [waiting, pools] = await Promise.all([repos.accounts.waiting(), poolViews(repos, config)]);
  return rankWaiting(waiting.map((row): QueuedRow => ({ waitingSince: row.waitingSince, waitingFor: row.waitingFor, account: row })), pools);
}

/** The waiting queue in the order seats will be given, one page of it. */
export async function waitingQueue(repos: Repositories, config: SeatsyncConfig, page: { offset: number; limit: number }): Promise<QueuePage> {
  const ranked = await rankedQueue(repos, config);
  const entries = ranked.slice(page.offset, page.offset + page.limit).map(({ entry: { account, ...entry }, standing }): QueueEntry => ({
    position: standing.position,
    id: account.id,
    source: account.source,
    username: account.username,
    displayName: account.displayName,
    email: account.email,
    waitingSince: new Date(entry.waitingSince).toISOString(),
    waitingFor: entry.waitingFor,
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
  const account = await resolveAccount(repos.accounts, ref);
  const flags = await repos.accounts.flags(account.id);
  if (!flags) throw new AdminActionError('not-found', `account ${account.id} no longer exists`);
  const standing = account.state === 'blocked' ? ((await rankedQueue(repos, config)).find((r) => r.entry.account.id === account.id)?.standing ?? null) : null;
  const { entries } = await repos.audit.list({ accountIds: [account.id], limit: EXPLAIN_AUDIT_ENTRIES });
  const blockedBy = account.state === 'blocked' ? entries.findLast((e) => e.to === 'blocked' && e.from !== 'blocked') : undefined;
  const explanation = explainAccount(
    {
      state: account.state,
      profile: account.profile,
      present: flags.present,
      protectedBy: { admin: flags.admin, policy: flags.policy },
      held: account.pools,
      waitingFor: account.waitingFor,
      graceUntil: account.graceUntil,
      blockedBy: blockedBy ? { reason: blockedBy.reason, from: blockedBy.from, at: blockedBy.at, actor: blockedBy.actor, takenBy: blockedBy.takenBy } : null,
    },
    { profiles: config.profiles, standing },
  );
  return { account, explanation, audit: entries };
}
