// The numbers the command's options take: decimal digits only, within range, else a usage error that
// names the option and the value.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/exit-codes.ts';
import { MAX_SECONDS, secondsOption, wholeNumberOption } from '../../../src/cli/option-values.ts';

describe('wholeNumberOption', () => {
  it.each([['5', 5], [' 7 ', 7], ['0', 0], ['1000000', 1_000_000]])('reads %j as %d', (text, value) => {
    expect(wholeNumberOption('--limit', text, { min: 0, max: 1_000_000 })).toBe(value);
  });

  it.each(['', ' ', '-5', '1.5', '1e2', '0x10', 'Infinity', 'ten', '1000001'])('refuses %j', (text) => {
    expect(() => wholeNumberOption('--limit', text, { min: 0, max: 1_000_000 })).toThrow(new UsageError(`--limit must be a whole number from 0 to 1000000, not "${text}"`));
  });
});

describe('secondsOption', () => {
  it.each([['0.5', 500], ['.5', 500], ['5.', 5_000], ['20', 20_000], [String(MAX_SECONDS), MAX_SECONDS * 1000]])('reads %j as %d ms', (text, ms) => {
    expect(secondsOption('--timeout', text, { zero: false })).toBe(ms);
  });

  it('takes 0 only where zero is allowed', () => {
    expect(secondsOption('--shutdown-timeout', '0', { zero: true })).toBe(0);
    expect(() => secondsOption('--timeout', '0', { zero: false })).toThrow(`--timeout must be a number of seconds above 0 to ${MAX_SECONDS}, not "0"`);
  });

  it.each(['', '.', '-1', '1e3', '30s', '0x10', 'NaN', String(MAX_SECONDS + 1)])('refuses %j', (text) => {
    expect(() => secondsOption('--timeout', text, { zero: true })).toThrow(`--timeout must be a number of seconds from 0 to ${MAX_SECONDS}, not "${text}"`);
  });
});
