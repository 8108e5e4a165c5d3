// Reading a statement's rows through a cursor, a batch at a time (`batches`), and how many rows one FETCH asks for.
import type { Queryable } from './db.ts';

/**
 * Runs `select` through a cursor in the caller's transaction, `batchRows` rows at a time, so that the driver
 * never builds a million row objects at once (on pg and PGlite alike). The cursor reads the data as it was
 * when it was declared, so the caller may write between two batches. The next batch is asked for before the
 * current one is handed over: the database reads it while the caller works on this one (the connection runs
 * the caller's own queries after it).
 */
export async function* batches<R>(tx: Queryable, options: { name: string; select: string; params: readonly unknown[]; batchRows: number }): AsyncGenerator<R[], void, undefined> {
  await tx.query(`DECLARE ${options.name} NO SCROLL CURSOR FOR ${options.select}`, options.params);
  const fetch = (): Promise<{ rows: R[] }> => {
    const next = tx.query<R>(`FETCH ${options.batchRows} FROM ${options.name}`);
    // Awaited below or in `finally`; never an unhandled rejection when the caller stops early.
    next.catch(() => undefined);
    return next;
  };
  let pending: Promise<{ rows: R[] }> | null = fetch();
  try {
    while (pending !== null) {
      const batch: { rows: R[] } = await pending;
      pending = batch.rows.length < options.batchRows ? null : fetch();
      if (batch.rows.length > 0) yield batch.rows;
    }
  } finally {
    if (pending !== null) await pending.catch(() => undefined);
    // After a failed FETCH the transaction is aborted and CLOSE fails too, with the FETCH's error (a
    // transaction's statements report the first failure: `reportingFirstFailure`, db.ts).
    await tx.query(`CLOSE ${options.name}`);
  }
}

/** Rows per FETCH: the driver builds a batch's row objects at once; a million at once would not fit. */
export const FETCH_ROWS = 20_000;
