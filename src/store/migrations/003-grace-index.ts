// Every run asks whether some grace period has ended (seat-store.ts `graceEnded`); without an index that
// is a scan of every account. Few accounts are ever in grace, so the partial index stays small.
export const sql = `
CREATE INDEX accounts_grace_until_idx ON accounts (grace_until) WHERE grace_until IS NOT NULL;
`;
