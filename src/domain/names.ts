// Normalization of directory names, so that configured names and directory values compare equal.
import { quotedInput } from './quoted-input.ts';

/**
 * Normalizes a group key or DN for comparison: trims, lowercases, and removes spaces around the RDN
 * separators `,` and `=` (`CN=App Users, OU=Groups` → `cn=app users,ou=groups`). Escaped separators
 * (`\,`) are left alone. Object ids and plain names pass through lowercased.
 */
export function normalizeGroupKey(key: string): string {
  return key
    .trim()
    .toLowerCase()
    .replace(/(?<!\\)\s*([,=])\s*/g, '$1');
}

/** DN comparison uses the same normalization as group keys. */
export const normalizeDn = normalizeGroupKey;

// Attribute names looked up for every user of a read are the config's, a handful: each is lowercased once
// instead of at every lookup (profiles match every user of every read on each attribute they name).
const lowered = new Map<string, string>();

/** `name.toLowerCase()`, remembered for the first thousand names asked. */
export function lowerName(name: string): string {
  let value = lowered.get(name);
  if (value === undefined) {
    value = name.toLowerCase();
    if (lowered.size < 1000) lowered.set(name, value);
  }
  return value;
}

/**
 * The one sentence for names a command or request gives that the config lacks (`unknown source "x";
 * configured: a, b`); null when every name is configured.
 */
export function unknownNames(kind: 'source' | 'pool', names: readonly string[], configured: readonly string[]): string | null {
  const unknown = names.filter((name) => !configured.includes(name));
  if (unknown.length === 0) return null;
  return `unknown ${kind}${unknown.length > 1 ? 's' : ''} ${unknown.map(quotedInput).join(', ')}; configured: ${configured.join(', ') || '(none)'}`;
}
