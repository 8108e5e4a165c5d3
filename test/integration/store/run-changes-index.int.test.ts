// A run with targets reads the accounts it changed and the state changes it audited (target-store.ts
// `changedByRun`, `transitionsOfRun`). Among many accounts, most of them left by an earlier run, both
// are found through the index of the run id the accounts carry (migration 009), not by reading every
// account. The plans are those of the store's own statements on PostgreSQL, with statistics gathered.
import { beforeAll, describe, expect, it } from 'vitest';
import { repositoriesOf } from '../../../src/store/repositories.ts';
import { testDatabaseOf } from '../../support/databases.ts';
import { planning, reads } from '../../support/query-plans.ts';

/** Accounts the first sync (run 1) created; run 2 changed the last CHANGED of them. */
const ACCOUNTS = 100_000;
const CHANGED = 40;

const BY_RUN_INDEX = /^(Index|Index Only|Bitmap Index) Scan accounts_last_changed_run_idx$/;

describe('the targets\' per-run reads on PostgreSQL', () => {
  const t = testDatabaseOf('postgres', { scope: 'describe' });
  beforeAll(async () => {
    // A first sync's accounts, each with its audit row, then a later run that changed a few of them:
    // state changes and one flag-only audit row each.
    await t.db.exec(`
      INSERT INTO accounts (source, external_id, username, enabled, data_hash, state, first_seen_run, last_changed_run)
        SELECT 'hr', 'u' || n, 'user' || n, true, 'h', 'active', 1, 1 FROM generate_series(1, ${ACCOUNTS}) n;
      INSERT INTO audit (account_id, from_state, to_state, reason, actor, run_id)
        SELECT id, NULL, 'active', 'seat-free', 'sync', 1 FROM accounts;
      UPDATE accounts SET state = 'blocked', last_changed_run = 2 WHERE id > ${ACCOUNTS - CHANGED};
      INSERT INTO audit (account_id, from_state, to_state, reason, actor, run_id)
        SELECT id, 'active', 'blocked', 'no-seat', 'sync', 2 FROM accounts WHERE last_changed_run = 2
        UNION ALL SELECT id, 'blocked', 'blocked', 'protected', 'sync', 2 FROM accounts WHERE last_changed_run = 2;
      ANALYZE accounts;
      ANALYZE audit;
    `);
  }, 120_000);

  it('finds a run\'s accounts and its state changes through the run index', async () => {
    const { q, plans } = planning(t.db);
    const targets = repositoriesOf(q).targets;
    await targets.changedByRun('2');
    await targets.transitionsOfRun('2');
    expect(plans).toHaveLength(2);
    for (const plan of plans) {
      const read = reads(plan);
      expect(read).toContainEqual(expect.stringMatching(BY_RUN_INDEX));
      // Neither table read whole: the run's audit rows are reached from its accounts too.
      expect(read.filter((r) => r.startsWith('Seq Scan'))).toEqual([]);
    }
  });

  it('returns what the run changed', async () => {
    const targets = repositoriesOf(t.db).targets;
    const changed = await targets.changedByRun('2');
    expect(changed.map((a) => a.id)).toHaveLength(CHANGED);
    expect(changed.every((a) => a.state === 'blocked')).toBe(true);
    const transitions = await targets.transitionsOfRun('2');
    expect(transitions.map((tr) => [tr.from, tr.to])).toEqual(Array.from({ length: CHANGED }, () => ['active', 'blocked']));
  });
});
