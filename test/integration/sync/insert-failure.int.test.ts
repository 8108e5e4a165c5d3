// A run whose inserts of new accounts fail part-way. Behind a settled state new accounts are decided as
// they come, a slice at a time, and each slice's insert is sent before the previous one has finished (the
// database goes from one insert to the next while the next slice is decided), so the statements after the
// failed one fail only because the transaction is aborted. The run must report the failed insert's own
// error, record the run failed and leave the accounts and the audit trail as they were.
import { describe, expect, it } from 'vitest';
import type { SeatsyncConfig } from '../../../src/config/types.ts';
import { aCsvFile, aPartnerConfig, type CsvPerson } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';
import { storedState } from '../../support/stored-state.ts';

const T1 = Date.UTC(2025, 2, 1, 12);

const person = (i: number): CsvPerson => ({
  id: `id-${i}`,
  username: `user${i}`,
  createdAt: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
  enabled: true,
  groups: [],
  employeeType: 'employee',
});

describe.each(DATABASE_KINDS)('a run whose insert of new accounts fails part-way, on %s', (kind) => {
  const t = testDatabaseOf(kind);

  /** Runs a sync in slices of 4. */
  const sync = (config: SeatsyncConfig, now: number) => syncWithAllocation(t.db, config, { now, allocationSlice: 4 });

  // id-31: the fourth new user of the third slice (two inserts done before it, two sent after it); id-39:
  // the last one (nothing is sent after its insert but the cursor's CLOSE, which fails for the abort).
  it.each(['id-31', 'id-39'])("reports the failed insert's own error and leaves accounts and audit as they were (%s refused)", async (refused) => {
    const csv = aCsvFile(Array.from({ length: 20 }, (_, i) => person(i)));
    const config = aPartnerConfig(csv.path, { primary: 100, extranet: 3 });
    const first = await sync(config, T1);
    expect(first.report.runs[0]).toMatchObject({ status: 'ok', created: 20 });
    const before = await storedState(t.db);

    // Twenty new users behind the settled twenty: decided as they come, five slices of 4.
    csv.write(Array.from({ length: 40 }, (_, i) => person(i)));
    await t.db.exec(`
      CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.external_id = '${refused}' THEN RAISE EXCEPTION 'account % refused by the test trigger', NEW.external_id; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_one BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION refuse_one();`);
    const second = await sync(config, T1 + 3_600_000);
    const run = second.report.runs[0];
    expect(run).toMatchObject({ status: 'failed', seen: 40, created: 0 });
    expect(run?.error).toBe(`account ${refused} refused by the test trigger`);
    expect(await storedState(t.db)).toEqual(before);

    // The same run without the trigger decides them as they come: the path the failure was taken on.
    await t.db.exec('DROP TRIGGER refuse_one ON accounts');
    const third = await sync(config, T1 + 7_200_000);
    expect(third.report.runs[0]).toMatchObject({ status: 'ok', created: 20 });
    expect(third.allocation).toBe('as they came');
  });
});
