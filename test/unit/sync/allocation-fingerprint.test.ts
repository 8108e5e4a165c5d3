// The seat settings: the allocation's fingerprint covers every allocation setting (derived from
// allocationSettingsOf, not listed again) and the mapping rules' fingerprint every mapping rule; what
// decides no seat is in neither. A run may skip the allocation only when its fingerprint is unchanged, and
// the config watch and a worker's start queue a sync exactly when a seat setting changed
// (seatSettingsChanged), against the allocation's settings and every source's mapping rules.
import { describe, expect, it } from 'vitest';
import { mappingFingerprint, mappingRulesOf } from '../../../src/sync/map-user.ts';
import { allocationFingerprint, seatSettingsChanged, seatSettingsOf } from '../../../src/sync/reconcile.ts';
import { aPartnerConfig } from '../../support/config-builder.ts';

describe('seat settings', () => {
  const config = aPartnerConfig('/tmp/people.csv', { primary: 3, extranet: 1 });
  const base = allocationFingerprint(config);
  const mapping = mappingFingerprint(mappingRulesOf(config));
  const grown = { ...config, pools: config.pools.map((p) => (p.name === 'primary' ? { ...p, seats: 4 } : p)) };

  it.each([
    ['a pool size', grown],
    ['the pools of a profile', { ...config, profiles: config.profiles.map((p, i) => (i === 0 ? { ...p, pools: [] } : p)) }],
    ['the grace period', { ...config, policy: { ...config.policy, graceDays: config.policy.graceDays + 1 } }],
  ])('change with %s, an allocation setting', (_what, changed) => {
    expect(allocationFingerprint(changed)).not.toBe(base);
    expect(seatSettingsChanged(seatSettingsOf(config), changed)).toBe(true);
  });

  it.each([
    ['the when rule of a profile', { ...config, profiles: config.profiles.map((p, i) => (i === 0 ? { ...p, when: { memberOf: ['contractors'] } } : p)) }],
    ['the order of the profiles', { ...config, profiles: [...config.profiles].reverse() }],
    ['the protect rule', { ...config, policy: { ...config.policy, protect: { memberOf: ['operators'] } } }],
  ])('change with %s, a mapping rule, which the allocation does not read', (_what, changed) => {
    expect(mappingFingerprint(mappingRulesOf(changed))).not.toBe(mapping);
    expect(seatSettingsChanged(seatSettingsOf(config), changed)).toBe(true);
    // A source whose users were mapped under the old rules still has them to apply, whatever the others'.
    expect(seatSettingsChanged({ allocation: allocationFingerprint(changed), sourceMappings: [mappingFingerprint(mappingRulesOf(changed)), mapping] }, changed)).toBe(true);
  });

  it('do not change with what decides no seat', () => {
    for (const same of [
      { ...config, sources: [] },
      { ...config, pools: config.pools.map((p) => ({ ...p, notify: 'licenses@example.test' })) },
      { ...config, policy: { ...config.policy, maxRemovals: { count: 3 }, purgeRemovedAfterMs: 86_400_000 } },
    ]) {
      expect(allocationFingerprint(same)).toBe(base);
      expect(seatSettingsChanged(seatSettingsOf(config), same)).toBe(false);
    }
  });

  it('keep the accounts left as they were apart from the settings', () => {
    const frozen = allocationFingerprint(config, [7, 3]);
    expect(frozen).not.toBe(base);
    expect(allocationFingerprint(config, [3, 7])).toBe(frozen);
    expect(seatSettingsChanged({ allocation: frozen, sourceMappings: [mapping] }, config)).toBe(false);
    expect(seatSettingsChanged({ allocation: frozen, sourceMappings: [mapping] }, grown)).toBe(true);
  });

  it("compare a config's with another config's: its allocation settings and its mapping rules", () => {
    expect(seatSettingsOf(config)).toEqual({ allocation: base, mapping });
    expect(seatSettingsChanged({ allocation: base, mapping }, config)).toBe(false);
    expect(seatSettingsChanged({ allocation: base, mapping: 'other' }, config)).toBe(true);
    expect(seatSettingsChanged({ allocation: 'other', mapping }, config)).toBe(true);
  });

  it('compare the allocation alone when no source has mapped a user yet, and count a mapping not recorded as a change', () => {
    expect(seatSettingsChanged({ allocation: base, sourceMappings: [] }, config)).toBe(false);
    expect(seatSettingsChanged({ allocation: base, sourceMappings: [mapping, mapping] }, config)).toBe(false);
    // A cursor saved before the mapping rules were kept with it: its users' rules are unknown.
    expect(seatSettingsChanged({ allocation: base, sourceMappings: [mapping, null] }, config)).toBe(true);
  });

  it('take an allocation fingerprint saved by earlier versions for this config as current', () => {
    // As versions before the mapping rules were kept per source saved them for this config (sha256 of the
    // allocation settings; `+` and the frozen accounts' hash): an upgrade queues no sync for them.
    const legacy = '51ab5cb65b0c24d942e0303f126fb22c23dacf98a5e84948fc4031590a5d5832';
    const legacyFrozen = `${legacy}+984ea285d4f7dfc9426d7afa24ff4d6028313cf8e91e800729e9dd657d535fe5`;
    expect(allocationFingerprint(config)).toBe(legacy);
    expect(allocationFingerprint(config, [3, 7])).toBe(legacyFrozen);
    expect(seatSettingsChanged({ allocation: legacy, sourceMappings: [mapping] }, config)).toBe(false);
    expect(seatSettingsChanged({ allocation: legacyFrozen, sourceMappings: [mapping] }, config)).toBe(false);
    expect(seatSettingsChanged({ allocation: legacy, sourceMappings: [mapping] }, grown)).toBe(true);
  });

  it('count a stored fingerprint of another form (settings.mapping, as an unreleased build wrote) as a change, without failing', () => {
    // Its allocation part is not this config's settings: the worker's start queues one sync of every
    // source, whose allocation then saves the fingerprint in the current form.
    for (const stored of [`${base}.${mapping}`, `${base}.${mapping}+${allocationFingerprint(config, [3]).split('+')[1]}`, `${base}.`, '.']) {
      expect(seatSettingsChanged({ allocation: stored, sourceMappings: [mapping] }, config), stored).toBe(true);
    }
  });
});
