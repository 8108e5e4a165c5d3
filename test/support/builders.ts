// Small builders for unit tests of the domain: defaults describe an ordinary, eligible user of the
// `staff` profile; a test states only what matters to it (`anAccount({ state: 'blocked' })`).
import type {
  AllocationInput,
  DirectoryUser,
  Pool,
  SeatAccount,
  SeatPolicy,
} from '../../src/domain/types.ts';

/** The `now` of `anInput` unless given: a fixed instant, so expectations can name it. */
export const DEFAULT_NOW = Date.UTC(2025, 0, 15, 12);

let nextId = 1;

/** A new (never allocated), present, enabled account of profile `staff`. Ids count up unless given. */
export function anAccount(overrides: Partial<SeatAccount> = {}): SeatAccount {
  const id = overrides.id ?? nextId++;
  return {
    id,
    username: `user${String(id).padStart(4, '0')}`,
    directoryCreatedAt: null,
    present: true,
    enabled: true,
    profile: 'staff',
    suspended: false,
    protected: false,
    frozen: false,
    state: null,
    held: [],
    waitingFor: [],
    waitingSince: null,
    activatedAt: null,
    graceUntil: null,
    ...overrides,
  };
}

/** An account holding a seat in each of `pools` since `activatedAt`. */
export function anActiveAccount(
  pools: readonly string[],
  activatedAt: number,
  overrides: Partial<SeatAccount> = {},
): SeatAccount {
  return anAccount({ state: 'active', held: [...pools].sort(), activatedAt, ...overrides });
}

/** An account blocked since `waitingSince`, waiting for `pools`. */
export function aBlockedAccount(
  pools: readonly string[],
  waitingSince: number,
  overrides: Partial<SeatAccount> = {},
): SeatAccount {
  return anAccount({ state: 'blocked', waitingFor: [...pools].sort(), waitingSince, ...overrides });
}

export function aPool(name: string, seats: number): Pool {
  return { name, seats };
}

/** Every field optional; `undefined` means the default, so helpers can pass their own options through. */
export interface InputOverrides {
  readonly now?: number | undefined;
  readonly pools?: readonly Pool[] | undefined;
  /** Profile name → pools; default `{ staff: ['primary'] }`. */
  readonly profiles?: Readonly<Record<string, readonly string[]>> | undefined;
  readonly policy?: Partial<SeatPolicy> | undefined;
  readonly accounts?: readonly SeatAccount[] | undefined;
}

/** An allocation input: by default one pool `primary` of 10 seats and the profile `staff` needing it. */
export function anInput(overrides: InputOverrides = {}): AllocationInput {
  return {
    now: overrides.now ?? DEFAULT_NOW,
    pools: overrides.pools ?? [aPool('primary', 10)],
    profilePools: new Map(Object.entries(overrides.profiles ?? { staff: ['primary'] })),
    policy: { graceDays: 0, ...overrides.policy },
    accounts: overrides.accounts ?? [],
  };
}

/** An enabled directory user with no groups, DN or attributes unless given. */
export function aUser(overrides: Partial<DirectoryUser> = {}): DirectoryUser {
  const externalId = overrides.externalId ?? `ext-${nextId++}`;
  return {
    externalId,
    username: overrides.username ?? externalId,
    email: null,
    displayName: null,
    dn: null,
    enabled: true,
    createdAt: null,
    groups: [],
    attributes: {},
    ...overrides,
  };
}
