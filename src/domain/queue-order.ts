// The waiting queue's order (SPEC rule 3), defined once. The allocation sorts its requesters with
// `compareQueue`. The explanation of why an account waits counts the accounts ahead of it in SQL
// (account-store.ts `queuePlace`, ties the SQL cannot order by bytes handed back to `compareWaitingTogether`),
// bound to `rankWaiting` by test/integration/sync/explain-queue.int.test.ts, so the position an admin is
// shown is the one the next allocation uses. A run's new accounts
// are ordered by the database instead, by `queueKeyOf`, a text key computed here when they are staged
// and stored with them; the allocator takes each with that key (`QueuedAccount`), never building it again. The key sorts as `compareWaitingTogether` does when compared by code unit (`<`
// in JavaScript, COLLATE "C" in SQL: every character of the key is an ASCII hex digit, so no collation
// can reorder it); "the queue key" in test/unit/domain/allocator.property.test.ts binds the two.
import { compareText, neededPoolNames } from './pool-table.ts';
import type { SeatAccount } from './types.ts';

/** What the order looks at: a requester of the allocation fits this shape as it is. */
export interface QueuePlace {
  /** Epoch ms the account started waiting. */
  readonly waitingSince: number;
  readonly account: { readonly id: number; readonly username: string; readonly directoryCreatedAt: number | null };
}

/** Queue order (rule 3): longest waiting first; among accounts that started waiting together, see `compareWaitingTogether`. */
export function compareQueue(a: QueuePlace, b: QueuePlace): number {
  if (a.waitingSince !== b.waitingSince) return a.waitingSince - b.waitingSince;
  return compareWaitingTogether(a.account, b.account);
}

/**
 * Among accounts that started waiting at the same time: earlier directory creation first (unknown
 * creation last), then username by UTF-16 code unit, then id so the order is total.
 */
export function compareWaitingTogether(a: QueuePlace['account'], b: QueuePlace['account']): number {
  const ca = a.directoryCreatedAt;
  const cb = b.directoryCreatedAt;
  if (ca !== cb) {
    if (ca === null) return 1;
    if (cb === null) return -1;
    return ca - cb;
  }
  return compareText(a.username, b.username) || a.id - b.id;
}

/**
 * Whether comparing this username with any other by UTF-8 bytes (COLLATE "C" in SQL) orders the two as
 * `compareText` (UTF-16 code units) does. The two orders differ only where, at the first character the
 * names differ in, one has a character from U+E000 to U+FFFF and the other one above U+FFFF (a
 * surrogate pair in UTF-16, which sorts before U+E000 there, after it in bytes); a name without either
 * can be compared by bytes with every name.
 */
export function ordersAsBytes(username: string): boolean {
  return !/[\uD800-\uDFFF\uE000-\uFFFF]/.test(username);
}

/**
 * How a new account enters the allocation, the first character of its queue key:
 * - `0` protected and asking for seats: takes them before any pool is shrunk, so it is decided with the
 *   stored accounts;
 * - `1` asking for seats: waits from now, behind every account that waited before (rule 3);
 * - `2` the rest (out of scope, disabled, needing no pool): decided without looking at seats.
 */
export type NewcomerClass = 0 | 1 | 2;

/** What the class depends on of a profile: the pools it needs (unique). */
export interface NeededPools {
  readonly pools: readonly unknown[];
}

/** The class of a new account (state null). `needs`: its profile's, undefined when out of scope. */
export function newcomerClass(account: SeatAccount, needs: NeededPools | undefined): NewcomerClass {
  const eligible = needs !== undefined && account.present && account.enabled && !account.suspended;
  if (!eligible || needs.pools.length === 0) return 2;
  return account.protected ? 0 : 1;
}

// Integers are offset by 2^52 so every value of ±142,000 years in ms (and every id) is a non-negative
// integer below 2^53, written in 14 hex digits (56 bits): fixed width, so text order is numeric order.
// Every staged user's key is built here (a first sync: a million), so the digits come from a table of
// byte values rather than from `toString(16)` per character, which took 12% of a first sync's read in
// its CPU profile (BENCHMARKS.md, "Where a first sync spends its time and memory").
const OFFSET = 2 ** 52;
const LOW_28 = 2 ** 28;
const HEX2 = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
/** The four digits of code units below 256 (most of a username): one piece added per character. */
const HEX4_LOW = HEX2.map((digits) => `00${digits}`);
const hex7 = (v: number): string => (HEX2[v >>> 24] ?? '').slice(1) + (HEX2[(v >>> 16) & 255] ?? '') + (HEX2[(v >>> 8) & 255] ?? '') + (HEX2[v & 255] ?? '');
const hex14 = (value: number): string => {
  const v = value + OFFSET;
  if (!Number.isSafeInteger(v) || v < 0) return v.toString(16).padStart(14, '0');
  const high = Math.floor(v / LOW_28);
  return hex7(high) + hex7(v - high * LOW_28);
};

/**
 * The queue key of a new account: class, creation (known before unknown), username as UTF-16 code units
 * (4 hex digits each, ended by `0000`, which no code unit of a stored text equals: PostgreSQL text holds
 * no NUL), id. Two new accounts of one class compare by key as `compareWaitingTogether` compares them.
 */
export function queueKeyOf(account: SeatAccount, needs: NeededPools | undefined): string {
  const created = account.directoryCreatedAt === null ? `1${'0'.repeat(14)}` : `0${hex14(account.directoryCreatedAt)}`;
  let name = '';
  for (let i = 0; i < account.username.length; i++) {
    const unit = account.username.charCodeAt(i);
    name += unit < 256 ? (HEX4_LOW[unit] ?? '') : (HEX2[unit >>> 8] ?? '') + (HEX2[unit & 255] ?? '');
  }
  return `${newcomerClass(account, needs)}${created}${name}0000${hex14(account.id)}`;
}

/** A new account (state null) with the queue key it was staged with: what `SeatAllocation.admitQueued` takes. */
export interface QueuedAccount {
  readonly account: SeatAccount;
  /** `queueKeyOf` the account under the run's profiles. */
  readonly queueKey: string;
}

/** `queueKeyOf` under these profiles (profile name → pools it needs), for the accounts of one run. */
export function queueKeyer(profilePools: ReadonlyMap<string, readonly string[]>): (account: SeatAccount) => string {
  const needs = new Map([...profilePools].map(([profile, pools]) => [profile, { pools: neededPoolNames(pools) }]));
  return (account) => queueKeyOf(account, account.profile === null ? undefined : needs.get(account.profile));
}
