// Normalization of directory names, so that configured names and directory values compare equal.

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
