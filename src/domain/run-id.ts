// The form of a run's id, written once for every place that takes one from outside (the CLI's
// `audit --run`, the API's `?run=`, the run store's look-up): runs are numbered by a PostgreSQL
// `bigserial`, so an id is a decimal integer of at most 19 digits, no larger than the largest bigint.

/** The digits of a run id, as a JSON Schema / OpenAPI `pattern` (the schema cannot say the maximum: `isRunId` does). */
export const RUN_ID_PATTERN = '^[0-9]{1,19}$';

/** The largest PostgreSQL bigint, so the largest run id. */
export const MAX_RUN_ID = 9_223_372_036_854_775_807n;

const RUN_ID = new RegExp(RUN_ID_PATTERN);

/** Whether `text` is a run id a run could have: digits only, within a bigint (a larger one would make the database fail, not match). */
export function isRunId(text: string): boolean {
  return RUN_ID.test(text) && BigInt(text) <= MAX_RUN_ID;
}
