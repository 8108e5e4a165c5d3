// ISO 8601 times as text: written from milliseconds for events, reports and query parameters, and read
// from what people and files give (`audit --since`, `GET /api/v1/audit?since=`, a CSV's createdAt) by
// one parser.

/** A time in milliseconds as ISO 8601 text in UTC; null stays null (no such time). */
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

// 2024-03-01, 2024-03-01T09:30, 2024-03-01 09:30:15.250+01:00, 2024-03-01T09:30:15Z, 2024-03-01T09:30,5-0500, …
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export const INSTANT_EXAMPLES = 'use e.g. 2026-01-31 or 2026-01-31T12:00:00Z';

export interface CalendarParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/**
 * The instant an ISO 8601 date or date-time names; a value without a zone is read as UTC, so the result
 * doesn't depend on the machine's time zone. Null for anything else, including a date whose fields don't
 * exist (February 30, 25:00, an offset of +24:00): JavaScript's Date would roll those over.
 */
export function parseIsoTime(text: string): Date | null {
  const match = ISO_DATE_TIME.exec(text.trim());
  if (match === null) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  return instantOf({ year: year!, month: month!, day: day!, hour, minute, second, fraction, zone });
}

/**
 * The instant that matched fields of a time name (digits as text; absent time fields are 0, an absent
 * zone is UTC; zone `Z`, `±HH`, `±HHMM` or `±HH:MM`); null when a field does not exist (February 30,
 * 25:00, +24:00). The one reading of parsed time fields, for ISO 8601 here and LDAP's generalized time
 * (sources/directory-values.ts).
 */
export function instantOf(fields: Readonly<Record<'year' | 'month' | 'day', string> & Record<'hour' | 'minute' | 'second' | 'fraction' | 'zone', string | undefined>>): Date | null {
  const parts: CalendarParts = {
    year: Number(fields.year),
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour ?? '0'),
    minute: Number(fields.minute ?? '0'),
    second: Number(fields.second ?? '0'),
  };
  const offsetMinutes = zoneOffsetMinutes(fields.zone);
  if (offsetMinutes === null) return null;
  const utc = utcMs(parts);
  if (!sameCalendarParts(new Date(utc), parts)) return null;
  const fractionMs = fields.fraction === undefined ? 0 : Math.round(Number(`0.${fields.fraction}`) * 1000);
  return new Date(utc + fractionMs - offsetMinutes * 60_000);
}

/** An ISO 8601 time that PostgreSQL's timestamptz can hold (see storableInstant); null otherwise. */
export function parseInstant(text: string): Date | null {
  const date = parseIsoTime(text);
  return date !== null && storableInstant(date) ? date : null;
}

/**
 * Whether PostgreSQL's timestamptz takes `date` as the ISO text JavaScript writes: years 1 to 9999 in UTC
 * (year 0 is out of its range, and an expanded year such as +010000 is read as a time zone).
 */
export function storableInstant(date: Date): boolean {
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999;
}

/** `Z`, `±HH`, `±HHMM` or `±HH:MM` in minutes east of UTC; null when the hours or minutes don't exist. */
function zoneOffsetMinutes(zone: string | undefined): number | null {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || '0');
  if (hours > 23 || minutes > 59) return null;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/** The fields as milliseconds in UTC; years 0–99 are those years (Date.UTC would read them as 1900–1999). */
function utcMs(parts: CalendarParts): number {
  const date = new Date(0);
  date.setUTCFullYear(parts.year, parts.month - 1, parts.day);
  return date.setUTCHours(parts.hour, parts.minute, parts.second, 0);
}

/** Rejects out-of-range fields that Date.UTC would silently roll over (Feb 30, 25:00, …). */
export function sameCalendarParts(date: Date, parts: CalendarParts): boolean {
  return (
    date.getUTCFullYear() === parts.year &&
    date.getUTCMonth() === parts.month - 1 &&
    date.getUTCDate() === parts.day &&
    date.getUTCHours() === parts.hour &&
    date.getUTCMinutes() === parts.minute &&
    date.getUTCSeconds() === parts.second
  );
}
