// The allocation's fingerprint covers every seat setting (derived from allocationSettingsOf and
// mappingRulesOf, not listed again) and nothing else: a run may skip the allocation only when none of them
// changed, and the config watch and a worker's start queue a sync exactly when one did (seatSettingsChanged).
import { describe, expect, it } from 'vitest';
import { allocationFingerprint, seatSettingsChanged } from '../../../src/sync/reconcile.ts';
import { aPartnerConfig } from '../../support/config-builder.ts';

describe('allocationFingerprint', () => {
  const config = aPartnerConfig('/tmp/people.csv', { primary: 3, extranet: 1 });
  const base = allocationFingerprint(config);

  it.each([
    ['a pool size', { ...config, pools: config.pools.map((p) => (p.name === 'primary' ? { ...p, seats: 4 } : p)) }],
    ['the pools of a profile', { ...config, profiles: config.profiles.map((p, i) => (i === 0 ? { ...p, pools: [] } : p)) }],
    ['the grace period', { ...config, policy: { ...config.policy, graceDays: config.policy.graceDays + 1 } }],
    ['the when rule of a profile', { ...config, profiles: config.profiles.map((p, i) => (i === 0 ? { ...p, when: { memberOf: ['contractors'] } } : p)) }],
    ['the order of the profiles', { ...config, profiles: [...config.profiles].reverse() }],
    ['the protect rule', { ...config, policy: { ...config.policy, protect: { memberOf: ['operators'] } } }],
  ])('changes with %s, a change of seat settings', (_what, changed) => {
    expect(allocationFingerprint(changed)).not.toBe(base);
    expect(seatSettingsChanged(base, changed)).toBe(true);
  });

  it('does not change with what decides no seat', () => {
    for (const same of [
      { ...config, sources: [] },
      { ...config, pools: config.pools.map((p) => ({ ...p, notify: 'licenses@example.test' })) },
      { ...config, policy: { ...config.policy, maxRemovals: { count: 3 }, purgeRemovedAfterMs: 86_400_000 } },
    ]) {
      expect(allocationFingerprint(same)).toBe(base);
      expect(seatSettingsChanged(base, same)).toBe(false);
    }
  });

  it('changes with the accounts left as they were, and keeps their settings readable apart', () => {
    const frozen = allocationFingerprint(config, [7, 3]);
    expect(frozen).not.toBe(base);
    expect(allocationFingerprint(config, [3, 7])).toBe(frozen);
    expect(seatSettingsChanged(frozen, config)).toBe(false);
    expect(seatSettingsChanged(base, config)).toBe(false);
    const grown = { ...config, pools: config.pools.map((p) => (p.name === 'primary' ? { ...p, seats: 4 } : p)) };
    expect(seatSettingsChanged(frozen, grown)).toBe(true);
  });

  it('keeps a mapping part it is given, which then differs from the config it was taken under', () => {
    const kept = allocationFingerprint(config, [], { mapping: 'older-rules' });
    expect(seatSettingsChanged(kept, config)).toBe(true);
  });
});
