// A whole number given as text (a command's `--limit`, a query's `limit`), read one way: decimal digits
// only ("", "1e3", "0x10" and "-5" are not numbers here), within a range; else the sentence that refuses
// it, naming the option or parameter, the value and what it accepts.
import { quotedInput } from './quoted-input.ts';

/** The number `text` gives, or the sentence that refuses it. */
export type WholeNumberRead = { readonly value: number } | { readonly problem: string };

/** `text` as a whole number from `min` to `max` (no limit above when `max` is left out). */
export function readWholeNumber(name: string, text: string, range: { readonly min: number; readonly max?: number }): WholeNumberRead {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (Number.isSafeInteger(value) && value >= range.min && (range.max === undefined || value <= range.max)) return { value };
  const accepted = range.max === undefined ? `of ${range.min} or more${Number.isNaN(value) ? '' : ` (at most ${Number.MAX_SAFE_INTEGER})`}` : `from ${range.min} to ${range.max}`;
  return { problem: `${name} must be a whole number ${accepted}, not ${quotedInput(text)}` };
}
