export { ordinal } from '../../src/domain/waiting-queue.ts';
export { auditLine } from '../../src/domain/explain.ts';

// Dates and durations as admins read them: local time to the minute, the full ISO time on hover.
export function when(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function timeEl(iso: string | null): HTMLTimeElement | string {
  if (!iso) return '';
  const el = document.createElement('time');
  el.dateTime = iso;
  el.title = iso;
  el.textContent = when(iso);
  return el;
}

export function duration(fromIso: string, toIso: string | null): string {
  if (!toIso) return '';
  const ms = new Date(toIso).getTime() - new Date(fromIso).getTime();
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export { counted, formatCount } from '../../src/domain/counted.ts';
