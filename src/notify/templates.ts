// The emails, as subject + plain text + HTML, rendered from an outbox event. Pure. Each kind is first
// described as a small document (paragraphs, pool table, account lists, actions); one text and one
// HTML renderer turn that into the two bodies, so escaping lives in one place.
import { describeHold, heldReviewCommand } from '../domain/hold.ts';
import {
  BLOCK_REASONS,
  type AccountLine,
  type AdminAction,
  type BlockReason,
  type EarlyWarningEvent,
  type GraceExpiringEvent,
  type LimitExceededEvent,
  type NotificationEvent,
  type ReminderEvent,
  type SourceFailingEvent,
  type SourceRecoveredEvent,
  type SyncHeldEvent,
} from '../domain/notifications.ts';
import type { PoolUsage } from '../domain/types.ts';
import { formatTime, renderHtml, renderText, type MessageDocument } from './message-document.ts';
import { counted, formatCount } from '../domain/counted.ts';

export interface RenderedMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface RenderOptions {
  /** `http.publicUrl`: adds a dashboard link when set. */
  readonly publicUrl: string | null;
}

/** Accounts listed in one email; the rest are counted, with a pointer to the CLI. */
export const MAX_ACCOUNTS_SHOWN = 50;

export function renderMessage(event: NotificationEvent, options: RenderOptions): RenderedMessage {
  const doc = documentOf(event);
  const withLink = { ...doc, dashboardUrl: dashboardUrl(options.publicUrl) };
  return { subject: oneLine(doc.subject), text: renderText(withLink), html: renderHtml(withLink) };
}

function documentOf(event: NotificationEvent): MessageDocument {
  switch (event.kind) {
    case 'limit-exceeded':
      return limitDocument(event);
    case 'reminder':
      return reminderDocument(event);
    case 'early-warning':
      return earlyWarningDocument(event);
    case 'sync-held':
      return heldDocument(event);
    case 'grace-expiring':
      return graceDocument(event);
    case 'source-failing':
      return failingDocument(event);
    case 'source-recovered':
      return recoveredDocument(event);
    case 'test':
      return {
        subject: 'seatsync test message',
        paragraphs: [`This is a test message from seatsync, requested at ${formatTime(event.at)}. Notifications reach this address.`],
        pools: null,
        lists: [],
        actions: [],
      };
    default: {
      const unknown: never = event;
      throw new Error(`unknown notification kind ${(unknown as { kind: string }).kind}`);
    }
  }
}

function limitDocument(event: LimitExceededEvent): MessageDocument {
  const short = poolsNamed(event.pools, event.shortPools);
  const groups = blockGroups(event);
  const occasion = occasionOf(event);
  const paragraphs = groups.filter((g) => g.total > 0).map((g) => blockParagraph(g, event, occasion));
  if (event.graceTotal > 0) {
    paragraphs.push(
      `${counted(event.graceTotal, 'account')} found no free seat and ${event.graceTotal === 1 ? 'was' : 'were'} activated ` +
        `anyway under the grace policy. When the grace ends without a free seat ${event.graceTotal === 1 ? 'it is' : 'they are'} blocked, newest first.`,
    );
  }
  return {
    subject: `${limitHeadline(groups, event, occasion)} — ${summarize(short)}`,
    paragraphs,
    pools: event.pools,
    lists: [
      ...groups.map((g) => accountList(BLOCK_LIST_TITLE[g.reason], g.accounts, g.total, blockedListCommand(event.runId, g.reason))),
      accountList('Activated under grace', event.grace, event.graceTotal, event.runId === null ? 'seatsync accounts --state active' : `seatsync audit --run ${event.runId} --reason grace`),
    ].filter((l) => l.total > 0),
    actions: seatActions(short),
  };
}

/**
 * The command that lists every account of a block group, where the email shows the first ones: the
 * run's changes into `blocked` (not everyone waiting, which includes earlier runs' accounts), narrowed
 * to the group's reason when it is one audit reason (`seats` stands for several: new, eligible again,
 * another profile). An admin action (no run) blocks one account at most, so its list is never cut short.
 */
function blockedListCommand(runId: string | null, reason: BlockReason): string {
  if (runId === null) return 'seatsync accounts --state blocked';
  return `seatsync audit --run ${runId} --to blocked${reason === 'seats' ? '' : ` --reason ${reason}`}`;
}

interface BlockGroup {
  readonly reason: BlockReason;
  readonly accounts: readonly AccountLine[];
  readonly total: number;
}

