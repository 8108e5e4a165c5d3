// Overview: warnings first (a failing source, a held run, accounts frozen by unreadable entries, a source
// taken out of the config that keeps accounts, mail or a target's changes not going out), then
// pools with their bars, sources, targets, Sync now (admin tokens), the head of the waiting list and the
// latest changes.
import { api, type Page } from '../api.ts';
import { isAdmin, heading, type PageContext } from '../context.ts';
import { h, link, replace } from '../dom.ts';
import { counted, formatCount, timeEl } from '../format.ts';
import { heldSentence, reviewButton, syncPanel } from '../sync-panel.ts';
import { dataTable } from '../table.ts';
import type { AuditEntry, Pool, QueueEntry, SourceStatus, Status, TargetStatus } from '../types.ts';
import { auditTable } from './history.ts';

function poolBar(p: Pool): HTMLMeterElement {
  // high = seats - 1: the bar turns to its warning colour when the last seat is taken.
  return h('meter', { min: 0, max: Math.max(p.seats, 1), value: Math.min(p.used, Math.max(p.seats, 1)), high: Math.max(p.seats - 1, 0.5), optimum: 0, 'aria-label': `${p.name}: ${p.used} of ${p.seats} seats used` });
}

function poolsSection(pools: readonly Pool[]): HTMLElement {
  return h('section', { 'aria-labelledby': 'pools-title' }, h('h2', { id: 'pools-title' }, 'Pools'), dataTable({
    caption: 'Seats per pool',
    rows: pools,
    empty: 'No pools configured.',
    columns: [
      { label: 'Pool', cell: (p) => p.name },
      { label: 'Usage', cell: (p) => poolBar(p) },
      { label: 'Seats', cell: (p) => p.seats, numeric: true },
      { label: 'Used', cell: (p) => p.used, numeric: true },
      { label: 'Available', cell: (p) => h('span', { class: p.available === 0 ? 'full' : null }, formatCount(p.available)), numeric: true },
      { label: 'Waiting', cell: (p) => (p.waiting > 0 ? link(`/queue`, formatCount(p.waiting)) : 0), numeric: true },
    ],
  }));
}

/** Each source's next scheduled run, from Redis; `unread`: Redis did not answer, so they are not known. */
type NextRuns = { readonly unread: false; readonly at: ReadonlyMap<string, string | null> } | { readonly unread: true; readonly why: string };

function nextRunCell(nextRuns: NextRuns, source: string): HTMLElement | string {
  // Not "manual only": a scheduled source whose schedule cannot be read has one all the same.
  if (nextRuns.unread) return 'unknown';
  return timeEl(nextRuns.at.get(source) ?? null) || 'manual only';
}

function sourcesSection(status: Status, nextRuns: NextRuns): HTMLElement {
  return h('section', { 'aria-labelledby': 'sources-title' }, h('h2', { id: 'sources-title' }, 'Sources'), dataTable({
    caption: 'Last run per source',
    rows: status.sources,
    empty: 'No sources configured.',
    columns: [
      { label: 'Source', cell: (s) => link(`/runs?source=${encodeURIComponent(s.name)}`, s.name) },
      { label: 'Last run', cell: (s) => (s.lastRun ? h('span', { class: `status ${s.lastRun.status}` }, s.lastRun.status) : 'never') },
      { label: 'Finished', cell: (s) => timeEl(s.lastRun?.finishedAt ?? null) },
      { label: 'Users seen', cell: (s) => s.lastRun?.seen ?? '', numeric: true },
      ...(status.sources.some((s) => s.consecutiveFailures !== undefined)
        ? [
            { label: 'Last good run', cell: (s: SourceStatus) => (s.lastSuccessfulRun ? link(`/runs/${s.lastSuccessfulRun.id}`, timeEl(s.lastSuccessfulRun.finishedAt)) : 'never') },
            { label: 'Failures in a row', cell: (s: SourceStatus) => s.consecutiveFailures, numeric: true },
          ]
        : []),
      { label: 'Next run', cell: (s) => nextRunCell(nextRuns, s.name) },
    ],
  }));
}

