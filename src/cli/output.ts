// Human output (aligned tables), JSON and CSV writers. Command output goes to stdout; logs to stderr.
import { counted, formatCount } from '../domain/counted.ts';
import { describeHold, heldReviewCommand, type HeldReport } from '../domain/hold.ts';

export interface Output {
  line(text?: string): void;
  json(value: unknown): void;
  /** True when stdout is a terminal (progress lines, colors). */
  readonly isTty: boolean;
  /** A progress line on stderr that rewrites itself on a TTY; nothing otherwise. */
  progress(text: string): void;
  endProgress(): void;
}

export function processOutput(): Output {
  const isTty = Boolean(process.stderr.isTTY);
  let progressShown = false;
  return {
    line: (text = '') => void process.stdout.write(`${text}\n`),
    json: (value) => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    isTty: Boolean(process.stdout.isTTY),
    progress(text) {
      if (!isTty) return;
      progressShown = true;
      process.stderr.write(`\r\x1b[2K${text}`);
    },
    endProgress() {
      if (progressShown) process.stderr.write('\r\x1b[2K');
      progressShown = false;
    },
  };
}

/** A cell's text on one line and inert in a terminal: control characters (a newline in a display name, an escape sequence) written as escapes. */
export function cellText(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => CONTROL_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
const CONTROL_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Lines for stderr (an error that quotes what was typed: `no account matches "…"`): each line as cellText writes it. */
export function inertLines(text: string): string {
  return text.split('\n').map(cellText).join('\n');
}

/**
 * Formats rows as a left-aligned table with a header; numbers right-aligned. A number is a count, written
 * as every count is (1,198: `formatCount`, as the emails and the console write it); an id is not a count,
 * so callers pass ids as text.
 */
export function table(headers: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const cells = rows.map((row) => row.map((v) => (v === null || v === undefined ? '' : typeof v === 'number' ? formatCount(v) : cellText(v))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const fmt = (row: readonly string[]): string =>
    row
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(headers), fmt(widths.map((w) => '-'.repeat(w))), ...cells.map(fmt)].join('\n');
}

export { csvField, csvLine } from '../sync/account-export.ts';

export { formatCount };

/** The kinds of drift found and how many of each (`missing 3, groups 1,204`); `none` when there is none. */
export function driftText(drift: Readonly<Record<string, number>>, none: string): string {
  const found = Object.entries(drift).filter(([, n]) => n > 0);
  return found.length === 0 ? none : found.map(([kind, n]) => `${kind} ${formatCount(n)}`).join(', ');
}

/** The line after the first entries of a list printed: how many more there are, told in the logs. */
export function moreInLogText(source: string, more: number, what: string): string {
  return `${source}: … ${formatCount(more)} more ${what} (see the logs)`;
}

/** A run as the result tables of `sync` and `resync --wait` show it. */
interface RunRow {
  readonly source: string;
  readonly status: string;
  readonly seen: number;
  readonly created: number;
  readonly updated: number;
  readonly activated: number;
  readonly blocked: number;
  readonly disabled: number;
  readonly removed: number;
  readonly skipped: number;
  readonly durationMs: number;
}

/** One line per run: what `sync` and `resync --wait` print above their notes. */
export function runsTable(runs: readonly RunRow[]): string {
  return table(
    ['source', 'status', 'seen', 'created', 'updated', 'activated', 'blocked', 'disabled', 'removed', 'skipped', 'time'],
    runs.map((r) => [r.source, r.status, r.seen, r.created, r.updated, r.activated, r.blocked, r.disabled, r.removed, r.skipped, `${(r.durationMs / 1000).toFixed(1)}s`]),
  );
}

/**
 * A held run as the commands say it: why (`describeHold`; left out for the result of a worker older than
 * the reason) and the command that applies it anyway (`seatsync sync`, or `resync` through the workers).
 */
export function heldText(source: string, held: HeldReport | undefined, apply: 'sync' | 'resync'): string {
  return `\n${source}: HELD — ${held ? `${describeHold(held)}. ` : ''}Nothing was applied. See which accounts it would disable or remove with:\n` +
    `  ${heldReviewCommand(source)}\nIf this is right, apply it with:\n` +
    `  seatsync ${apply} --source ${source} --allow-removals`;
}

/** A source with a schedule that no worker has set yet (status.ts `sourcesNotScheduled`): never overdue until one does. */
export function notScheduledText(source: string): string {
  return `${source}: NOT SCHEDULED — no worker has scheduled it yet, so a missed run is not reported. ` +
    '`seatsync run` schedules it when it starts or notices the config change.';
}

/** A source whose scheduled run has not started (`overdueSince`), and what to check. */
export function overdueText(source: { readonly name: string; readonly overdueSince: string | null; readonly lastRun: { readonly startedAt: string } | null }): string {
  const last = source.lastRun ? `the last one started at ${source.lastRun.startedAt}` : 'it has never run';
  return `a scheduled run was due at ${source.overdueSince ?? '?'} and none has started since (${last}). ` +
    `Is \`seatsync run\` up, with Redis reachable? \`seatsync resync --source ${source.name} --wait\` asks a worker to sync it now.`;
}

/** What `seatsync status` says of a source's accounts frozen because their entries are unreadable (after `NAME: FROZEN — `). */
export function frozenText(source: { readonly name: string; readonly frozen: { readonly accounts: number; readonly holdingSeats: number } }): string {
  const { accounts, holdingSeats } = source.frozen;
  const one = accounts === 1;
  return `${counted(accounts, 'account is', 'accounts are')} kept exactly as ${one ? 'it was' : 'they were'} (holding seats: ${formatCount(holdingSeats)}): ` +
    `${one ? 'its directory entry is' : 'their directory entries are'} unreadable, so a change of ${one ? 'it' : 'them'} in the directory (a disabling included) does not apply. ` +
    `\`seatsync sync --source ${source.name} --dry-run --full\` names each entry, its attribute and why (the first 10; the log names every one); ` +
    'once they are fixed in the directory, the next run applies them.';
}

/** What `seatsync status` says of a source that is not in the config but still has accounts (after `NAME: NOT IN THE CONFIG — `). */
export function unconfiguredText(source: { readonly name: string; readonly accounts: number; readonly holdingSeats: number }): string {
  return `${counted(source.accounts, 'account keeps', 'accounts keep')} ${source.accounts === 1 ? 'its' : 'their'} state (holding seats: ${formatCount(source.holdingSeats)}) and nothing syncs them. ` +
    `\`seatsync accounts --source ${source.name}\` lists them; to release them, put the source back in the config as a file source reading a CSV file ` +
    `with only the header line \`id\`, then run \`seatsync sync --source ${source.name} --allow-removals\` (the README's "A source taken out of the config").`;
}
