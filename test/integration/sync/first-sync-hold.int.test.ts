// The mass-change hold (SPEC rule 10) weighs accounts a run would take away. A first sync takes nothing
// away: its disabled and out-of-scope users are new, and the run must apply, however many they are.
import { describe, expect, it } from 'vitest';
import { aConfig, aCsvFile, aFileSource, people } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';

describe.each(DATABASE_KINDS)('first sync on %s', (kind) => {
  const t = testDatabaseOf(kind);
  it('applies a first sync full of disabled and out-of-scope users', async () => {
    const list = people(60).map((p, i) => ({ ...p, enabled: i % 3 !== 0, groups: i % 3 === 2 ? [] : ['Staff'] }));
    const config = aConfig({
      sources: [aFileSource('hr', aCsvFile(list).path)],
      pools: [{ name: 'primary', seats: 100, notify: null }],
      // Only members of Staff are in scope: 20 users match no profile; 20 of the 40 in scope are disabled.
      profiles: [{ name: 'staff', when: { memberOf: ['staff'] }, pools: ['primary'] }],
    });
    const { report } = await syncWithAllocation(t.db, config);
    expect(report.runs[0]).toMatchObject({ status: 'ok', created: 60, activated: 20, disabled: 20, removed: 20, held: null });
  });
});
