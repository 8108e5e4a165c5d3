// Reading a big result a batch at a time: a cursor in the caller's transaction, so that the driver
// never builds a million row objects at once (on pg and PGlite alike).
import type { Queryable } from './db.ts';

/**
 * Runs `select` through a cursor in the caller's transaction, `batchRows` rows at a time. The cursor
 * reads the data as it was when it was declared, so the caller may write between two batches.
 */
export async function* batches<R>(tx: Queryable, options: { name: string; select: string; params: readonly unknown[]; batchRows: number }): AsyncGenerator<R[], void, undefined> {
  await tx.query(`DECLARE ${options.name} NO SCROLL CURSOR FOR ${options.select}`, options.params);
  try {
    for (;;) {
      const batch = await tx.query<R>(`FETCH ${options.batchRows} FROM ${options.name}`);
      if (batch.rows.length > 0) yield batch.rows;
      if (batch.rows.length < options.batchRows) return;
    }
  } finally {
    await tx.query(`CLOSE ${options.name}`);
  }
}
