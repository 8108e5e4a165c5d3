// Lists sent as array parameters of one statement (`$n::int[]`, `unnest(…)`): how long one may be, and
// integers as the text such a parameter takes.

/** Rows per statement for id and row lists: keeps parameter arrays well below protocol limits. */
export const WRITE_BATCH = 20_000;

/**
 * Integers as the text of a PostgreSQL array parameter (`$n::int[]`). The driver converts a JavaScript
 * array element by element, with escaping, when it sends the statement: after the statement before it
 * has finished, while the database waits (an insert's 60,000 integers). This text is
 * built when the statement is queued.
 */
export const intArray = (values: readonly number[]): string => `{${values.join(',')}}`;
