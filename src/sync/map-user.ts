// Maps a directory user to what the store keeps: profile, protection and a hash of everything stored,
// so an unchanged user is recognised without rewriting its row (SPEC rule 6, "no churn").
import { hash } from 'node:crypto';
import { matchProfile, matchRule } from '../domain/profiles.ts';
import type { DirectoryUser, MatchRule, Profile } from '../domain/types.ts';
import type { StagedUser } from '../store/repositories.ts';

export interface MappingRules {
  readonly profiles: readonly Profile[];
  readonly protect: MatchRule | null;
}

/**
 * The hash input is the JSON array [username, email, displayName, dn, enabled, createdAt, groups,
 * attributes, profile, protected], built from its parts so that the JSON of groups and attributes,
 * which staging stores as text, is produced once (JSON.stringify of an array is its elements'
 * JSON joined by commas). Hashes stored by earlier versions stay valid.
 */
export function mapUser(user: DirectoryUser, rules: MappingRules): StagedUser {
  const profile = matchProfile(user, rules.profiles)?.name ?? null;
  const policyProtected = rules.protect !== null && matchRule(user, rules.protect);
  const groupsJson = JSON.stringify(user.groups.length > 1 ? [...user.groups].sort() : user.groups);
  const attributesJson = attributesToJson(user.attributes);
  const createdAt = user.createdAt && !Number.isNaN(user.createdAt.getTime()) ? isoString(user.createdAt) : null;
  // The first six elements in one JSON.stringify (one call instead of one per field), its `]` replaced by the rest.
  const head = JSON.stringify([user.username, user.email, user.displayName, user.dn, user.enabled, createdAt]);
  const hashInput = `${head.slice(0, -1)},${groupsJson},${attributesJson},${JSON.stringify(profile)},${policyProtected}]`;
  return {
    externalId: user.externalId,
    username: user.username,
    email: user.email,
    displayName: user.displayName,
    dn: user.dn,
    enabled: user.enabled,
    directoryCreatedAt: createdAt,
    groupsJson,
    attributesJson,
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
 * JSON of the attributes with a value, keys sorted: the same text as JSON.stringify of such an object,
 * built without the object (this runs for every user of every read). When the keys are in order
 * already and every one has a value (the usual case), that object is the attributes themselves.
 */
function attributesToJson(attributes: Readonly<Record<string, readonly string[]>>): string {
  const keys = Object.keys(attributes);
  // JSON.stringify puts keys that look like array indexes first; never an attribute name, but be exact.
  if (keys.some(looksLikeArrayIndex)) return JSON.stringify(Object.fromEntries(keys.sort().flatMap((k) => ((attributes[k]?.length ?? 0) > 0 ? [[k, attributes[k]]] : []))));
  let plain = true;
  for (let i = 0; i < keys.length && plain; i++) plain = (attributes[keys[i] as string]?.length ?? 0) > 0 && (i === 0 || (keys[i - 1] as string) < (keys[i] as string));
  if (plain) return JSON.stringify(attributes);
  if (keys.length > 1) keys.sort();
  let json = '';
  for (const key of keys) {
    const values = attributes[key];
    if (values && values.length > 0) json += `${json === '' ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(values)}`;
  }
  return `{${json}}`;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** `date.toISOString()`, built from the fields (about four times faster); other years go to it. */
function isoString(date: Date): string {
  const year = date.getUTCFullYear();
  if (year < 1000 || year > 9999) return date.toISOString();
  const ms = date.getUTCMilliseconds();
  return (
    `${year}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}T${pad2(date.getUTCHours())}:` +
    `${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}.${ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : ms}Z`
  );
}
