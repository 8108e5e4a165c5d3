// Runs: the latest runs with status, counts, duration and error; a run's page with its changes.
import { api, type Page } from '../api.ts';
import { heading, isAdmin, type PageContext } from '../context.ts';
import { h, link, replace } from '../dom.ts';
import { duration, timeEl } from '../format.ts';
import type { HeldReport } from '../../../src/domain/hold.ts';
import { heldSentence, reviewButton } from '../sync-panel.ts';
import { dataTable } from '../table.ts';
import type { AuditEntry, Run } from '../types.ts';
import { auditTable } from './history.ts';

export async function renderRuns(ctx: PageContext): Promise<void> {
  const source = ctx.query.get('source');
  const { runs } = await api<{ runs: Run[] }>(`syncs?limit=100${source ? `&source=${encodeURIComponent(source)}` : ''}`);
  replace(
    ctx.main,
    heading(source ? `Runs of ${source}` : 'Runs'),
    source ? h('p', {}, link('/runs', 'All sources')) : null,
    dataTable({
      caption: 'The latest runs, newest first',
      rows: runs,
      empty: 'No runs yet.',
      columns: [
        { label: 'Run', cell: (r) => link(`/runs/${r.id}`, `#${r.id}`) },
        { label: 'Source', cell: (r) => r.source },
        { label: 'Status', cell: (r) => h('span', { class: `status ${r.status}` }, r.status) },
        { label: 'Started', cell: (r) => timeEl(r.startedAt) },
        { label: 'Duration', cell: (r) => duration(r.startedAt, r.finishedAt) },
        { label: 'Seen', cell: (r) => r.seen, numeric: true },
        { label: 'Activated', cell: (r) => r.activated, numeric: true },
        { label: 'Blocked', cell: (r) => r.blocked, numeric: true },
        { label: 'Disabled', cell: (r) => r.disabled, numeric: true },
        { label: 'Removed', cell: (r) => r.removed, numeric: true },
        { label: 'Error', cell: (r) => r.error ?? '' },
      ],
    }),
  );
}

export async function renderRun(ctx: PageContext): Promise<void> {
  const id = ctx.params[0] ?? '';
  const [run, changes] = await Promise.all([api<Run>(`syncs/${encodeURIComponent(id)}`), api<Page<AuditEntry>>(`audit?run=${encodeURIComponent(id)}&limit=1000`)]);
  const counts = ['seen', 'created', 'updated', 'activated', 'blocked', 'disabled', 'removed', 'skipped'] as const;
  const held = run.details['held'] as HeldReport | undefined;
  const out = h('div', { 'aria-live': 'polite' });
  replace(
    ctx.main,
    heading(`Run #${run.id} of ${run.source}`),
    h(
      'dl',
      { class: 'details' },
      h('dt', {}, 'Status'), h('dd', {}, h('span', { class: `status ${run.status}` }, run.status)),
      h('dt', {}, 'Mode'), h('dd', {}, run.mode ?? ''),
      h('dt', {}, 'Started by'), h('dd', {}, run.trigger),
      h('dt', {}, 'Started'), h('dd', {}, timeEl(run.startedAt)),
      h('dt', {}, 'Duration'), h('dd', {}, duration(run.startedAt, run.finishedAt)),
      ...counts.flatMap((c) => [h('dt', {}, c[0]?.toUpperCase() + c.slice(1)), h('dd', {}, String(run[c]))]),
      ...(run.error ? [h('dt', {}, 'Error'), h('dd', { class: 'error' }, run.error)] : []),
    ),
    held
      ? h('p', { class: 'warning' }, heldSentence('This run', held), ' ', isAdmin(ctx) ? reviewButton(run.source, out, () => undefined) : null)
      : null,
    out,
    h('section', { 'aria-labelledby': 'changes-title' }, h('h2', { id: 'changes-title' }, 'Changes'), auditTable(changes.items, { withAccount: true })),
  );
}