function driftText(drift: Record<string, number> | null): string {
  if (drift === null) return '';
  const found = Object.entries(drift).filter(([, n]) => n > 0);
  return found.length === 0 ? 'none' : found.map(([kind, n]) => `${kind} ${n}`).join(', ');
}

/** The applications seatsync provisions; nothing when none is configured. */
function targetsSection(targets: readonly TargetStatus[]): HTMLElement | null {
  if (targets.length === 0) return null;
  return h('section', { 'aria-labelledby': 'targets-title' }, h('h2', { id: 'targets-title' }, 'Targets'), dataTable({
    caption: 'Applications provisioned from the seats',
    rows: targets,
    empty: 'No targets configured.',
    columns: [
      { label: 'Target', cell: (t) => t.name },
      { label: 'Kind', cell: (t) => t.kind },
      { label: 'Pending', cell: (t) => t.pending, numeric: true },
      { label: 'Failed', cell: (t) => h('span', { class: t.failed > 0 ? 'full' : null }, formatCount(t.failed)), numeric: true },
      { label: 'Last delivery', cell: (t) => timeEl(t.lastDeliveryAt) || 'never' },
      { label: 'Last reconcile', cell: (t) => (t.kind === 'scim' ? timeEl(t.lastReconcileAt) || 'never' : '') },
      { label: 'Drift found', cell: (t) => driftText(t.drift) },
    ],
  }));
}

/** `reviewOut`: where a held run's review and result go; outside the warnings, which each refresh redraws. */
function warnings(ctx: PageContext, status: Status, options: { refresh: () => void; reviewOut: HTMLElement; nextRuns: NextRuns }): HTMLElement | null {
  const items: HTMLElement[] = [];
  if (options.nextRuns.unread) {
    items.push(h('li', {}, `The schedules cannot be read, so no scheduled sync starts and Sync now cannot queue one: ${options.nextRuns.why}`));
  }
  for (const s of status.sources) {
    if (s.lastRun?.status === 'failed') {
      const failures = s.consecutiveFailures && s.consecutiveFailures > 1 ? ` (${s.consecutiveFailures} runs in a row)` : '';
      const error = s.lastError ? `: ${s.lastError.message}` : '';
      items.push(h('li', {}, `The last run of ${s.name} failed${failures}${error}. `, link(`/runs?source=${encodeURIComponent(s.name)}`, 'See its runs')));
    }
    if (s.overdueSince) {
      const which = s.lastRun ? `A scheduled run of ${s.name}` : `The first scheduled run of ${s.name} (it has never run)`;
      items.push(h('li', {}, `${which} was due at `, timeEl(s.overdueSince), ' and none has started since: are the workers up and reaching Redis?'));
    }
    if (s.frozen && s.frozen.accounts > 0) {
      items.push(h('li', {},
        `${counted(s.frozen.accounts, 'account')} of ${s.name} ${s.frozen.accounts === 1 ? 'is' : 'are'} kept exactly as before (${formatCount(s.frozen.holdingSeats)} holding seats): ` +
        'their directory entries are unreadable, so no change of theirs in the directory applies, a disabling included. ',
        h('code', {}, `seatsync sync --source ${s.name} --dry-run --full`), ' names each entry, its attribute and why; once they are fixed, the next run applies them.'));
    }
    if (s.lastRun?.status === 'held') {
      items.push(h('li', {}, `${heldSentence(`The last run of ${s.name}`, s.lastRun.held)} `, isAdmin(ctx) ? reviewButton(s.name, options.reviewOut, options.refresh) : null));
    }
  }
  for (const u of status.unconfiguredSources ?? []) {
    items.push(h('li', {},
      `${u.name} is not in the config any more, yet ${counted(u.accounts, 'account')} of it ${u.accounts === 1 ? 'keeps its' : 'keep their'} state (${formatCount(u.holdingSeats)} holding seats): nothing syncs them. `,
      link(`/accounts?source=${encodeURIComponent(u.name)}`, 'See them'),
      `; to release them, put ${u.name} back in the config as a file source reading a CSV file with only the header line `, h('code', {}, 'id'),
      ', then run ', h('code', {}, `seatsync sync --source ${u.name} --allow-removals`), '.'));
  }
  if (status.outbox.failed > 0) items.push(h('li', {}, `${counted(status.outbox.failed, 'email')} could not be sent (see the worker log and the mail settings).`));
  if (status.outbox.pending > 0) items.push(h('li', {}, `${counted(status.outbox.pending, 'email')} waiting to be sent.`));
  for (const t of status.targets) {
    if (t.failed > 0) items.push(h('li', {}, `${counted(t.failed, 'change')} could not be delivered to ${t.name}${t.lastError ? `: ${t.lastError}` : ''}.`));
    else if (t.pending > 0 && t.lastError) items.push(h('li', {}, `${counted(t.pending, 'change')} waiting for ${t.name}: ${t.lastError}.`));
  }
  const full = status.pools.filter((p) => p.available === 0 && p.waiting > 0);
  for (const p of full) items.push(h('li', {}, `${p.name} is full: ${counted(p.waiting, 'account')} waiting for a seat.`));
  if (items.length === 0) return null;
  return h('section', { class: 'warnings', 'aria-labelledby': 'warnings-title' }, h('h2', { id: 'warnings-title' }, 'Needs attention'), h('ul', {}, ...items));
}

