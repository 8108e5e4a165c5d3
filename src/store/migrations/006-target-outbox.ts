// Provisioning targets (SCIM applications, webhook receivers) share the outbox with the emails: their rows
// name the target, and an ordering key (one per account) keeps one account's changes in order.
// `target_state` keeps what the last reconcile of each target found.
export const sql = `
ALTER TABLE outbox ADD COLUMN target text;
ALTER TABLE outbox ADD COLUMN ordering_key text;
CREATE INDEX outbox_target_order_idx ON outbox (target, ordering_key, id) WHERE status = 'pending' AND target IS NOT NULL;
CREATE INDEX outbox_target_pending_idx ON outbox (target, id) WHERE status = 'pending' AND target IS NOT NULL;
-- status and metrics: a target's counts and last delivery without reading its sent rows
CREATE INDEX outbox_target_status_idx ON outbox (target, status, sent_at) WHERE target IS NOT NULL;
-- the emails' claim no longer walks past the targets' rows
DROP INDEX IF EXISTS outbox_due_idx;
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE status = 'pending' AND target IS NULL;

CREATE TABLE target_state (
  target text PRIMARY KEY,
  last_reconcile_at timestamptz,
  -- what the last reconcile found: counts per kind of drift, and whether it was repaired
  drift jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
`;
