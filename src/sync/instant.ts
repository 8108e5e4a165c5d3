// Dates and times given by people (`audit --since`, `GET /api/v1/audit?since=`): ISO 8601 with a
// four-digit year only, so that every accepted value is one PostgreSQL's timestamptz can hold
// (JavaScript alone accepts years up to 275760, and guesses at free text).
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

export const INSTANT_EXAMPLES = 'use e.g. 2026-01-31 or 2026-01-31T12:00:00Z';

/** The instant `text` names, or null when it is not an ISO 8601 date or time of years 0001–9999. */
export function parseInstant(text: string): Date | null {
  if (!ISO_8601.test(text)) return null;
  const date = new Date(text.replace(' ', 'T'));
  return Number.isNaN(date.getTime()) || !storableInstant(date) ? null : date;
}

/**
 * Whether PostgreSQL's timestamptz takes `date` as the ISO text JavaScript writes: years 1 to 9999 in UTC
 * (year 0 is out of its range, and an expanded year such as +010000 is read as a time zone).
 */
export function storableInstant(date: Date): boolean {
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999;
}
