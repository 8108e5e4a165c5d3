// When each configured source was first known (run-store.ts `firstSeen`): the reference time of a
// scheduled source that has never run, whose first run is due after it (status.ts `overdueSince`).
// Without it a source added to the config whose first run never starts (no worker, schedules lost) could
// never be overdue. Sources that already ran are known since their first run.
export const sql = `
CREATE TABLE source_first_seen (
  source text PRIMARY KEY,
  at timestamptz NOT NULL
);
INSERT INTO source_first_seen (source, at) SELECT source, min(started_at) FROM runs GROUP BY source;
`;