const BLOCK_LIST_TITLE: Record<BlockReason, string> = {
  protected: 'Lost their seat to a protected account',
  admin: 'Lost their seat when an admin unprotected them',
  'pool-shrunk': 'Lost their seat to a smaller pool',
  'grace-expired': 'Grace ended without a free seat',
  seats: 'Newly blocked accounts',
};

/** The newly blocked accounts by why they wait; an event of an older version has `seats` only. */
function blockGroups(event: LimitExceededEvent): BlockGroup[] {
  return BLOCK_REASONS.map((reason) => {
    const accounts = event.blocked.filter((a) => (a.blockReason ?? 'seats') === reason);
    const total = event.blockedByReason ? (event.blockedByReason[reason] ?? 0) : reason === 'seats' ? event.blockedTotal : 0;
    return { reason, accounts, total };
  });
}

/** The run or the admin action that caused the event, as the start of a sentence. */
interface OccasionText {
  /** "The sync of corp-ad at …" / "ops unblocked jdoe at …" */
  readonly what: string;
  /** The account an admin unblocked, when it is left waiting. */
  readonly unblocked: string | null;
}

const ACTION_PAST: Record<AdminAction, string> = { block: 'blocked', unblock: 'unblocked', protect: 'protected', unprotect: 'unprotected' };

function occasionOf(event: LimitExceededEvent): OccasionText {
  const at = formatTime(event.at);
  const o = event.occasion;
  if (o?.kind === 'admin-action') {
    return { what: `${o.actor} ${ACTION_PAST[o.action]} ${o.account.username} at ${at}`, unblocked: o.action === 'unblock' ? o.account.username : null };
  }
  return { what: event.source ? `The sync of ${event.source} at ${at}` : `A seat allocation at ${at}`, unblocked: null };
}

function limitHeadline(groups: readonly BlockGroup[], event: LimitExceededEvent, occasion: OccasionText): string {
  const total = (reasons: readonly BlockReason[]): number => groups.filter((g) => reasons.includes(g.reason)).reduce((n, g) => n + g.total, 0);
  const lost = total(['protected', 'admin', 'pool-shrunk', 'grace-expired']);
  if (occasion.unblocked !== null && event.blockedTotal === 1 && total(['seats']) === 1 && event.graceTotal === 0) {
    return `${occasion.unblocked} unblocked, waiting for a seat`;
  }
  if (lost > 0) return `${counted(lost, 'account')} lost ${lost === 1 ? 'its seat' : 'their seats'}`;
  return 'License limit exceeded';
}

function blockParagraph(group: BlockGroup, event: LimitExceededEvent, occasion: OccasionText): string {
  const n = group.total;
  const one = n === 1;
  const accounts = counted(n, 'account');
  const waits = `${one ? 'It is' : 'They are'} blocked, ${one ? 'holds' : 'hold'} no seat and ${one ? 'waits' : 'wait'} for one from now`;
  switch (group.reason) {
    case 'protected': {
      const takers = [...new Set(group.accounts.map((a) => a.takenBy).filter((t): t is string => !!t))];
      const who = takers.length === 0 ? 'protected accounts' : `the protected ${takers.length === 1 ? 'account' : 'accounts'} ${takers.join(', ')}`;
      return (
        `${occasion.what}: ${who} took a seat in a full pool (protected accounts are never blocked), so ${accounts} ` +
        `lost the seat ${one ? 'it' : 'they'} held, the most recently activated first. ${waits}; the list shows since when ${one ? 'it' : 'each'} held ${one ? 'its seat' : 'theirs'} and who took it.`
      );
    }
    case 'admin': {
      const pools = [...new Set(group.accounts.flatMap((a) => a.pools))];
      const which = pools.length === 0 ? 'its pool' : pools.join(', ');
      return (
        `${occasion.what}: no longer protected, ${accounts} lost the seat ${one ? 'it' : 'they'} held beyond the seats of ${which}, ` +
        `which protected accounts alone fill. ${waits}; the list shows since when ${one ? 'it' : 'each'} held ${one ? 'its seat' : 'theirs'}.`
      );
    }
    case 'pool-shrunk': {
      const pools = [...new Set(group.accounts.flatMap((a) => a.pools))];
      const which = pools.length === 0 ? 'a pool now has' : `${pools.join(', ')} now ${pools.length === 1 ? 'has' : 'have'}`;
      return (
        `${occasion.what}: ${which} fewer seats than holders, so ${accounts} lost the seat ${one ? 'it' : 'they'} held, ` +
        `the most recently activated first. ${waits}; the list shows since when ${one ? 'it' : 'each'} held ${one ? 'its seat' : 'theirs'}.`
      );
    }
    case 'grace-expired':
      return `${occasion.what}: the grace period of ${accounts} ended without a free seat. ${waits}.`;
    case 'seats': {
      const automatic = 'seatsync activates waiting accounts automatically, first come first served, as soon as seats are free.';
      if (occasion.unblocked !== null) {
        const line = group.accounts.find((a) => a.username === occasion.unblocked);
        const since = line?.waitingSince ? formatTime(line.waitingSince) : formatTime(event.at);
        const others = n - (line ? 1 : 0);
        return (
          `${occasion.what}. No seat was free, so ${occasion.unblocked} waits for one since ${since}` +
          `${others > 0 ? ` (and ${counted(others, 'other account')} with it)` : ''}. ${automatic}`
        );
      }
      return `${occasion.what} found no free seat for ${accounts}. ${one ? 'It is blocked and holds' : 'They are blocked and hold'} no seat; ${automatic}`;
    }
  }
}

