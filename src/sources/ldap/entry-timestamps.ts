// The generalized times a user search reads for every entry (createTimestamp, modifyTimestamp), with a
// fast path for the form servers write, whole seconds in UTC (`20240102030405Z`); other forms go to the
// shared parser. Both paths give the same result (see directory-values.ts `parseGeneralizedTime`).
import { formatGeneralizedTime, parseGeneralizedTime, sameCalendarParts } from '../directory-values.ts';

/** As `parseGeneralizedTime`. */
export function parseEntryTime(text: string): Date | null {
  const ms = canonicalMs(text);
  if (ms === undefined) return parseGeneralizedTime(text);
  return ms === null ? null : new Date(ms);
}

/** The time normalized to whole seconds in UTC, as `formatGeneralizedTime(parseGeneralizedTime(text))`. */
export function normalizedEntryTime(text: string): string | null {
  const ms = canonicalMs(text);
  if (ms === undefined) {
    const date = parseGeneralizedTime(text);
    return date === null ? null : formatGeneralizedTime(date);
  }
  return ms === null ? null : text;
}

const ZERO = 48;
const Z = 90;

/** `YYYYMMDDHHMMSSZ` → epoch ms (null when a field is out of range); undefined for any other form. */
function canonicalMs(text: string): number | null | undefined {
  if (text.length !== 15 || text.charCodeAt(14) !== Z) return undefined;
  const digit = (i: number): number => text.charCodeAt(i) - ZERO;
  for (let i = 0; i < 14; i++) {
    const d = digit(i);
    if (d < 0 || d > 9) return undefined;
  }
  const two = (i: number): number => digit(i) * 10 + digit(i + 1);
  const parts = { year: two(0) * 100 + two(2), month: two(4), day: two(6), hour: two(8), minute: two(10), second: two(12) };
  const ms = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return sameCalendarParts(new Date(ms), parts) ? ms : null;
}
