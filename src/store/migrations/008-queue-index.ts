// `seatsync explain` counts the accounts ahead of one account in the waiting queue, and the seats used
// per pool, in indexes instead of reading every account:
// - the queue in its order (queue-order.ts `compareQueue`: waiting since, directory creation with
//   unknown last, username by bytes, id), partial on the blocked accounts that make it, carrying what
//   the count reads (the pools waited for) so that it reads no table row;
// - the holders of seats, few next to the accounts (at most the seats of all pools).
export const sql = `
CREATE INDEX accounts_queue_idx ON accounts
  (waiting_since, (coalesce(directory_created_at, 'infinity'::timestamptz)), username COLLATE "C", id)
  INCLUDE (waiting_for, directory_created_at) WHERE state = 'blocked';
CREATE INDEX accounts_holders_idx ON accounts (id) INCLUDE (held) WHERE held <> '[]';
`;