function reminderDocument(event: ReminderEvent): MessageDocument {
  const short = poolsNamed(event.pools, event.shortPools);
  const waiting = short.reduce((sum, p) => sum + p.waiting, 0);
  const since = event.lastEmailAt ? ` The last email about it was sent at ${formatTime(event.lastEmailAt)}.` : '';
  return {
    subject: `Still over the license limit — ${summarize(short)}`,
    paragraphs: [
      `${counted(waiting, 'account')} ${waiting === 1 ? 'is' : 'are'} still waiting for a seat in ${short.map((p) => p.name).join(', ')}.${since} ` +
        `${waiting === 1 ? 'It is' : 'They are'} activated automatically as soon as seats are free.`,
    ],
    pools: event.pools,
    lists: [],
    actions: [...seatActions(short), 'See who is waiting: `seatsync accounts --state blocked`.'],
  };
}

function earlyWarningDocument(event: EarlyWarningEvent): MessageDocument {
  const pct = Math.round(event.warnAt * 100);
  return {
    subject: `License usage above ${pct}% — ${event.pools.map((p) => `${p.name} ${p.used}/${p.seats}`).join('; ')}`,
    paragraphs: [
      `${event.pools.length === 1 ? 'This pool has' : 'These pools have'} reached ${pct}% of ${event.pools.length === 1 ? 'its' : 'their'} seats. ` +
        'Nobody is blocked yet; new users will be once no seat is left. You get this warning again only after usage ' +
        `has fallen below ${pct}%.`,
    ],
    pools: event.pools,
    lists: [],
    actions: seatActions(event.pools),
  };
}

function heldDocument(event: SyncHeldEvent): MessageDocument {
  const what = describeHold(event);
  const counts = event.reason === 'empty-read'
    ? 'the source returned no users'
    : `would disable ${formatCount(event.wouldDisable)} and remove ${formatCount(event.wouldRemove)} of ${counted(event.total, 'account')}`;
  const protects = 'This protects accounts from a directory outage, a wrong filter or an incomplete export.';
  const { reminder } = event;
  if (reminder) {
    return {
      subject: `Sync still held for ${event.source} since ${formatTime(reminder.heldSince)} — ${counts}`,
      paragraphs: [
        `The sync of ${event.source} has been held since ${formatTime(reminder.heldSince)} (${counted(reminder.heldRuns, 'held run')}) and changed nothing. ` +
          `Its last run, at ${formatTime(event.at)}, was held too: ${what}. ${protects}`,
        'Until the hold is resolved, nothing of the directory is applied: users deleted or disabled there keep their accounts and their seats. ' +
          `This reminder comes again while the runs of ${event.source} stay held (\`notify.remindEvery\`).`,
      ],
      pools: null,
      lists: [],
      actions: heldActions(event.source),
    };
  }
  return {
    subject: `Sync held for ${event.source} — ${counts}`,
    paragraphs: [`The sync of ${event.source} at ${formatTime(event.at)} was held and changed nothing: ${what}. ${protects}`],
    pools: null,
    lists: [],
    actions: heldActions(event.source),
  };
}

/** What to do about a held run of `source`: see what it would change, check the source, apply it if right. */
function heldActions(source: string): string[] {
  return [
    `See which accounts it would disable or remove: \`${heldReviewCommand(source)}\`.`,
    `Check the source (\`seatsync check --source ${source}\`) and its configuration.`,
    `If the change is expected, apply it: \`seatsync sync --source ${source} --allow-removals\`.`,
  ];
}

