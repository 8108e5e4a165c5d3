// The store's SQL for "settled keeper" (seats.loadAroundSettled) must pick exactly the accounts the
// pure predicate `isSettledKeeper` picks, on both databases: a run that leaves out an account the
// allocation would change, or loads one it counts too, would decide seats on a wrong picture.
import { beforeAll, describe, expect, it } from 'vitest';
import { isSettledKeeper } from '../../../src/domain/allocate.ts';
import { neededPoolNames } from '../../../src/domain/pool-table.ts';
import { seatsOf } from '../../../src/store/seat-store.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';

const PROFILE_POOLS = new Map<string, readonly string[]>([
  ['staff', ['primary']],
  ['partner', ['extranet', 'primary']],
  ['reader', []],
]);
const NEEDING = new Map([...PROFILE_POOLS].filter(([, pools]) => pools.length > 0).map(([name, pools]) => [name, neededPoolNames(pools)]));

/** A small deterministic generator, so a failure names a reproducible account. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

interface Row {
  external_id: string;
  state: string;
  present: boolean;
  enabled: boolean;
  suspended: boolean;
  admin_protected: boolean;
  policy_protected: boolean;
  profile: string | null;
  held: string;
  waiting_for: string;
  waiting_since: string | null;
  grace_until: string | null;
}

function rows(count: number): Row[] {
  const random = lcg(7);
  const pick = <T,>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const out: Row[] = [];
  for (let i = 0; i < count; i++) {
    // Most accounts look settled, each with a one-in-twelve chance per attribute of not being so.
    const often = (usual: boolean): boolean => (random() < 11 / 12 ? usual : !usual);
    const profile = pick(['staff', 'staff', 'partner', 'partner', 'reader', 'gone', null]);
    const exact = profile === null ? undefined : NEEDING.get(profile);
    out.push({
      external_id: `u${i}`,
      state: random() < 0.7 ? 'active' : pick(['blocked', 'disabled', 'removed', 'suspended']),
      present: often(true),
      enabled: often(true),
      suspended: often(false),
      admin_protected: often(false),
      policy_protected: often(false),
      profile,
      held: exact !== undefined && random() < 0.75 ? JSON.stringify(exact) : pick(['["primary"]', '["extranet","primary"]', '["primary","extranet"]', '[]', '["extranet"]']),
      waiting_for: often(true) ? '[]' : '["primary"]',
      waiting_since: often(true) ? null : '2026-11-01T00:00:00Z',
      grace_until: often(true) ? null : '2026-12-01T00:00:00Z',
    });
  }
  return out;
}

describe.each(DATABASE_KINDS)('settled keepers on %s', (kind) => {
  const t = testDatabaseOf(kind, { scope: 'describe' });
  beforeAll(async () => {
    const all = rows(1500);
    const column = <K extends keyof Row>(key: K): Row[K][] => all.map((r) => r[key]);
    await t.db.query(
      `INSERT INTO accounts (source, external_id, username, enabled, data_hash, state, present, suspended, admin_protected,
          policy_protected, profile, held, waiting_for, waiting_since, grace_until)
       SELECT 'dir', r.external_id, r.external_id, r.enabled, 'h', r.state, r.present, r.suspended, r.admin_protected,
          r.policy_protected, r.profile, r.held::jsonb, r.waiting_for::jsonb, r.waiting_since, r.grace_until
       FROM unnest($1::text[], $2::text[], $3::boolean[], $4::boolean[], $5::boolean[], $6::boolean[], $7::boolean[], $8::text[],
                   $9::text[], $10::text[], $11::timestamptz[], $12::timestamptz[])
            AS r(external_id, state, present, enabled, suspended, admin_protected, policy_protected, profile, held, waiting_for,
                 waiting_since, grace_until)`,
      [
        column('external_id'), column('state'), column('present'), column('enabled'), column('suspended'), column('admin_protected'),
        column('policy_protected'), column('profile'), column('held'), column('waiting_for'), column('waiting_since'), column('grace_until'),
      ],
    );
  }, 60_000);

  it('leaves out and counts exactly the accounts the pure predicate calls settled, and loads every changed one', async () => {
    const everything = await t.db.transaction((tx) => seatsOf(tx).load());
    const settled = everything.filter((a) => isSettledKeeper(a, PROFILE_POOLS));
    // The generator must produce both kinds in numbers.
    expect(settled.length).toBeGreaterThan(100);
    expect(everything.length - settled.length).toBeGreaterThan(100);
    // Two settled accounts this run changes: they must be loaded, not counted.
    const include = settled.slice(0, 2).map((a) => a.id);

    const around = await t.db.transaction((tx) => seatsOf(tx).loadAroundSettled({ settledHeld: NEEDING, include }));

    const expectedIds = everything.filter((a) => !isSettledKeeper(a, PROFILE_POOLS) || include.includes(a.id)).map((a) => a.id).sort((a, b) => a - b);
    expect(around.accounts.map((a) => a.id).sort((a, b) => a - b)).toEqual(expectedIds);
    const expectedCounts = new Map<string, number>();
    for (const a of settled) if (!include.includes(a.id)) expectedCounts.set(a.profile ?? '', (expectedCounts.get(a.profile ?? '') ?? 0) + 1);
    expect(Object.fromEntries(around.settled)).toEqual(Object.fromEntries(expectedCounts));
    // Loaded accounts are the same objects as a full load would give.
    const byId = new Map(everything.map((a) => [a.id, a]));
    for (const a of around.accounts) expect(a).toEqual(byId.get(a.id));
  });
});