function queueSection(queue: { total: number; entries: QueueEntry[] }): HTMLElement {
  return h('section', { 'aria-labelledby': 'queue-title' }, h('h2', { id: 'queue-title' }, 'Next in the waiting list'), dataTable({
    caption: 'The first accounts waiting for a seat, in queue order',
    rows: queue.entries,
    empty: 'Nobody is waiting for a seat.',
    columns: [
      { label: '#', cell: (e) => e.position, numeric: true },
      { label: 'Account', cell: (e) => link(`/accounts/${e.id}`, e.username) },
      { label: 'Since', cell: (e) => timeEl(e.waitingSince) },
      { label: 'Why', cell: (e) => e.why },
    ],
  }), queue.total > queue.entries.length ? h('p', {}, link('/queue', `All ${formatCount(queue.total)} waiting accounts`)) : null);
}

export async function renderOverview(ctx: PageContext): Promise<void> {
  // Warnings first, above Sync now; they and the data below are redrawn after each sync.
  const alerts = h('div');
  const reviewOut = h('div', { 'aria-live': 'polite' });
  const data = h('div', { 'aria-busy': 'true' }, 'Loading…');
  const draw = async (status: Status): Promise<void> => {
    const [nextRuns, queue, audit] = await Promise.all([
      // The next runs come from Redis: while it is away (503) the overview says so and still shows the rest.
      api<{ sources: { name: string; nextRunAt: string | null }[] }>('schedules').then(
        (schedules): NextRuns => ({ unread: false, at: new Map(schedules.sources.map((s) => [s.name, s.nextRunAt])) }),
        (error: unknown): NextRuns => ({ unread: true, why: error instanceof Error ? error.message : String(error) }),
      ),
      api<{ total: number; entries: QueueEntry[] }>('queue?limit=5'),
      api<Page<AuditEntry>>('audit?limit=15'),
    ]);
    replace(alerts, warnings(ctx, status, { refresh: () => void refresh(), reviewOut, nextRuns }));
    replace(
      data,
      poolsSection(status.pools),
      sourcesSection(status, nextRuns),
      targetsSection(status.targets),
      queueSection(queue),
      h('section', { 'aria-labelledby': 'audit-title' }, h('h2', { id: 'audit-title' }, 'Latest changes'), auditTable(audit.items.slice().reverse(), { withAccount: true })),
    );
    data.removeAttribute('aria-busy');
  };
  const refresh = async (): Promise<void> => draw(await api<Status>('status'));
  // The first status names the sources of Sync now and draws the page; a refresh reads it again.
  const status = await api<Status>('status');
  replace(ctx.main, heading('Overview'), alerts, reviewOut, isAdmin(ctx) ? syncPanel(status.sources.map((s) => s.name), () => void refresh()) : null, data);
  await draw(status);
}
