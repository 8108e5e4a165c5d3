// With targets configured, every run reads the accounts it changed by the run id their rows carry
// (target-store.ts `changedByRun`, and `transitionsOfRun`, which reaches the run's audit rows from those
// accounts through the audit rows' account index). Without an index that is a scan of every account per
// run. Every account carries the run that created or last changed it, so the index is a full one: a
// first sync's bulk load builds it again after its inserts like the other full indexes (bulk-load.ts).
export const sql = `
CREATE INDEX accounts_last_changed_run_idx ON accounts (last_changed_run);
`;
