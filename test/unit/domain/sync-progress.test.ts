import { describe, expect, it } from 'vitest';
import { syncProgressText } from '../../../src/domain/sync-progress.ts';

describe('syncProgressText (resync --wait, the console\'s Sync now)', () => {
  it('says a sync applies its changes, and a dry run (a held run\'s review) only plans them', () => {
    const apply = { phase: 'apply', source: 'hr', read: 100_000 };
    expect(syncProgressText(apply, { dryRun: false })).toBe('hr: applying the changes for 100,000 users');
    expect(syncProgressText(apply, { dryRun: true })).toBe('hr: planning the changes for 100,000 users (a dry run: nothing is applied)');
    expect(syncProgressText(apply, { dryRun: true })).not.toContain('applying');
  });

  it('names the other phases the same way for both', () => {
    for (const dryRun of [false, true]) {
      expect(syncProgressText({ phase: 'read', source: 'hr', read: 1 }, { dryRun })).toBe('hr: reading the directory, 1 user read');
      expect(syncProgressText({ phase: 'waiting-for-source', source: 'hr', read: 0 }, { dryRun })).toBe('hr: waiting for another run of this source to finish');
      expect(syncProgressText({ phase: 'done', source: null, read: 0 }, { dryRun })).toBe('finishing');
    }
  });
});
