import { describe, expect, it } from 'vitest';
import { csvField, csvLine, table } from '../../../src/cli/output.ts';
import { outboxText } from '../../../src/cli/status-command.ts';

describe('csv', () => {
  it('quotes separators, quotes and newlines', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', 'x\ny', null, 3])).toBe('a,"b,c","say ""hi""","x\ny",,3');
  });
  it('joins lists with ; and neutralizes spreadsheet formulas', () => {
    expect(csvField(['primary', 'extranet'])).toBe('primary;extranet');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
  });
});

describe('table', () => {
  it('aligns columns and right-aligns numbers', () => {
    expect(table(['pool', 'seats'], [['primary', 100], ['extranet', 5]])).toBe(
      ['pool      seats', '--------  -----', 'primary     100', 'extranet      5'].join('\n'),
    );
  });

  it('writes counts as the emails and the console do, ids (passed as text) as they are', () => {
    expect(table(['id', 'pool', 'waiting'], [['199975', 'primary', 199975], ['7', 'extranet', 1198]]).split('\n')).toEqual([
      'id      pool      waiting', '------  --------  -------', '199975  primary   199,975', '7       extranet    1,198',
    ]);
  });

  it('writes the outbox counts of status as every count is', () => {
    expect(outboxText({ pending: 199975, failed: 1 })).toBe('outbox: 199,975 pending, 1 failed');
  });

  it('keeps each row on one line and writes control characters as escapes', () => {
    const out = table(['username', 'name'], [['ann', 'Ann\nSmith'], ['bob', 'Bob\u001b[31m\tRed\r']]);
    expect(out.split('\n')).toEqual(['username  name', '--------  ------------------', 'ann       Ann\\nSmith', 'bob       Bob\\x1b[31m\\tRed\\r']);
  });
});
