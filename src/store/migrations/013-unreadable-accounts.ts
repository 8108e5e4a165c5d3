// The accounts whose directory entries a read of their source found present but unreadable, and that no
// read of it has returned readable (or found gone) since (seat-store.ts `recordUnreadable`): frozen in
// every allocation until then, so that an incremental read that does not return them, another source's
// run or an admin's action never blocks or activates them meanwhile. A table of its own, not a column of
// `accounts`: a frozen account's row stays exactly as it was.
export const sql = `
CREATE TABLE unreadable_accounts (
  account_id integer PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  source text NOT NULL
);
CREATE INDEX unreadable_accounts_source_idx ON unreadable_accounts (source);
`;
