// Admin actions on one account (SPEC §5 `accounts block|unblock|protect|unprotect`): change the flag and
// re-allocate in the same transaction, so a suspension frees its seat for the next waiting account at once.
import type { SeatsyncConfig } from '../config/types.ts';
import type { AdminAction, Occasion } from '../domain/notification-events.ts';
import { ACCOUNT_REFERENCE, type AllocationPlan } from '../domain/types.ts';
import { storeOf, type AccountView, type AdminFlag, type Database } from '../store/repositories.ts';
import { AdminActionError } from './admin-action-error.ts';
import { auditActorOf, reconcileSeats } from './reconcile.ts';
import type { RunNotifier } from './sync-source.ts';

export type { AdminAction };

export interface AdminActionResult {
  readonly account: AccountView;
  /** False when the account already was in the requested condition. */
  readonly changed: boolean;
  readonly plan: AllocationPlan | null;
}

/** Resolves an account reference (ACCOUNT_REFERENCE: id, username, email or external id) to exactly one account. */
export async function resolveAccount<T extends AccountView>(accounts: { find(ref: string): Promise<T[]> }, ref: string): Promise<T> {
  const found = await accounts.find(ref);
  if (found.length === 0) throw new AdminActionError('not-found', `no account matches "${ref}" (${ACCOUNT_REFERENCE})`);
  const exact = found.filter((a) => String(a.id) === ref);
  if (exact.length === 1 && exact[0]) return exact[0];
  if (found.length > 1) {
    const list = found.map((a) => `${a.id} (${a.source}/${a.username})`).join(', ');
    throw new AdminActionError('ambiguous', `"${ref}" matches several accounts: ${list}; use the numeric id`);
  }
  return found[0] as T;
}

const FLAG: Record<AdminAction, { flag: AdminFlag; value: boolean }> = {
  block: { flag: 'suspended', value: true },
  unblock: { flag: 'suspended', value: false },
  protect: { flag: 'adminProtected', value: true },
  unprotect: { flag: 'adminProtected', value: false },
};

/** Longest reason an admin may give, in characters (it is shown in tables and the audit trail). */
const MAX_REASON_LENGTH = 500;

/**
 * The reason as stored: trimmed, null when empty; refused when too long or with control characters.
 * Characters are counted as the API's schema counts them (code points: an emoji is one). The command
 * line checks it before it opens the database (a refused reason creates no embedded database).
 */
export function normalizeReason(reason: string | undefined): string | null {
  const text = reason?.trim() ?? '';
  if (text === '') return null;
  const length = [...text].length;
  if (length > MAX_REASON_LENGTH) throw AdminActionError.ofInput('invalid-reason', 'reason', `too long (${length} characters; at most ${MAX_REASON_LENGTH})`);
  if (/[\u0000-\u001f\u007f]/.test(text)) throw AdminActionError.ofInput('invalid-reason', 'reason', 'contains a control character (a line break, tab or NUL); write it on one line');
  return text;
}

export async function applyAdminAction(
  deps: { db: Database; config: SeatsyncConfig; notifier?: RunNotifier },
  options: { action: AdminAction; ref: string; actor: string; now?: number; reason?: string },
): Promise<AdminActionResult> {
  const comment = normalizeReason(options.reason);
  const store = storeOf(deps.db);
  const target = await resolveAccount(store.accounts, options.ref);
  const flag = FLAG[options.action];
  const result = await store.transaction(async (tx) => {
    await tx.seats.lock();
    const row = await tx.seats.lockAdminFlags(target.id);
    if (!row) throw new AdminActionError('not-found', `account ${target.id} no longer exists`);
    if (options.action === 'unblock' && !row.suspended && row.state === 'blocked') {
      throw new AdminActionError(
        'invalid-state',
        `account ${target.id} (${target.username}) is waiting for a seat, not blocked by an admin: add seats or protect it`,
      );
    }
    if (row[flag.flag] === flag.value) return { changed: false, plan: null };
    const now = options.now ?? Date.now();
    // The id only has to be unique for the emails' dedupe keys and the targets' rows.
    const occasion: Occasion = {
      kind: 'admin-action', id: `admin-${target.id}-${now}`, actor: options.actor, action: options.action,
      account: { id: target.id, username: target.username },
    };
    await tx.seats.setAdminFlag(target.id, flag.flag, flag.value);
    // The flag change itself, named by its action; the seat changes it causes follow with their reasons.
    // The admin's own words go with the audit row of the action (`comment` in the audit trail).
    const entry = { accountId: target.id, from: target.state, to: target.state, reason: options.action, ...(comment === null ? {} : { details: { comment } }) };
    await tx.audit.add([entry], auditActorOf(occasion));
    const plan = await reconcileSeats(tx, { config: deps.config, now, occasion });
    // An admin action can block others too (a protected account takes a seat), or leave the account it
    // unblocked waiting: the responsible person hears of it, told it was this action.
    await deps.notifier?.afterAllocation(tx, { occasion, source: target.source, plan, now });
    return { changed: true, plan };
  });
  const [account] = await store.accounts.find(String(target.id));
  return { account: account ?? target, ...result };
}
