// Initial schema: accounts, runs, audit, outbox, cursors, notification state.
export const sql = `
CREATE TABLE accounts (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source text NOT NULL,
  external_id text NOT NULL,
  -- directory data, rewritten only when data_hash changes (no churn on unchanged resyncs)
  username text NOT NULL,
  email text,
  display_name text,
  dn text,
  enabled boolean NOT NULL,
  directory_created_at timestamptz,
  groups jsonb NOT NULL DEFAULT '[]',
  attributes jsonb NOT NULL DEFAULT '{}',
  profile text,
  policy_protected boolean NOT NULL DEFAULT false,
  present boolean NOT NULL DEFAULT true,
  data_hash text NOT NULL,
  -- admin flags
  suspended boolean NOT NULL DEFAULT false,
  admin_protected boolean NOT NULL DEFAULT false,
  -- seat state, decided by the allocation
  state text NOT NULL CHECK (state IN ('active', 'blocked', 'suspended', 'disabled', 'removed')),
  held jsonb NOT NULL DEFAULT '[]',
  waiting_for jsonb NOT NULL DEFAULT '[]',
  waiting_since timestamptz,
  activated_at timestamptz,
  grace_until timestamptz,
  removed_at timestamptz,
  first_seen_run bigint,
  last_changed_run bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, external_id)
);
CREATE INDEX accounts_state_idx ON accounts (state);
CREATE INDEX accounts_username_idx ON accounts (lower(username));
CREATE INDEX accounts_email_idx ON accounts (lower(email));

CREATE TABLE runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'ok', 'held', 'failed')),
  mode text,
  trigger text NOT NULL DEFAULT 'cli',
  allow_removals boolean NOT NULL DEFAULT false,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  seen integer NOT NULL DEFAULT 0,
  created integer NOT NULL DEFAULT 0,
  updated integer NOT NULL DEFAULT 0,
  activated integer NOT NULL DEFAULT 0,
  blocked integer NOT NULL DEFAULT 0,
  disabled integer NOT NULL DEFAULT 0,
  removed integer NOT NULL DEFAULT 0,
  skipped integer NOT NULL DEFAULT 0,
  error text,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX runs_source_idx ON runs (source, id DESC);

CREATE TABLE audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id integer REFERENCES accounts (id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  from_state text,
  to_state text,
  reason text NOT NULL,
  actor text NOT NULL,
  run_id bigint,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_account_idx ON audit (account_id, id);
CREATE INDEX audit_at_idx ON audit (at);

-- Notifications are written here in the transaction that causes them, then delivered by a job.
CREATE TABLE outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL,
  recipient text NOT NULL,
  payload jsonb NOT NULL,
  -- one message per event even if the run that causes it executes twice
  dedupe_key text UNIQUE,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  claimed_by text,
  claimed_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE status = 'pending';

CREATE TABLE source_cursors (
  source text PRIMARY KEY,
  cursor jsonb NOT NULL,
  run_id bigint,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Small key/value state of the notification rules (last limit email, early-warning arming per pool).
CREATE TABLE notify_state (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`;
