// The numbers the command's options take (`--limit`, `--concurrency`, `--timeout`, …), read one way:
// decimal digits only ("", "1e3", "0x10" and "-5" are not numbers here; whole numbers are read by
// src/domain/whole-number.ts), within the option's range; else a usage error that names the option, the
// value and what it accepts.
import { readWholeNumber } from '../domain/whole-number.ts';
import { UsageError } from './exit-codes.ts';

/** The longest wait in seconds: a timer set longer than 2^31-1 ms would fire at once. */
export const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** A whole number from `min` to `max` (no limit above when `max` is left out). */
export function wholeNumberOption(option: string, text: string, range: { readonly min: number; readonly max?: number }): number {
  const read = readWholeNumber(option, text, range);
  if ('problem' in read) throw new UsageError(read.problem);
  return read.value;
}

/** A number of seconds, decimals allowed (`0.5`, `.5`), up to MAX_SECONDS; 0 only where `zero` allows it. Returns milliseconds. */
export function secondsOption(option: string, text: string, { zero }: { readonly zero: boolean }): number {
  const value = /^(\d+(\.\d*)?|\.\d+)$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(value <= MAX_SECONDS && (zero ? value >= 0 : value > 0))) {
    throw new UsageError(`${option} must be a number of seconds ${zero ? 'from 0' : 'above 0'} to ${MAX_SECONDS}, not "${text}"`);
  }
  return value * 1000;
}
