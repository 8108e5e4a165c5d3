// `Retry-After` (RFC 9110 §10.2.3), read the same way by every HTTP client of seatsync: the Graph source,
// the Graph mail transport and the provisioning targets.

/** Seconds or an HTTP date, in ms from `nowMs`; null when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, nowMs: number = Date.now()): number | null {
  if (header === null || header === undefined || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}
