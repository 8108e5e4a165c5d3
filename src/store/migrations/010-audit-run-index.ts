// One run's audit rows, newest first (audit-store.ts `list` with a run id: `GET /api/v1/audit?run=ID`).
// Without an index on the run id that is a walk back through every later audit row, and through the whole
// table for a run with fewer rows than a page. With (run_id, id) the rows of the run are read in the
// order asked for, a page at a time. A full index: a first sync's bulk load builds it again after its
// inserts like the audit table's other full indexes (bulk-load.ts).
export const sql = `
CREATE INDEX audit_run_idx ON audit (run_id, id);
`;
