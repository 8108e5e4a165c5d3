// The waiting list in queue order (the order seats are given), each account with why it waits.
import { api } from '../api.ts';
import { heading, type PageContext } from '../context.ts';
import { h, link, replace } from '../dom.ts';
import { timeEl } from '../format.ts';
import { dataTable } from '../table.ts';
import type { QueueEntry } from '../types.ts';
import { counted } from '../format.ts';

const PAGE_SIZE = 50;

export async function renderQueue(ctx: PageContext): Promise<void> {
  const offset = Math.max(0, Number(ctx.query.get('offset') ?? 0) || 0);
  const queue = await api<{ total: number; entries: QueueEntry[] }>(`queue?offset=${offset}&limit=${PAGE_SIZE}`);
  const pager = h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages of the waiting list' },
    offset > 0 ? link(`/queue?offset=${Math.max(0, offset - PAGE_SIZE)}`, 'Previous page') : null,
    offset + PAGE_SIZE < queue.total ? link(`/queue?offset=${offset + PAGE_SIZE}`, 'Next page') : null,
  );
  replace(
    ctx.main,
    heading('Waiting list'),
    h('p', {}, queue.total === 0 ? 'Nobody is waiting for a seat.' : `${counted(queue.total, 'account')} ${queue.total === 1 ? 'waits' : 'wait'} for a seat, in the order they will get one (longest waiting first; rule 3).`),
    dataTable({
      caption: 'Accounts waiting for a seat, in queue order',
      rows: queue.entries,
      empty: offset > 0 ? 'No more waiting accounts.' : 'Nobody is waiting for a seat.',
      columns: [
        { label: '#', cell: (e) => e.position, numeric: true },
        { label: 'Account', cell: (e) => link(`/accounts/${e.id}`, e.username) },
        { label: 'Name', cell: (e) => e.displayName ?? '' },
        { label: 'Since', cell: (e) => timeEl(e.waitingSince) },
        { label: 'Waits for', cell: (e) => e.waitingFor.join(', ') },
        { label: 'Why', cell: (e) => e.why },
      ],
    }),
    pager,
  );
}
