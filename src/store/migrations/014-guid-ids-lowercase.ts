// A GUID id is kept in one spelling, lower case, by every source (directory-values.ts `idSpelling`): LDAP,
// LDIF and Entra always did; a CSV export kept its ids as written. Its accounts stored under a GUID with
// upper-case letters take the one spelling, so that the next read finds them rather than removing them
// and creating them anew (losing their seats and places in the queue). One whose lower-case spelling
// another account of the source has already is left as it is.
export const sql = `
UPDATE accounts a SET external_id = lower(a.external_id)
WHERE a.external_id ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
  AND a.external_id <> lower(a.external_id)
  AND NOT EXISTS (SELECT 1 FROM accounts b WHERE b.source = a.source AND b.external_id = lower(a.external_id));
`;
