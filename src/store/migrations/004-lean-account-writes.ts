// A first sync writes every account of a directory and one audit row each in one transaction; per row,
// each index and each foreign-key check is a measurable part of that (bench/ldap-sync.ts). Two go:
// - the audit → accounts foreign key: its check ran once per audit row. The one statement that deletes
//   accounts (`purgeRemoved`) deletes their audit rows with them.
// - the index on every account's state becomes an index on the states that are not `active`: the
//   lists it serves (blocked, disabled, removed, suspended) are the minority it still covers, and the
//   active majority no longer pays for it.
export const sql = `
ALTER TABLE audit DROP CONSTRAINT IF EXISTS audit_account_id_fkey;
DROP INDEX IF EXISTS accounts_state_idx;
CREATE INDEX accounts_state_idx ON accounts (state) WHERE state <> 'active';
`;
