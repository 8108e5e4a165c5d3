// fast-check generators of allocation inputs: small worlds (a few pools of a few seats, a few profiles,
// up to 25 accounts) where contention, ties and every state are common.
import fc from 'fast-check';
import { allocate, applyChanges } from '../../../src/domain/allocate.ts';
import type { AccountState, AllocationInput, Pool, SeatAccount } from '../../../src/domain/types.ts';
import { DAY_MS, HOUR_MS, NOW } from './allocation-helpers.ts';

export const POOL_NAMES = ['a', 'b', 'c'] as const;
/** Named by some profiles but by no configured pool: 0 seats. */
const MISSING_POOL = 'z';
export const PROFILE_NAMES = ['p0', 'p1', 'p2', 'p3'] as const;

export interface WorldOptions {
  /** Every profile needs exactly one configured pool (for the exact newest-first property). */
  readonly singlePool?: boolean;
}

const poolsArb: fc.Arbitrary<Pool[]> = fc
  .tuple(...POOL_NAMES.map(() => fc.integer({ min: 0, max: 4 })))
  .map((seats) => POOL_NAMES.map((name, i) => ({ name, seats: seats[i] ?? 0 })));

function profilesArb(options: WorldOptions): fc.Arbitrary<Map<string, readonly string[]>> {
  const needs = options.singlePool
    ? fc.constantFrom(...POOL_NAMES).map((pool) => [pool])
    : fc.oneof(
        { weight: 8, arbitrary: fc.subarray([...POOL_NAMES]) },
        { weight: 1, arbitrary: fc.constant([MISSING_POOL]) },
      );
  return fc
    .tuple(...PROFILE_NAMES.map(() => needs))
    .map((list) => new Map(PROFILE_NAMES.map((name, i) => [name, list[i] ?? []])));
}

const timeArb = fc.integer({ min: -30, max: 0 }).map((days) => NOW + days * DAY_MS);
const nullableTime = fc.option(timeArb, { nil: null });

/** The directory's side of an account: who it is and whether it is eligible. */
const directoryArb = fc.record({
  username: fc.constantFrom('ann', 'bob', 'cy', 'dee', 'eve'),
  directoryCreatedAt: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
  present: fc.oneof({ weight: 12, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  enabled: fc.oneof({ weight: 10, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  profile: fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom<string | null>(...PROFILE_NAMES) },
    { weight: 1, arbitrary: fc.constantFrom<string | null>(null, 'gone') },
  ),
  suspended: fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  protected: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

const stateArb = fc.constantFrom<AccountState | null>(null, 'active', 'active', 'active', 'blocked', 'blocked', 'disabled', 'removed', 'suspended');

/** Stored seat state, arbitrary (not necessarily one the allocation would produce). */
const storedArb = fc.record({
  state: stateArb,
  held: fc.subarray([...POOL_NAMES, MISSING_POOL]),
  waitingFor: fc.subarray([...POOL_NAMES]),
  waitingSince: nullableTime,
  activatedAt: nullableTime,
  graceUntil: fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }).map((days) => NOW + days * DAY_MS) },
  ),
});

function accountsArb(): fc.Arbitrary<SeatAccount[]> {
  return fc.array(fc.tuple(directoryArb, storedArb), { maxLength: 25, size: 'medium' }).map((list) =>
    list.map(([directory, stored], i) => {
      const id = i + 1;
      // A stored state only an active account has.
      const graceUntil = stored.state === 'active' ? stored.graceUntil : null;
      return { id, ...directory, ...stored, graceUntil, frozen: false };
    }),
  );
}

/** Any input: stored states may be inconsistent (the allocation must repair them). */
export function rawInputArb(options: WorldOptions = {}): fc.Arbitrary<AllocationInput> {
  return fc
    .record({
      pools: poolsArb,
      profilePools: profilesArb(options),
      graceDays: fc.constantFrom(0, 0, 7),
      accounts: accountsArb(),
    })
    .map(({ pools, profilePools, graceDays, accounts }) => ({
      now: NOW,
      pools,
      profilePools,
      policy: { graceDays },
      accounts,
    }));
}

export interface ChangeOptions {
  /** Leave the profile of active accounts alone (no account keeps seats while waiting for others). */
  readonly keepActiveProfiles?: boolean;
}

/** `value` once in `oneIn` times, else undefined (no change). */
function sometimes<T>(value: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
}

/** Directory-side edits of one account between two runs. */
const editArb = fc.record({
  present: sometimes(fc.boolean(), 6),
  enabled: sometimes(fc.boolean(), 6),
  profile: sometimes(fc.constantFrom<string | null>(...PROFILE_NAMES, null), 6),
  suspended: sometimes(fc.boolean(), 8),
  protected: sometimes(fc.boolean(), 8),
  /** A protection that ends was removed by an admin (else `policy.protect` stopped matching). */
  byAdmin: fc.boolean(),
});

/**
 * A realistic run: the stored state is what a previous plan produced; then the directory, the admins
 * and the seat counts change, and time passes (0 to 2 days).
 */
export function laterRunArb(options: WorldOptions & ChangeOptions = {}): fc.Arbitrary<AllocationInput> {
  return fc
    .record({
      first: rawInputArb(options),
      edits: fc.array(editArb, { minLength: 25, maxLength: 25 }),
      seats: fc.array(sometimes(fc.integer({ min: 0, max: 5 }), 3), { minLength: 3, maxLength: 3 }),
      laterMs: fc.constantFrom(0, HOUR_MS, 2 * DAY_MS, 8 * DAY_MS),
    })
    .map(({ first, edits, seats, laterMs }) => {
      const settled = applyChanges(first.accounts, allocate(first).changes);
      const accounts = settled.map((account, i) => {
        const edit = edits[i];
        if (edit === undefined) return account;
        const keepProfile = options.keepActiveProfiles === true && account.state === 'active';
        return {
          ...account,
          present: edit.present ?? account.present,
          enabled: edit.enabled ?? account.enabled,
          profile: keepProfile || edit.profile === undefined ? account.profile : edit.profile,
          suspended: edit.suspended ?? account.suspended,
          protected: edit.protected ?? account.protected,
          ...(account.protected && edit.protected === false && edit.byAdmin ? { unprotectedByAdmin: true } : {}),
        };
      });
      const pools = first.pools.map((pool, i) => ({ name: pool.name, seats: seats[i] ?? pool.seats }));
      return { ...first, now: first.now + laterMs, pools, accounts };
    });
}

/** Either kind of input, for properties that must hold for any input. */
export function anyInputArb(options: WorldOptions = {}): fc.Arbitrary<AllocationInput> {
  return fc.oneof(rawInputArb(options), laterRunArb(options));
}
