// The generalized times a user search reads for every entry (createTimestamp, modifyTimestamp), with a
// fast path for the form servers write, whole seconds in UTC (`20240102030405Z`); other forms go to the
// shared parser. Both paths give the same result (see directory-values.ts `parseGeneralizedTime`).
import { sameCalendarParts } from '../../domain/iso-time.ts';
import { formatGeneralizedTime, parseGeneralizedTime } from '../directory-values.ts';

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
  for (let i = 0; i < 14; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return undefined;
  }
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  // Date.UTC reads years below 100 as 19xx: those (never written by a server) go to the shared parser.
  if (year < 100) return undefined;
  const month = twoDigits(text, 4);
  const day = twoDigits(text, 6);
  const hour = twoDigits(text, 8);
  const minute = twoDigits(text, 10);
  const second = twoDigits(text, 12);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Fields in these ranges name a real time and Date.UTC keeps them as they are; only the others need
  // the round trip through a Date to be checked.
  const plain = month >= 1 && month <= 12 && day >= 1 && day <= 28 && hour < 24 && minute < 60 && second < 60;
  return plain || sameCalendarParts(new Date(ms), { year, month, day, hour, minute, second }) ? ms : null;
}

function twoDigits(text: string, i: number): number {
  return (text.charCodeAt(i) - ZERO) * 10 + text.charCodeAt(i + 1) - ZERO;
}
