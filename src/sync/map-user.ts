// Maps a directory user to what the store keeps: profile, protection and a hash of everything stored,
// so an unchanged user is recognised without rewriting its row (SPEC rule 6, "no churn"); and what a run
// asks of its source and how it maps users, derived once from the config.
import { hash } from 'node:crypto';
import type { SeatsyncConfig } from '../config/types.ts';
import { collectAttributes, collectGroupsOfInterest, matchProfile, matchRule } from '../domain/profiles.ts';
import type { DirectoryUser, MatchRule, Profile } from '../domain/types.ts';
import type { SourceReadOptions } from '../sources/directory-source.ts';
import type { StagedUser } from '../store/repositories.ts';

export interface MappingRules {
  readonly profiles: readonly Profile[];
  readonly protect: MatchRule | null;
}

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
  return hash('sha1', JSON.stringify([rules.profiles.map((p) => [p.name, p.when ?? null]), rules.protect]), 'base64url');
}

export function readRequestOf(rules: MappingRules): Pick<SourceReadOptions, 'groupsOfInterest' | 'attributes'> {
  return { groupsOfInterest: collectGroupsOfInterest(rules.profiles, rules.protect), attributes: collectAttributes(rules.profiles, rules.protect) };
}

/**
 * The hash input is the JSON array [username, email, displayName, dn, enabled, createdAt, groups,
 * attributes, profile, protected], made by one JSON.stringify (a flat string, nothing to join); the
 * JSON of groups and attributes, which staging stores as text, is the same text as inside it.
 * Hashes stored by earlier versions stay valid.
 */
export function mapUser(user: DirectoryUser, rules: MappingRules): StagedUser {
  const profile = matchProfile(user, rules.profiles)?.name ?? null;
  const policyProtected = rules.protect !== null && matchRule(user, rules.protect);
  const groups = user.groups.length > 1 ? [...user.groups].sort() : user.groups;
  const attributes = storedAttributes(user.attributes);
  const createdMs = user.createdAt?.getTime() ?? Number.NaN;
  const createdAt = user.createdAt && !Number.isNaN(createdMs) ? isoString(user.createdAt) : null;
  const hashInput = JSON.stringify([user.username, user.email, user.displayName, user.dn, user.enabled, createdAt, groups, attributes, profile, policyProtected]);
  return {
    externalId: user.externalId,
    username: user.username,
    email: user.email,
    displayName: user.displayName,
    dn: user.dn,
    enabled: user.enabled,
    directoryCreatedAt: createdAt,
    directoryCreatedMs: createdAt === null ? null : createdMs,
    groupsJson: groups.length === 0 ? '[]' : JSON.stringify(groups),
    attributesJson: JSON.stringify(attributes),
    profile,
    policyProtected,
    dataHash: hash('sha1', hashInput, 'base64url'),
  };
}

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/** Only a key starting with a digit can be an array index; most keys are decided by that first character. */
function looksLikeArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && ARRAY_INDEX.test(key);
}

/**
 * The attributes as stored and hashed: those with a value, keys sorted. Usually the attributes
 * themselves (keys in order already, every one with a value); else a copy in that order. (JSON.stringify
 * puts keys that look like array indexes first; never an attribute name, but a copy keeps that exact.)
 */
function storedAttributes(attributes: Readonly<Record<string, readonly string[]>>): Readonly<Record<string, readonly string[]>> {
  const keys = Object.keys(attributes);
  let plain = true;
  for (let i = 0; i < keys.length && plain; i++) {
    const key = keys[i] as string;
    plain = (attributes[key]?.length ?? 0) > 0 && (i === 0 || (keys[i - 1] as string) < key) && !looksLikeArrayIndex(key);
  }
  if (plain) return attributes;
  const sorted: Record<string, readonly string[]> = {};
  for (const key of keys.sort()) {
    const values = attributes[key];
    // An own property whatever the key, `__proto__` included.
    if (values && values.length > 0) Object.defineProperty(sorted, key, { value: values, enumerable: true, writable: true, configurable: true });
  }
  return sorted;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** `date.toISOString()`, built from the fields (it runs for every user a read maps); other years go to it. */
function isoString(date: Date): string {
  const year = date.getUTCFullYear();
  if (year < 1000 || year > 9999) return date.toISOString();
  const ms = date.getUTCMilliseconds();
  return (
    `${year}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}T${pad2(date.getUTCHours())}:` +
    `${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}.${ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : ms}Z`
  );
}
