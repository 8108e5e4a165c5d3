// What a run asks of its source and how it maps users, derived once from the config.
import { collectAttributes, collectGroupsOfInterest } from '../domain/profiles.ts';
import type { SeatsyncConfig } from '../config/types.ts';
import type { SourceReadOptions } from '../sources/directory-source.ts';
import type { MappingRules } from './map-user.ts';

export function mappingRulesOf(config: SeatsyncConfig): MappingRules {
  return {
    profiles: config.profiles.map((p) => ({ name: p.name, pools: p.pools, ...(p.when ? { when: p.when } : {}) })),
    protect: config.policy.protect,
  };
}

export function readRequestOf(config: SeatsyncConfig): Pick<SourceReadOptions, 'groupsOfInterest' | 'attributes'> {
  const rules = mappingRulesOf(config);
  return {
    groupsOfInterest: collectGroupsOfInterest(rules.profiles, rules.protect),
    attributes: collectAttributes(rules.profiles, rules.protect),
  };
}
