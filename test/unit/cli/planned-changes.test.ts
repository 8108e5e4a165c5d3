import { describe, expect, it } from 'vitest';
import { listingOf, nextListingCommand, PRINTED_PER_KIND } from '../../../src/cli/planned-changes.ts';
import { CHANGE_KINDS, DRY_RUN_LISTED } from '../../../src/domain/change-kinds.ts';
import { changeKindSummaries } from '../../../src/sync/report.ts';
import type { AccountChange } from '../../../src/domain/types.ts';

const change = (username: string, to: 'active' | 'blocked'): AccountChange => ({
  id: -1, username, from: null, reason: 'new',
  to: { state: to, held: [], waitingFor: [], waitingSince: null, activatedAt: null, graceUntil: null },
});

describe('the dry run listing flags', () => {
  it('lists every kind, 20 of each (1,000 with --json), from the first, by default', () => {
    expect(listingOf({ dryRun: true, only: [] })).toEqual({ kinds: CHANGE_KINDS, offset: 0, limit: PRINTED_PER_KIND });
    expect(listingOf({ dryRun: true, json: true, only: [] })).toEqual({ kinds: CHANGE_KINDS, offset: 0, limit: DRY_RUN_LISTED });
  });

  it('takes --only as comma-separated and repeated kinds, in listing order, each once', () => {
    expect(listingOf({ dryRun: true, only: ['activated,Removed', 'blocked,removed'], limit: '5', offset: '10' })).toEqual({
      kinds: ['blocked', 'removed', 'activated'], offset: 10, limit: 5,
    });
  });

  it('refuses unknown kinds, bad numbers and listing flags without --dry-run', () => {
    expect(() => listingOf({ dryRun: true, only: ['blocked,gone,x'] })).toThrow('unknown change kinds "gone", "x" in --only; the kinds are: blocked, removed, disabled, suspended, activated, changed');
    expect(() => listingOf({ dryRun: true, only: [','] })).toThrow('no change kind in --only');
    expect(() => listingOf({ dryRun: true, only: [], limit: '-1' })).toThrow('--limit must be a whole number of 0 or more, not "-1"');
    expect(() => listingOf({ dryRun: false, only: [], offset: '3' })).toThrow('add --dry-run');
  });

  it('names the next page with the flags that change the plan, quoting what the shell would split', () => {
    const next = nextListingCommand({ dryRun: true, json: true, full: true, allowRemovals: true, only: [], limit: '50' }, { config: '/etc/my seatsync.yaml' });
    expect(next({ source: 'hr', kind: 'removed', offset: 50 })).toBe(
      "seatsync sync --dry-run --json --config '/etc/my seatsync.yaml' --source hr --full --allow-removals --only removed --offset 50 --limit 50",
    );
    expect(nextListingCommand({ only: [] }, {})({ source: 'hr', kind: 'blocked', offset: 0 })).toBe('seatsync sync --dry-run --source hr --only blocked');
  });
});

describe('changeKindSummaries', () => {
  it('says per kind how many there are, which were listed and where the rest begins', () => {
    const planned = {
      changes: [change('a', 'blocked'), change('b', 'blocked')],
      total: 9,
      byKind: { blocked: 5, removed: 0, disabled: 0, suspended: 0, activated: 4, changed: 0 },
      listing: { kinds: ['blocked' as const], offset: 2, limit: 2 },
    };
    expect(changeKindSummaries(planned).filter((s) => s.total > 0)).toEqual([
      { kind: 'blocked', total: 5, offset: 2, listed: 2, nextOffset: 4 },
      { kind: 'activated', total: 4, offset: 0, listed: 0, nextOffset: 0 },
    ]);
  });
});
