// What a run asks of its source and how it maps users, derived once from the config.
import { hash } from 'node:crypto';
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

/**
 * Fingerprint of what decides how a user is mapped (profile names, order and rules; the protect rule).
 * Stored with a source's cursor: when it changes, the next read is full (see sync-source.ts).
 */
export function mappingFingerprint(rules: MappingRules): string {
  const input = JSON.stringify([rules.profiles.map((p) => [p.name, p.when ?? null]), rules.protect]);
  return hash('sha1', input, 'base64url');
}

export function readRequestOf(config: SeatsyncConfig): Pick<SourceReadOptions, 'groupsOfInterest' | 'attributes'> {
  const rules = mappingRulesOf(config);
  return {
    groupsOfInterest: collectGroupsOfInterest(rules.profiles, rules.protect),
    attributes: collectAttributes(rules.profiles, rules.protect),
  };
}
