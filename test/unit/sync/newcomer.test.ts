// New users reach the allocation with the queue key their read staged them with: the apply passes the
// stored key on, and refuses a new user staged without one rather than queue it anywhere.
import { describe, expect, it } from 'vitest';
import { queuedNewcomer } from '../../../src/sync/newcomer.ts';
import type { DeltaRow } from '../../../src/store/repositories.ts';

const row: DeltaRow = { seq: 3, id: null, username: 'amy', enabled: true, createdMs: null, profile: 'p0', policyProtected: true, queueKey: '0stored-key' };

describe('a new user from the staging table', () => {
  it('is queued by the key stored with it, as a new account with temporary id −seq', () => {
    const { account, queueKey } = queuedNewcomer(row);
    expect(queueKey).toBe('0stored-key');
    expect(account).toMatchObject({ id: -3, username: 'amy', state: null, present: true, protected: true, profile: 'p0' });
  });

  it('without a key (staged as changed) is an internal error', () => {
    expect(() => queuedNewcomer({ ...row, seq: -2, queueKey: null })).toThrow(/internal error.*without a queue key/);
  });
});
