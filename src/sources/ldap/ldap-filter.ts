// Search filters. Every value that comes from data or config (DNs, timestamps, USNs) goes through
// ldapts' `escapeFilter` (RFC 4515); only filters an administrator wrote in the config are used as-is.
import { escapeFilter, FilterParser } from 'ldapts';

/** OID of LDAP_MATCHING_RULE_IN_CHAIN: AD evaluates the linked attribute transitively. */
export const IN_CHAIN_RULE = '1.2.840.113556.1.4.1941';

/** Object classes whose entries are groups, on AD, OpenLDAP, 389ds and FreeIPA. */
export const GROUP_OBJECT_CLASSES = ['group', 'groupOfNames', 'groupOfUniqueNames', 'posixGroup'] as const;

/** Wraps an administrator's filter in parentheses when they were left out (`department=*`). */
export function parenthesize(filter: string): string {
  const trimmed = filter.trim();
  return trimmed.startsWith('(') ? trimmed : `(${trimmed})`;
}

/** AND of filters; empty parts are dropped; one part is returned as is. */
export function andFilter(...parts: readonly (string | null | undefined)[]): string {
  const present = parts.filter((part): part is string => typeof part === 'string' && part.trim() !== '').map(parenthesize);
  if (present.length === 0) return '(objectClass=*)';
  if (present.length === 1) return present[0] ?? '(objectClass=*)';
  return `(&${present.join('')})`;
}

/** OR of filters; a single part is returned as is. */
export function orFilter(parts: readonly string[]): string {
  if (parts.length === 1) return parenthesize(parts[0] ?? '');
  return `(|${parts.map(parenthesize).join('')})`;
}

/** Entries that are transitive members of the group `groupDn` (AD only). */
export function inChainMemberOfFilter(groupDn: string): string {
  return `(memberOf:${IN_CHAIN_RULE}:=${escapeFilter`${groupDn}`})`;
}

export function equalityFilter(attribute: string, value: string): string {
  assertAttributeName(attribute);
  return `(${attribute}=${escapeFilter`${value}`})`;
}

export function greaterOrEqualFilter(attribute: string, value: string): string {
  assertAttributeName(attribute);
  return `(${attribute}>=${escapeFilter`${value}`})`;
}

export function presenceFilter(attribute: string): string {
  assertAttributeName(attribute);
  return `(${attribute}=*)`;
}

export function groupClassFilter(): string {
  return orFilter(GROUP_OBJECT_CLASSES.map((objectClass) => equalityFilter('objectClass', objectClass)));
}

/** Throws when a filter cannot be parsed; returns the message for error reports. */
export function filterProblem(filter: string): string | null {
  try {
    FilterParser.parseString(filter);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Attribute descriptions are `name` or `name;option` of letters, digits and hyphens (RFC 4512 §2.5). */
function assertAttributeName(attribute: string): void {
  if (!/^[A-Za-z][\w-]*(;[\w-]+)*$|^\d+(\.\d+)*$/.test(attribute)) {
    throw new Error(`invalid attribute name: ${attribute}`);
  }
}