function failingDocument(event: SourceFailingEvent): MessageDocument {
  const last = event.lastSuccessAt ? `The last successful sync ended at ${formatTime(event.lastSuccessAt)}.` : 'It has never synced successfully.';
  return {
    subject: `${event.reminder ? 'Still failing' : 'Sync failing'}: ${event.source} since ${formatTime(event.failingSince)} (${counted(event.failures, 'failed run')})`,
    paragraphs: [
      `Every sync of ${event.source} since ${formatTime(event.failingSince)} has failed (${counted(event.failures, 'run')} in a row), ` +
        'so changes in the directory are not applied: new users get no account, leavers keep their seats. ' +
        'Nothing was disabled or removed because of the failure.',
      `The last error${event.error.code ? ` (${event.error.code})` : ''}: ${event.error.message}`,
      last,
    ],
    pools: null,
    lists: [],
    actions: [
      `Test the connection, the credentials and the scope: \`seatsync check --source ${event.source}\`.`,
      `Check the directory server, the service account's password and certificates, and the \`sources\` entry of ${event.source} in the configuration.`,
      `See the last runs and errors: \`seatsync status\`. A "recovered" email follows when a sync works again.`,
    ],
  };
}

function recoveredDocument(event: SourceRecoveredEvent): MessageDocument {
  if (event.held === true) {
    // The outage is over (the directory answered), but the run was held: nothing of it is applied yet.
    return {
      subject: `Sync of ${event.source} reads the directory again, but its run was held`,
      paragraphs: [
        `The sync of ${event.source} read its directory again at ${formatTime(event.at)}, after failing since ${formatTime(event.failingSince)} ` +
          `(${counted(event.failures, 'failed run')}), but that run was held and changed nothing (the "Sync held" email says why): ` +
          'nothing of the directory is applied until the hold is resolved.',
      ],
      pools: null,
      lists: [],
      actions: heldActions(event.source),
    };
  }
  return {
    subject: `Sync recovered: ${event.source}`,
    paragraphs: [
      `The sync of ${event.source} worked again at ${formatTime(event.at)}, after failing since ${formatTime(event.failingSince)} ` +
        `(${counted(event.failures, 'failed run')}). The directory's changes of that time are applied now.`,
    ],
    pools: null,
    lists: [],
    actions: [],
  };
}

function graceDocument(event: GraceExpiringEvent): MessageDocument {
  const pools = new Set(event.accounts.flatMap((a) => a.pools));
  const short = event.pools.filter((p) => pools.has(p.name));
  return {
    subject: `Grace ends soon for ${counted(event.accountsTotal, 'account')} — ${summarize(short.length > 0 ? short : event.pools)}`,
    paragraphs: [
      `${counted(event.accountsTotal, 'account')} activated under the grace policy ${event.accountsTotal === 1 ? 'loses its' : 'lose their'} seat ` +
        `within a day unless seats are free by then; ${event.accountsTotal === 1 ? 'it' : 'they'} will then be blocked, newest first.`,
    ],
    pools: event.pools,
    lists: [accountList('Grace ending', event.accounts, event.accountsTotal, 'seatsync accounts --state active')],
    actions: seatActions(short.length > 0 ? short : event.pools),
  };
}

function seatActions(pools: readonly PoolUsage[]): string[] {
  const keys = pools.map((p) => `\`pools.${p.name}.seats\``).join(', ') || 'the pool seats';
  return [
    `Add seats: raise ${keys} in the seatsync configuration; the next run activates waiting accounts.`,
    'Or free seats: block accounts that no longer need one (`seatsync accounts block USERNAME`) or disable them in the directory.',
  ];
}

function accountList(title: string, accounts: readonly AccountLine[], total: number, command: string): MessageDocument['lists'][number] {
  const shown = accounts.slice(0, MAX_ACCOUNTS_SHOWN);
  const rest = total - shown.length;
  return { title, accounts: shown, total, more: rest > 0 ? { count: rest, command } : null };
}

function poolsNamed(pools: readonly PoolUsage[], names: readonly string[]): PoolUsage[] {
  const picked = pools.filter((p) => names.includes(p.name));
  return picked.length > 0 ? picked : [...pools];
}

/** "primary 100/100, 7 waiting; extranet 21/20, 1 over" */
export function summarize(pools: readonly PoolUsage[]): string {
  return pools
    .map((p) => {
      const parts = [`${p.name} ${formatCount(p.used)}/${formatCount(p.seats)}`];
      if (p.waiting > 0) parts.push(`${formatCount(p.waiting)} waiting`);
      if (p.overage > 0) parts.push(`${formatCount(p.overage)} over`);
      return parts.join(', ');
    })
    .join('; ');
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').trim();
}

/** Only http(s) links: the URL ends up in an href. */
function dashboardUrl(publicUrl: string | null): string | null {
  if (!publicUrl) return null;
  try {
    const url = new URL(publicUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}
