// The kinds of state change a run makes, in the order an admin reads them: what takes a seat or an
// account away first (blocks, removals, disabled accounts), then the rest. The run's counts (SPEC §5
// `activated`, `blocked`, `disabled`, `removed`) are the numbers of the kinds of the same name.
import type { AccountChange, AccountState } from './types.ts';

/**
 * `changed`: the state stays as it was, its seats or waiting list change (a new profile's pools, a
 * pool given up for another). The others name the state reached.
 */
export type ChangeKind = 'blocked' | 'removed' | 'disabled' | 'suspended' | 'activated' | 'changed';

/** Every kind, in the order a dry run lists them. */
export const CHANGE_KINDS: readonly ChangeKind[] = ['blocked', 'removed', 'disabled', 'suspended', 'activated', 'changed'];

/** State changes of each kind a dry run lists unless told otherwise (its counts cover all of them). */
export const DRY_RUN_LISTED = 1_000;

const KIND_OF_STATE: Readonly<Record<AccountState, ChangeKind>> = {
  blocked: 'blocked',
  removed: 'removed',
  disabled: 'disabled',
  suspended: 'suspended',
  active: 'activated',
};

export function changeKindOf(change: Pick<AccountChange, 'from' | 'to'>): ChangeKind {
  if (change.from !== null && change.from.state === change.to.state) return 'changed';
  return KIND_OF_STATE[change.to.state];
}

export function isChangeKind(value: string): value is ChangeKind {
  return (CHANGE_KINDS as readonly string[]).includes(value);
}

/** Zero of every kind. */
export function noChangesByKind(): Record<ChangeKind, number> {
  return { blocked: 0, removed: 0, disabled: 0, suspended: 0, activated: 0, changed: 0 };
}
