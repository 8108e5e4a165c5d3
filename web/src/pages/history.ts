// The audit trail as a table (account page, run page, overview).
import { link } from '../dom.ts';
import { auditLine, timeEl } from '../format.ts';
import { dataTable, type Column } from '../table.ts';
import type { AuditEntry } from '../types.ts';

export function auditTable(entries: readonly AuditEntry[], options: { withAccount: boolean }): HTMLElement {
  const columns: Column<AuditEntry>[] = [
    { label: 'Time', cell: (e) => timeEl(e.at) },
    ...(options.withAccount ? [{ label: 'Account', cell: (e: AuditEntry) => (e.accountId === null ? '' : link(`/accounts/${e.accountId}`, e.username ?? String(e.accountId))) }] : []),
    { label: 'From', cell: (e) => auditLine(e).from },
    { label: 'To', cell: (e) => auditLine(e).to },
    { label: 'Reason', cell: (e) => auditLine(e).reason },
    { label: 'By', cell: (e) => (e.runId ? link(`/runs/${e.runId}`, e.actor) : e.actor) },
  ];
  return dataTable({ caption: 'Audit entries', rows: entries, columns, empty: 'No changes recorded.' });
}

