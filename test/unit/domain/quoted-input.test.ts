// A refused value is quoted in its sentence cut to its first 64 characters (code points, so no emoji is
// split in half), for the audit filters, a whole number and an unknown source alike.
import { describe, expect, it } from 'vitest';
import { unknownNames } from '../../../src/domain/names.ts';
import { QUOTED_INPUT_MAX, quotedInput } from '../../../src/domain/quoted-input.ts';
import { readWholeNumber } from '../../../src/domain/whole-number.ts';
import { auditValuesOf } from '../../../src/sync/audit-filter.ts';

describe('a refused value quoted in its sentence', () => {
  it('is quoted whole up to 64 characters, and cut to them with "…" beyond', () => {
    expect(QUOTED_INPUT_MAX).toBe(64);
    expect(quotedInput('')).toBe('""');
    expect(quotedInput('x'.repeat(64))).toBe(`"${'x'.repeat(64)}"`);
    expect(quotedInput('x'.repeat(65))).toBe(`"${'x'.repeat(64)}…"`);
    expect(quotedInput('\u{1F512}'.repeat(100))).toBe(`"${'\u{1F512}'.repeat(64)}…"`);
    // Control characters are kept for each edge to escape (the CLI's inertLines, the API's JSON).
    expect(quotedInput('a\nb')).toBe('"a\nb"');
  });

  it('is cut in every audit filter sentence, a whole number one and an unknown source one', () => {
    const long = `q${'9'.repeat(16_000)}`;
    const shown = `"q${'9'.repeat(63)}…"`;
    const values = auditValuesOf({ since: long, reason: long, to: long, run: long, limit: long }, { limit: { default: 10, max: 100 }, nameOf: (p) => p });
    expect('problems' in values ? values.problems.map((p) => [p.parameter, p.message.endsWith(`not ${shown}`) || p.message.includes(`not a date: ${shown} (`)]) : null)
      .toEqual([['since', true], ['reason', true], ['to', true], ['run', true], ['limit', true]]);
    expect(readWholeNumber('--limit', long, { min: 1 })).toEqual({ problem: `--limit must be a whole number of 1 or more, not ${shown}` });
    expect(unknownNames('source', [long], ['hr'])).toBe(`unknown source ${shown}; configured: hr`);
  });
});
