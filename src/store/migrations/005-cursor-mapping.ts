// The mapping rules (profiles and `policy.protect`) a source's cursor was read under: an incremental
// read only returns changed entries, so after a rule change the next read must be full for every user
// to be mapped again. A cursor saved before this column existed has none, and leads to one full read.
export const sql = `
ALTER TABLE source_cursors ADD COLUMN mapping text;
`;
