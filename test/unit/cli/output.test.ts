import { describe, expect, it } from 'vitest';
import { retriedText } from '../../../src/cli/notify-command.ts';
import { csvField, csvLine, driftText, moreInLogText, table } from '../../../src/cli/output.ts';
import { outboxText } from '../../../src/cli/status-command.ts';
import { printReports } from '../../../src/cli/targets-command.ts';

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

describe('counts in sentences', () => {
  it('writes the drift of status and targets reconcile as every count is, the kinds without drift left out', () => {
    expect(driftText({ missing: 1204, shouldBeActive: 0, groups: 3 }, 'none')).toBe('missing 1,204, groups 3');
    expect(driftText({ missing: 0 }, 'no drift')).toBe('no drift');
  });

  it('writes how many more entries the logs hold', () => {
    expect(moreInLogText('hr', 12_345, 'skipped entries')).toBe('hr: … 12,345 more skipped entries (see the logs)');
  });

  it('writes what notify retry did', () => {
    expect(retriedText(1500, { pending: 2000, failed: 1 })).toBe('1,500 failed message(s) queued again; outbox now: 2,000 pending, 1 failed');
  });

  it('writes the reports of targets reconcile with thousands separators', () => {
    const lines: string[] = [];
    const found = { missing: 1500, shouldBeActive: 0, shouldBeInactive: 2, shouldBeDeleted: 0, attributes: 1001, groups: 0 };
    printReports([
      { target: 'app', dryRun: false, applicationUsers: 25_000, found, queued: 2503, drifted: [], delivered: { sent: 2500, retrying: 2, failed: 1001 } },
      { target: 'crm', dryRun: true, applicationUsers: 1, found: { ...found, missing: 0, shouldBeInactive: 0, attributes: 0 }, queued: 0, drifted: [], delivered: null },
    ], (line) => lines.push(line));
    expect(lines).toEqual([
      'app: 25,000 users in the application; missing 1,500, shouldBeInactive 2, attributes 1,001',
      'repaired: 2,500 delivered, 2 to retry, 1,001 failed',
      'crm: 1 user in the application; no drift',
      'dry run: nothing changed',
    ]);
  });
});
