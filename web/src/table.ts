// Data tables: a caption for screen readers, and each cell labelled with its column so that, narrower
// than 40rem, the stylesheet can show rows as cards instead of scrolling sideways.
import { h, type Child } from './dom.ts';
import { formatCount } from './format.ts';

export interface Column<T> {
  readonly label: string;
  readonly cell: (row: T) => Child;
  readonly numeric?: boolean;
}

export function dataTable<T>(options: { caption: string; columns: readonly Column<T>[]; rows: readonly T[]; empty: string }): HTMLElement {
  if (options.rows.length === 0) return h('p', { class: 'empty' }, options.empty);
  return h(
    'table',
    { class: 'data' },
    h('caption', { class: 'visually-hidden' }, options.caption),
    h('thead', {}, h('tr', {}, ...options.columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'n' : null }, c.label)))),
    h('tbody', {}, ...options.rows.map((row) => h('tr', {}, ...options.columns.map((c) => h('td', { 'data-label': c.label, class: c.numeric ? 'n' : null }, cellOf(c, row)))))),
  );
}

/** A count in a numeric column is written as every count is (1,198): one rule for the CLI, the emails and the console. */
function cellOf<T>(column: Column<T>, row: T): Child {
  const content = column.cell(row);
  return column.numeric && typeof content === 'number' ? formatCount(content) : content;
}
