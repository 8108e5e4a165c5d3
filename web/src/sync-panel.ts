// Sync now (admin tokens): queues a sync through `POST /api/v1/syncs` (coalesced with a queued one of
// the same work, like every other client), follows `GET /api/v1/syncs/{id}` until it ends, and shows
// the result. A held run can be reviewed (a dry run that allows removals lists what it would disable or
// remove) and then applied with `allowRemovals` after an explicit confirmation.
import { describeHold, type HeldReport } from '../../src/domain/hold.ts';
import { syncProgressText } from '../../src/domain/sync-progress.ts';
import { api } from './api.ts';
import { h, replace } from './dom.ts';
import { counted } from './format.ts';
import { dataTable } from './table.ts';
import type { RunSummary, SyncJob } from './types.ts';

/** How often a running sync is polled, in ms: live enough to show the users-read counter move. */
const POLL_MS = 400;

function progressText(job: SyncJob): string {
  if (job.state === 'waiting' || job.state === 'delayed') return job.error ? `Waiting to retry: ${job.error}` : 'Queued: waiting for a worker…';
  return job.progress ? syncProgressText(job.progress, job) : 'Starting…';
}

/** Queues a sync and shows its progress in `out` until it ends; resolves with the finished job. */
export async function runSync(out: HTMLElement, body: { source?: string; dryRun?: boolean; allowRemovals?: boolean }): Promise<SyncJob> {
  const line = h('p', { class: 'progress' }, 'Queuing…');
  replace(out, line);
  const accepted = await api<{ id: string; coalesced: boolean }>('syncs', { method: 'POST', body });
  for (;;) {
    const job = await api<SyncJob>(`syncs/${encodeURIComponent(accepted.id)}`);
    if (job.state === 'completed' || job.state === 'failed' || job.state === 'unknown') return job;
    line.textContent = progressText(job) + (accepted.coalesced ? ' (joined a sync already queued)' : '');
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function resultTable(runs: readonly RunSummary[]): HTMLElement {
  return dataTable({
    caption: 'Result of the sync per source',
    rows: runs,
    empty: 'No source ran.',
    columns: [
      { label: 'Source', cell: (r) => r.source },
      { label: 'Status', cell: (r) => h('span', { class: `status ${r.status}` }, r.status) },
      { label: 'Seen', cell: (r) => r.seen, numeric: true },
      { label: 'Created', cell: (r) => r.created, numeric: true },
      { label: 'Activated', cell: (r) => r.activated, numeric: true },
      { label: 'Blocked', cell: (r) => r.blocked, numeric: true },
      { label: 'Disabled', cell: (r) => r.disabled, numeric: true },
      { label: 'Removed', cell: (r) => r.removed, numeric: true },
      { label: 'Duration', cell: (r) => `${(r.durationMs / 1000).toFixed(1)} s` },
    ],
  });
}

/** Shows a finished job: its result, and for each held run a way to review it. */
export function showResult(out: HTMLElement, job: SyncJob, onChange: () => void): void {
  if (!job.result) {
    replace(out, h('p', { class: 'error', role: 'alert' }, `The sync failed: ${job.error ?? 'unknown error'}`));
    return;
  }
  const held = job.result.runs.filter((r) => r.status === 'held');
  const failed = job.result.runs.filter((r) => r.status === 'failed');
  const summary = held.length > 0
    ? held.map((r) => heldSentence(`The run of ${r.source}`, r.held)).join(' ')
    : failed.length > 0 ? `The sync of ${failed.map((r) => r.source).join(', ')} failed${job.error ? `: ${job.error}` : ''}.` : 'The sync finished.';
  replace(out, h('p', { class: held.length + failed.length > 0 ? 'warning' : 'ok', role: 'status' }, summary), resultTable(job.result.runs));
  for (const run of held) out.append(reviewButton(run.source, out, onChange));
}

/** "`run` was held, nothing was applied: why." (`held` absent: from a worker older than the report.) */
export function heldSentence(run: string, held: HeldReport | undefined): string {
  return `${run} was held, nothing was applied${held ? `: ${describeHold(held)}` : ''}.`;
}

export function reviewButton(source: string, out: HTMLElement, onChange: () => void): HTMLButtonElement {
  return h('button', { type: 'button', onclick: () => void reviewHeld(source, out, onChange) }, `Review the held run of ${source}`);
}

/** The confirmation step of a held run: what it would do, then Apply or Cancel. */
async function reviewHeld(source: string, out: HTMLElement, onChange: () => void): Promise<void> {
  const preview = await runSync(out, { source, dryRun: true, allowRemovals: true });
  const run = preview.result?.runs.find((r) => r.source === source);
  if (!run) {
    replace(out, h('p', { class: 'error', role: 'alert' }, `Could not preview the run of ${source}: ${preview.error ?? 'no result'}`));
    return;
  }
  const losing = (run.changes ?? []).filter((c) => c.kind === 'disabled' || c.kind === 'removed');
  // The run's counts are those of its change kinds: the dialog's text and its hint give one number.
  const losingTotal = run.disabled + run.removed;
  const apply = h('button', { type: 'button', class: 'danger' }, `Apply the held run of ${source}`);
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const dialog = h(
    'section',
    { class: 'confirm', 'aria-labelledby': 'confirm-title' },
    h('h3', { id: 'confirm-title' }, `Apply the held run of ${source}?`),
    h('p', {}, `It would disable ${counted(run.disabled, 'account')} and remove ${counted(run.removed, 'account')}; they lose their seats, which go to the accounts waiting.`),
    dataTable({
      caption: `Accounts the run of ${source} would disable or remove`,
      rows: losing,
      empty: 'No account would be disabled or removed.',
      columns: [
        { label: 'Account', cell: (c) => c.username },
        { label: 'From', cell: (c) => c.from ?? 'new' },
        { label: 'To', cell: (c) => c.to },
        { label: 'Reason', cell: (c) => c.reason },
      ],
    }),
    losingTotal > losing.length ? h('p', { class: 'hint' }, `The first ${losing.length} of the ${losingTotal} accounts it would disable or remove.`) : null,
    h('div', { class: 'buttons' }, apply, cancel),
  );
  replace(out, dialog);
  apply.focus();
  cancel.addEventListener('click', () => replace(out, h('p', { role: 'status' }, `Not applied: the run of ${source} stays held.`)));
  apply.addEventListener('click', () => {
    void runSync(out, { source, allowRemovals: true }).then((job) => {
      showResult(out, job, onChange);
      onChange();
    });
  });
}

/** The Sync now form: all sources or one. */
export function syncPanel(sources: readonly string[], onChange: () => void): HTMLElement {
  const choice = h('select', { id: 'sync-source', name: 'source' }, h('option', { value: '' }, 'All sources'), ...sources.map((s) => h('option', { value: s }, s)));
  const button = h('button', { type: 'submit' }, 'Sync now');
  const out = h('div', { class: 'sync-out', 'aria-live': 'polite' });
  const form = h('form', { class: 'inline' }, h('label', { for: 'sync-source' }, 'Source'), choice, button);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    button.disabled = true;
    void runSync(out, choice.value ? { source: choice.value } : {})
      .then((job) => {
        showResult(out, job, onChange);
        onChange();
      })
      .catch((error: unknown) => replace(out, h('p', { class: 'error', role: 'alert' }, (error as Error).message)))
      .finally(() => (button.disabled = false));
  });
  return h('section', { 'aria-labelledby': 'sync-title', class: 'panel' }, h('h2', { id: 'sync-title' }, 'Sync'), form, out);
}
