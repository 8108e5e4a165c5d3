// What the last allocation left in each pool (holders and waiting accounts), saved with its
// fingerprint: a run whose allocation is skipped (nothing it reads changed) reports the pools from it
// instead of counting every account. Null until the first allocation after this migration.
export const sql = `
ALTER TABLE allocation_state ADD COLUMN pools jsonb;
`;
