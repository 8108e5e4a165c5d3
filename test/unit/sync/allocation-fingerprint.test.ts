// The allocation's fingerprint covers every allocation setting (derived from allocationSettingsOf, not
// listed again) and nothing else: a run may skip the allocation only when none of them changed.
import { describe, expect, it } from 'vitest';
import { allocationFingerprint, sameAllocationSettings } from '../../../src/sync/reconcile.ts';
import { aPartnerConfig } from '../../support/config-builder.ts';

describe('allocationFingerprint', () => {
  const config = aPartnerConfig('/tmp/people.csv', { primary: 3, extranet: 1 });
  const base = allocationFingerprint(config);

  it.each([
    ['a pool size', { ...config, pools: config.pools.map((p) => (p.name === 'primary' ? { ...p, seats: 4 } : p)) }],
    ['the pools of a profile', { ...config, profiles: config.profiles.map((p, i) => (i === 0 ? { ...p, pools: [] } : p)) }],
    ['the grace period', { ...config, policy: { ...config.policy, graceDays: config.policy.graceDays + 1 } }],
  ])('changes with %s', (_what, changed) => {
    expect(allocationFingerprint(changed)).not.toBe(base);
  });

  it('does not change with what the allocation does not read', () => {
    expect(allocationFingerprint({ ...config, sources: [] })).toBe(base);
    expect(allocationFingerprint({ ...config, pools: config.pools.map((p) => ({ ...p, notify: null })) })).toBe(base);
  });

  it('changes with the accounts left as they were, and keeps their settings readable apart', () => {
    const frozen = allocationFingerprint(config, [7, 3]);
    expect(frozen).not.toBe(base);
    expect(allocationFingerprint(config, [3, 7])).toBe(frozen);
    expect(sameAllocationSettings(frozen, config)).toBe(true);
    expect(sameAllocationSettings(base, config)).toBe(true);
    const grown = { ...config, pools: config.pools.map((p) => (p.name === 'primary' ? { ...p, seats: 4 } : p)) };
    expect(sameAllocationSettings(frozen, grown)).toBe(false);
  });
});
