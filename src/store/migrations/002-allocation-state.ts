// What the last allocation was computed from, so a run that changes nothing can skip it (SPEC rule 6).
export const sql = `
CREATE TABLE allocation_state (
  id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  -- hash of the pools, profiles and grace policy the last allocation used
  fingerprint text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`;
