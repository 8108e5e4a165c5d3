// Accounts: search (username, name, email), filters by state, pool and source, pages of 50, and
// Export CSV of the same filter (every matching account, not just the page).
import { api, apiBlob, type Page } from '../api.ts';
import { heading, type PageContext } from '../context.ts';
import { h, link, replace, select } from '../dom.ts';
import { timeEl } from '../format.ts';
import { dataTable } from '../table.ts';
import type { Account, Status } from '../types.ts';

const PAGE_SIZE = 50;
const STATES = ['active', 'blocked', 'suspended', 'disabled', 'removed'] as const;
const FILTERS = ['q', 'state', 'pool', 'source'] as const;

function filterQuery(query: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of FILTERS) {
    const value = query.get(key);
    if (value) out.set(key, value);
  }
  return out;
}

async function exportCsv(filter: URLSearchParams, status: HTMLElement): Promise<void> {
  status.textContent = 'Exporting…';
  const params = new URLSearchParams(filter);
  params.set('format', 'csv');
  const blob = await apiBlob(`accounts?${params.toString()}`);
  const a = h('a', { href: URL.createObjectURL(blob), download: 'accounts.csv', hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  status.textContent = 'Exported accounts.csv.';
}

export async function renderAccounts(ctx: PageContext): Promise<void> {
  const filter = filterQuery(ctx.query);
  const cursor = ctx.query.get('cursor');
  const page = new URLSearchParams(filter);
  page.set('limit', String(PAGE_SIZE));
  if (cursor) page.set('cursor', cursor);
  const [status, result] = await Promise.all([api<Status>('status'), api<Page<Account>>(`accounts?${page.toString()}`)]);

  const search = h('input', { id: 'search', type: 'search', name: 'q', value: filter.get('q') ?? '', autocomplete: 'off' });
  const form = h(
    'form',
    { role: 'search', class: 'filters' },
    h('label', { for: 'search' }, 'Search accounts'),
    search,
    select({ label: 'State', name: 'state', values: STATES, value: filter.get('state') ?? '', any: 'any state' }),
    select({ label: 'Pool', name: 'pool', values: status.pools.map((p) => p.name), value: filter.get('pool') ?? '', any: 'any pool' }),
    // Sources taken out of the config that keep accounts too: nothing else lists those accounts.
    select({
      label: 'Source', name: 'source', value: filter.get('source') ?? '', any: 'any source',
      values: [...status.sources.map((s) => s.name), ...(status.unconfiguredSources ?? []).map((u) => u.name)],
    }),
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (typeof value === 'string' && value.trim() !== '') next.set(key, value.trim());
    ctx.navigate(`/accounts${next.size > 0 ? `?${next.toString()}` : ''}`);
  });

  const exportStatus = h('span', { role: 'status', class: 'hint' });
  const exportButton = h('button', { type: 'button' }, 'Export CSV');
  exportButton.addEventListener('click', () => void exportCsv(filter, exportStatus).catch((error: unknown) => (exportStatus.textContent = (error as Error).message)));

  const nextQuery = new URLSearchParams(filter);
  if (result.nextCursor) nextQuery.set('cursor', result.nextCursor);
  replace(
    ctx.main,
    heading('Accounts'),
    form,
    h('div', { class: 'toolbar' }, h('p', {}, `${result.items.length}${result.nextCursor ? '+' : ''} accounts${cursor ? ' on this page' : ''}`), exportButton, exportStatus),
    dataTable({
      caption: 'Accounts matching the search',
      rows: result.items,
      empty: 'No account matches.',
      columns: [
        { label: 'Username', cell: (a) => link(`/accounts/${a.id}`, a.username) },
        { label: 'Name', cell: (a) => a.displayName ?? '' },
        { label: 'Email', cell: (a) => a.email ?? '' },
        { label: 'Source', cell: (a) => a.source },
        { label: 'State', cell: (a) => h('span', { class: `state ${a.state}` }, a.state + (a.protected ? ' · protected' : '')) },
        { label: 'Pools', cell: (a) => (a.state === 'blocked' ? `waits for ${a.waitingFor.join(', ')}` : a.pools.join(', ')) },
        { label: 'Since', cell: (a) => timeEl(a.waitingSince ?? a.activatedAt) },
      ],
    }),
    h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages of accounts' },
      cursor ? link(`/accounts${filter.size > 0 ? `?${filter.toString()}` : ''}`, 'First page') : null,
      result.nextCursor ? link(`/accounts?${nextQuery.toString()}`, 'Next page') : null,
    ),
  );
}
