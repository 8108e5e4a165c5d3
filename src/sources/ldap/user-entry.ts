// One LDAP entry → one SourceItem: a user, or a `skipped` item naming the DN and the attribute at fault.
import { guidFromBytes, isBinaryGuidAttribute, isDisabledByUserAccountControl } from '../directory-values.ts';
import type { Entry } from 'ldapts';

import type { LdapDisabledRule, LdapSourceConfig } from '../../config/types.ts';
import { normalizeDn } from '../../domain/names.ts';
import type { DirectoryUser } from '../../domain/types.ts';
import type { FieldAttributes, SourceItem } from '../directory-source.ts';

import { parseEntryTime } from './entry-timestamps.ts';
import { posixUidKey } from './group-expander.ts';
import { binaryNames, EntryView } from './entry-view.ts';
import { groupsOfUser, hasMember, type MemberKeys, type ResolvedGroups } from './group-types.ts';


const UUID_LIKE = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

/** Without groups to look up (no scope group, no groups of interest), every user has none. */
const NO_GROUPS: readonly string[] = Object.freeze([]);
const NO_KEYS: MemberKeys = { dn: '', uids: NO_GROUPS };

/** posixGroup members are named by `uid`, whatever the username attribute is. */
export const POSIX_UID_ATTRIBUTE = 'uid';

export interface UserMapping {
  readonly config: LdapSourceConfig;
  /** Attributes the profiles read, reported in `DirectoryUser.attributes` under these names. */
  readonly profileAttributes: readonly string[];
  readonly groups: ResolvedGroups;
  /** Normalized scope group DN when membership is checked here (not in the server's filter). */
  readonly scopeGroup: string | null;
  /** `fieldAttributes(config)`, reported with each user. */
  readonly readFrom: FieldAttributes;
}

/** The attributes the mapping reads each field from (the flavor's defaults or the source's overrides); the DN is the entry's name. */
export function fieldAttributes(config: Pick<LdapSourceConfig, 'attributes'>): FieldAttributes {
  const { id, username, email, displayName, createdAt } = config.attributes;
  return Object.freeze({ externalId: id, username, email, displayName, createdAt, dn: 'dn' });
}

export interface RequestedAttributes {
  readonly attributes: string[];
  /** Spellings ldapts must return as Buffers (binary GUIDs). */
  readonly binary: string[];
}

/** The attributes a user search asks for: the mapping, the disabled rule, `uid`, the profiles' ones. */
export function requestedAttributes(config: LdapSourceConfig, profileAttributes: readonly string[]): RequestedAttributes {
  const { attributes: map } = config;
  const names = [map.id, map.username, map.email, map.displayName, map.createdAt, POSIX_UID_ATTRIBUTE];
  names.push(...disabledRuleAttributes(config.disabled), ...profileAttributes);
  // modifyTimestamp tells an incremental read where to resume (see ldap-cursor.ts).
  if (config.flavor !== 'active-directory') names.push('modifyTimestamp');
  const seen = new Set<string>();
  const attributes = names.filter((name) => {
    const key = name.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const binary = attributes.filter(isBinaryGuidAttribute).flatMap(binaryNames);
  return { attributes, binary };
}

/** The item for an entry, or null when the entry is outside the scope group. */
export function mapUserEntry(entry: Entry | EntryView, mapping: UserMapping): SourceItem | null {
  const view = entry instanceof EntryView ? entry : new EntryView(entry);
  // Membership is looked up by normalized DN and posix uid; without groups there is nothing to look up.
  const lookups = mapping.scopeGroup !== null || mapping.groups.members.size > 0;
  const keys: MemberKeys | null = lookups ? { dn: normalizeDn(view.dn), uids: view.strings(POSIX_UID_ATTRIBUTE).map(posixUidKey) } : null;
  if (mapping.scopeGroup !== null && !hasMember(mapping.groups.members.get(mapping.scopeGroup), keys ?? NO_KEYS)) return null;
  const { attributes: map } = mapping.config;
  const externalId = readId(view, map.id);
  if (typeof externalId !== 'string') return { kind: 'skipped', entry: view.dn, attribute: map.id, reason: externalId.reason };
  const username = view.first(map.username)?.trim();
  if (!username) {
    return { kind: 'skipped', entry: view.dn, attribute: map.username, reason: 'missing username attribute', externalId };
  }
  const created = view.first(map.createdAt);
  const user: DirectoryUser = {
    externalId,
    username,
    email: view.first(map.email)?.trim() || null,
    displayName: view.first(map.displayName)?.trim() || null,
    dn: view.dn,
    enabled: !isDisabled(view, mapping.config.disabled),
    createdAt: created === null ? null : parseEntryTime(created),
    groups: keys === null ? NO_GROUPS : groupsOfUser(mapping.groups, keys),
    attributes: profileValues(view, mapping.profileAttributes),
  };
  const repaired = view.repaired();
  return repaired.length === 0 ? { kind: 'user', user, readFrom: mapping.readFrom } : { kind: 'user', user, repaired, readFrom: mapping.readFrom };
}

/** The profiles' attributes of an entry, by the names the profiles use. */
function profileValues(view: EntryView, names: readonly string[]): Record<string, readonly string[]> {
  const attributes: Record<string, readonly string[]> = {};
  for (const name of names) {
    // An own property whatever the name (as Object.fromEntries makes it), `__proto__` included.
    if (name === '__proto__') Object.defineProperty(attributes, name, { value: view.strings(name), enumerable: true, writable: true, configurable: true });
    else attributes[name] = view.strings(name);
  }
  return attributes;
}

export function readId(view: EntryView, attribute: string): string | { reason: string } {
  const count = view.count(attribute);
  if (count === 0) return { reason: 'missing id attribute' };
  if (count > 1) return { reason: `id attribute has ${count} values; it must have one` };
  if (isBinaryGuidAttribute(attribute)) {
    const guid = guidFromBytes(view.buffers(attribute)[0] ?? Buffer.alloc(0));
    return guid ?? { reason: 'id attribute is not a 16-byte GUID' };
  }
  const text = view.first(attribute) ?? '';
  // A repaired id (U+FFFD for bytes that were not UTF-8) could equal another entry's: a key is never repaired.
  if (view.repaired().includes(attribute)) return { reason: 'id attribute is not valid UTF-8' };
  return idOfText(text);
}

/** The id a text id value stands for (`readId`'s rule for every id that is not a binary GUID). */
export function idOfText(text: string): string | { reason: string } {
  const id = text.trim();
  if (!id) return { reason: 'id attribute is empty' };
  // entryUUID and nsUniqueId-like ids compare case-insensitively; keep one spelling.
  return UUID_LIKE.test(id) ? id.toLowerCase() : id;
}

export function isDisabled(view: EntryView, rule: LdapDisabledRule): boolean {
  switch (rule.kind) {
    case 'ad-uac':
      return isDisabledByUserAccountControl(view.first('userAccountControl') ?? '0') === true;
    case 'attribute-present':
      return view.has(rule.attribute);
    case 'attribute-value': {
      const wanted = new Set(rule.values.map((value) => value.toLowerCase()));
      return view.strings(rule.attribute).some((value) => wanted.has(value.toLowerCase()));
    }
    case 'none':
      return false;
  }
}

function disabledRuleAttributes(rule: LdapDisabledRule): string[] {
  switch (rule.kind) {
    case 'ad-uac':
      return ['userAccountControl'];
    case 'attribute-present':
    case 'attribute-value':
      return [rule.attribute];
    case 'none':
      return [];
  }
}
