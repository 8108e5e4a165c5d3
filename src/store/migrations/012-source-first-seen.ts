// When a worker first scheduled each configured source (run-store.ts `recordSchedules`): the reference
// time of a scheduled source that has never run, whose first run is due after it (status.ts
// `overdueSince`). Without it a source added to the config whose first run never starts (workers gone,
// schedules lost) could never be overdue. Sources that already ran are known since their first run.
// Beside it, the source's schedule as last scheduled (`schedule`, canonical text; null: not recorded yet,
// taken to be the current one) and when it was first scheduled (`schedule_at`): a run made under an
// earlier schedule says nothing of when the current one is due, so a changed schedule counts from then.
export const sql = `
CREATE TABLE source_first_seen (
  source text PRIMARY KEY,
  at timestamptz NOT NULL,
  schedule text,
  schedule_at timestamptz NOT NULL
);
INSERT INTO source_first_seen (source, at, schedule_at) SELECT source, min(started_at), min(started_at) FROM runs GROUP BY source;
`;
