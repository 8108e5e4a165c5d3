import { describe, expect, it } from 'vitest';
import { CHANGE_KINDS, changeKindOf } from '../../../src/domain/change-kinds.ts';
import type { AccountState, SeatState } from '../../../src/domain/types.ts';

const seat = (state: AccountState, held: string[] = [], waitingFor: string[] = []): SeatState => ({
  state, held, waitingFor, waitingSince: null, activatedAt: null, graceUntil: null,
});

describe('changeKindOf', () => {
  it.each([
    { from: null, to: seat('active', ['primary']), kind: 'activated' },
    { from: null, to: seat('blocked', [], ['primary']), kind: 'blocked' },
    { from: null, to: seat('disabled'), kind: 'disabled' },
    { from: seat('active', ['primary']), to: seat('blocked', [], ['primary']), kind: 'blocked' },
    { from: seat('blocked', [], ['primary']), to: seat('removed'), kind: 'removed' },
    { from: seat('active'), to: seat('suspended'), kind: 'suspended' },
    { from: seat('suspended'), to: seat('active', ['primary']), kind: 'activated' },
    { from: seat('active', ['primary']), to: seat('active', ['extranet']), kind: 'changed' },
    { from: seat('blocked', [], ['primary']), to: seat('blocked', [], ['extranet']), kind: 'changed' },
  ] as const)('$from.state → $to.state is $kind', ({ from, to, kind }) => {
    expect(changeKindOf({ from, to })).toBe(kind);
  });

  it('lists blocks and removals first', () => {
    expect(CHANGE_KINDS.slice(0, 2)).toEqual(['blocked', 'removed']);
  });
});
