// A message as a small structured document, and its two renderings: plain text and HTML.
// Texts written by seatsync may mark commands and config keys with `backticks`; every value is
// HTML-escaped before that markup is applied, so directory data can never inject markup.
import type { AccountLine } from '../domain/notifications.ts';
import type { PoolUsage } from '../domain/types.ts';
import { formatCount } from '../domain/counted.ts';

export interface AccountList {
  readonly title: string;
  readonly accounts: readonly AccountLine[];
  /** All accounts of the list, shown or not. */
  readonly total: number;
  /** Accounts not shown, and the command that lists them all. */
  readonly more: { readonly count: number; readonly command: string } | null;
}

export interface MessageDocument {
  readonly subject: string;
  readonly paragraphs: readonly string[];
  readonly pools: readonly PoolUsage[] | null;
  readonly lists: readonly AccountList[];
  readonly actions: readonly string[];
  readonly dashboardUrl?: string | null;
}

const FOOTER = 'Sent by seatsync, the license seat sync of your directory.';

// ---------------------------------------------------------------- text

export function renderText(doc: MessageDocument): string {
  const blocks: string[] = [doc.subject, ...doc.paragraphs.map(plain)];
  if (doc.pools && doc.pools.length > 0) blocks.push(`Pools\n${poolTableText(doc.pools)}`);
  for (const list of doc.lists) {
    const lines = list.accounts.map((a) => `  - ${accountText(a)}`);
    if (list.more) lines.push(`  … and ${formatCount(list.more.count)} more: ${list.more.command}`);
    blocks.push(`${list.title} (${formatCount(list.total)})\n${lines.join('\n')}`);
  }
  if (doc.actions.length > 0) blocks.push(`What to do\n${doc.actions.map((a) => `  - ${plain(a)}`).join('\n')}`);
  if (doc.dashboardUrl) blocks.push(`Console: ${doc.dashboardUrl}`);
  blocks.push(`-- \n${FOOTER}`);
  return `${blocks.join('\n\n')}\n`;
}

function poolTableText(pools: readonly PoolUsage[]): string {
  const header = ['Pool', 'Seats', 'Used', 'Available', 'Waiting'];
  const rows = pools.map((p) => [p.name, ...[p.seats, p.used, p.available, p.waiting].map(formatCount)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function accountText(a: AccountLine): string {
  const name = a.displayName ?? a.username;
  const details = [a.username, a.email ?? 'no email'].join(', ');
  const pools = a.pools.length > 0 ? ` — ${a.pools.join(', ')}` : '';
  const grace = a.graceUntil ? `, grace until ${formatTime(a.graceUntil)}` : '';
  const held = a.heldSince ? `, held a seat since ${formatTime(a.heldSince)}` : '';
  const taken = a.takenBy ? `, seat taken by ${a.takenBy}` : '';
  return oneLine(`${name} (${details})${pools}${grace}${held}${taken}`);
}

/** Drops the `code` marks of the plain-text rendering. */
function plain(s: string): string {
  return s.replace(/`([^`]*)`/g, '$1');
}

// ---------------------------------------------------------------- html

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Escapes, then turns `x` into <code>x</code>. */
function markup(s: string): string {
  return escapeHtml(s).replace(/`([^`]*)`/g, '<code>$1</code>');
}

const STYLE = {
  body: 'font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1f2328;line-height:1.45',
  table: 'border-collapse:collapse;margin:4px 0 12px',
  th: 'text-align:left;border-bottom:2px solid #d0d7de;padding:4px 12px 4px 0',
  td: 'border-bottom:1px solid #eaeef2;padding:4px 12px 4px 0',
  num: 'text-align:right',
};

export function renderHtml(doc: MessageDocument): string {
  const parts: string[] = [`<h2>${escapeHtml(doc.subject)}</h2>`, ...doc.paragraphs.map((p) => `<p>${markup(p)}</p>`)];
  if (doc.pools && doc.pools.length > 0) parts.push('<h3>Pools</h3>', poolTableHtml(doc.pools));
  for (const list of doc.lists) parts.push(...accountListHtml(list));
  if (doc.actions.length > 0) {
    parts.push('<h3>What to do</h3>', `<ul>${doc.actions.map((a) => `<li>${markup(a)}</li>`).join('')}</ul>`);
  }
  if (doc.dashboardUrl) parts.push(`<p><a href="${escapeHtml(doc.dashboardUrl)}">Open the seatsync console</a></p>`);
  parts.push(`<p style="color:#656d76;font-size:12px">${escapeHtml(FOOTER)}</p>`);
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><title>' + escapeHtml(doc.subject) + '</title></head>',
    `<body style="${STYLE.body}">`,
    ...parts,
    '</body></html>',
    '',
  ].join('\n');
}

function cell(tag: 'td' | 'th', content: string, options: { numeric?: boolean } = {}): string {
  const style = `${tag === 'th' ? STYLE.th : STYLE.td}${options.numeric ? `;${STYLE.num}` : ''}`;
  return `<${tag} style="${style}">${content}</${tag}>`;
}

function poolTableHtml(pools: readonly PoolUsage[]): string {
  const head = `<tr>${cell('th', 'Pool')}${['Seats', 'Used', 'Available', 'Waiting'].map((h) => cell('th', h, { numeric: true })).join('')}</tr>`;
  const rows = pools.map(
    (p) =>
      `<tr>${cell('td', escapeHtml(p.name))}${[p.seats, p.used, p.available, p.waiting].map((n) => cell('td', formatCount(n), { numeric: true })).join('')}</tr>`,
  );
  return `<table style="${STYLE.table}">${head}${rows.join('')}</table>`;
}

/** Columns shown only when some account of the list has the value. */
const OPTIONAL_COLUMNS: readonly { readonly head: string; readonly value: (a: AccountLine) => string | null | undefined }[] = [
  { head: 'Grace until', value: (a) => a.graceUntil && formatTime(a.graceUntil) },
  { head: 'Held a seat since', value: (a) => a.heldSince && formatTime(a.heldSince) },
  { head: 'Seat taken by', value: (a) => a.takenBy },
];

function accountListHtml(list: AccountList): string[] {
  const optional = OPTIONAL_COLUMNS.filter((c) => list.accounts.some((a) => c.value(a)));
  const heads = ['Name', 'Username', 'Email', 'Pools', ...optional.map((c) => c.head)];
  const rows = list.accounts.map((a) => {
    const cells = [a.displayName ?? '', a.username, a.email ?? '', a.pools.join(', '), ...optional.map((c) => c.value(a) ?? '')];
    return `<tr>${cells.map((c) => cell('td', escapeHtml(c))).join('')}</tr>`;
  });
  const out = [
    `<h3>${escapeHtml(list.title)} (${formatCount(list.total)})</h3>`,
    `<table style="${STYLE.table}"><tr>${heads.map((h) => cell('th', h)).join('')}</tr>${rows.join('')}</table>`,
  ];
  if (list.more) out.push(`<p>… and ${formatCount(list.more.count)} more: <code>${escapeHtml(list.more.command)}</code></p>`);
  return out;
}

// ---------------------------------------------------------------- shared

/** "2025-03-04 09:15 UTC": no locale or time zone of the server leaks into the message. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
