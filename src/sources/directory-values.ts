// Pure decoders for directory attribute values that LDIF exports (file source) and LDAP searches (ldap
// source) share: text from UTF-8 bytes, AD's binary objectGUID, X.680 generalized time (createTimestamp /
// whenCreated) and AD's userAccountControl. One implementation, so both sources read the same value the
// same way.
import { isUtf8 } from 'node:buffer';
import { instantOf } from '../domain/iso-time.ts';

/**
 * The text of a value's UTF-8 bytes. Bytes that are not UTF-8 (a latin-1 value written by an old tool)
 * are repaired, not refused: each invalid sequence becomes U+FFFD and `onRepaired` is called, so the
 * caller reports the entry and attribute. Valid input, the usual case, costs one validity check (SIMD)
 * and one decode.
 */
export function utf8Text(bytes: Uint8Array, onRepaired: () => void): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isUtf8(buffer)) onRepaired();
  // Node's UTF-8 decoder replaces each maximal invalid subsequence with U+FFFD (WHATWG Encoding).
  return buffer.toString('utf8');
}

/** Why a repaired value is reported: one wording for every source. */
export const REPAIRED_UTF8 = 'not valid UTF-8; the invalid bytes were replaced with U+FFFD';

const GUID_BYTES = 16;
const GUID_PATTERN = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;

/** Byte order of AD's binary GUID: the first three groups are little-endian, the last two big-endian. */
const GUID_BYTE_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15] as const;

/** Attribute names whose values are binary GUIDs (compared case-insensitively). */
const BINARY_GUID_ATTRIBUTES = new Set(['objectguid', 'invocationid', 'ms-ds-consistencyguid', 'msexchmailboxguid']);

export function isBinaryGuidAttribute(name: string): boolean {
  return BINARY_GUID_ATTRIBUTES.has(name.toLowerCase());
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/**
 * Canonical GUID string (lowercase, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`) of AD's 16-byte binary
 * `objectGUID`. Returns null when the value is not 16 bytes long.
 */
export function guidFromBytes(bytes: Uint8Array): string | null {
  if (bytes.length !== GUID_BYTES) return null;
  const digits = GUID_BYTE_ORDER.map((index) => hex(bytes[index] ?? 0)).join('');
  return [
    digits.slice(0, 8),
    digits.slice(8, 12),
    digits.slice(12, 16),
    digits.slice(16, 20),
    digits.slice(20, 32),
  ].join('-');
}

/**
 * The 16 bytes AD stores for a GUID written as text (braces optional, any case): the inverse of
 * `guidFromBytes`, e.g. to search by objectGUID. Returns null when the text is not a GUID.
 */
export function guidToBytes(guid: string): Uint8Array | null {
  const match = GUID_PATTERN.exec(guid.trim());
  if (match === null) return null;
  const digits = match.slice(1).join('');
  const ordered = new Uint8Array(GUID_BYTES);
  GUID_BYTE_ORDER.forEach((sourceIndex, position) => {
    ordered[sourceIndex] = Number.parseInt(digits.slice(position * 2, position * 2 + 2), 16);
  });
  return ordered;
}

/** A GUID written as text, in canonical form; null when the text is not a GUID. */
export function canonicalGuid(text: string): string | null {
  const match = GUID_PATTERN.exec(text.trim());
  return match === null ? null : match.slice(1).join('-').toLowerCase();
}

// YYYYMMDDHH[MM[SS]][(.|,)fraction][Z|±HH[MM]] (X.680 §46, as used by RFC 4517 GeneralizedTime).
const GENERALIZED_TIME =
  /^(\d{4})(\d{2})(\d{2})(\d{2})(?:(\d{2})(\d{2})?)?(?:[.,](\d+))?(Z|[+-]\d{2}(?:\d{2})?)?$/;

/**
 * Parses a generalized time (`20240101120000Z`, AD's `20240101120000.0Z`, `202401011200+0100`).
 * A value without a zone is read as UTC (directories always write one; local time would make the result
 * depend on the worker's time zone). Returns null when the text is not a valid generalized time.
 */
export function parseGeneralizedTime(text: string): Date | null {
  const match = GENERALIZED_TIME.exec(text.trim());
  if (match === null) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  return instantOf({ year: year!, month: month!, day: day!, hour, minute, second, fraction, zone });
}

/** Formats a time as GeneralizedTime in UTC with whole seconds (`20240102030405Z`), rounding down. */
export function formatGeneralizedTime(date: Date): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return (
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z'
  );
}

/** AD `userAccountControl` flag ACCOUNTDISABLE. */
const UAC_ACCOUNT_DISABLE = 0x2;

/**
 * Whether an AD `userAccountControl` value (a decimal integer, possibly negative when a tool printed it
 * as signed 32-bit) has the ACCOUNTDISABLE bit. Returns null when the value is not an integer.
 */
export function isDisabledByUserAccountControl(value: string): boolean | null {
  const text = value.trim();
  if (!/^-?\d+$/.test(text)) return null;
  const flags = Number(text);
  if (!Number.isSafeInteger(flags)) return null;
  return (flags & UAC_ACCOUNT_DISABLE) !== 0;
}
