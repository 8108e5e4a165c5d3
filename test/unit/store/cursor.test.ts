// A cursor's FETCH that fails (a statement timeout, a cancel, a sort over its temp file limit) aborts the
// transaction, so the CLOSE that follows fails too: the FETCH's error is the one the caller must see. A
// transaction's statements go through `reportingFirstFailure` (db.ts), as the store's transactions do.
import { describe, expect, it } from 'vitest';
import { reportingFirstFailure, type Queryable } from '../../../src/store/db.ts';
import { batches } from '../../../src/store/cursor.ts';

/** A connection whose statements answer as `answer` says, recording what was sent. */
function connection(answer: (sql: string) => Promise<{ rows: unknown[]; rowCount: number }>): Queryable & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    query: <R>(sql: string) => {
      sent.push(sql.split(' ')[0] ?? '');
      return answer(sql) as Promise<{ rows: R[]; rowCount: number }>;
    },
    exec: () => Promise.resolve(),
    copyRows: () => Promise.resolve(0),
  };
}

const aborted = Object.assign(new Error('current transaction is aborted, commands ignored until end of transaction block'), { code: '25P02' });

describe('batches', () => {
  it("reports a failed FETCH's own error, not the CLOSE's that follows it", async () => {
    const tx = connection((sql) => {
      if (sql.startsWith('FETCH')) return Promise.reject(new Error('canceling statement due to statement timeout'));
      if (sql.startsWith('CLOSE')) return Promise.reject(aborted);
      return Promise.resolve({ rows: [], rowCount: 0 });
    });
    const read = async (): Promise<void> => {
      for await (const rows of batches(reportingFirstFailure(tx), { name: 'c', select: 'SELECT 1', params: [], batchRows: 2 })) void rows;
    };
    await expect(read()).rejects.toThrow('canceling statement due to statement timeout');
    expect(tx.sent).toEqual(['DECLARE', 'FETCH', 'CLOSE']);
  });

  it("still reports a CLOSE's own failure after a read that went well", async () => {
    const tx = connection((sql) => (sql.startsWith('CLOSE') ? Promise.reject(new Error('connection lost')) : Promise.resolve({ rows: [{ n: 1 }], rowCount: 1 })));
    const read = async (): Promise<unknown[]> => {
      const all: unknown[] = [];
      for await (const rows of batches(reportingFirstFailure(tx), { name: 'c', select: 'SELECT 1', params: [], batchRows: 2 })) all.push(...rows);
      return all;
    };
    await expect(read()).rejects.toThrow('connection lost');
  });
});
