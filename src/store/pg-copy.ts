// `COPY … FROM STDIN` over a pg client, without another dependency: pg runs any object with a `submit`
// method as a query (its "Submittable" interface, the one pg-copy-streams uses) and hands it the
// protocol messages. Bulk loads through COPY cost about half the CPU of an `INSERT … SELECT FROM
// unnest(…)` (BENCHMARKS.md, "What the figures rest on"), on the client (no array literals to build and
// escape) and on the server (no arrays to parse).
import type pg from 'pg';

/** The part of pg's connection a COPY needs (pg/lib/connection.js). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** Runs `COPY <target> FROM STDIN` with `data` (text format) on `client`; returns the rows copied. */
export function copyFromStdin(client: pg.ClientBase, target: string, data: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.from(data, 'utf8');
    let rows = 0;
    // An error ends the query at once, as pg's own queries do: after an error response pg no longer
    // routes the ReadyForQuery that follows to this query, and a lost connection sends none at all.
    // (A promise settles once: whatever pg calls after the first end is ignored.)
    const end = (error: Error | null): void => (error ? reject(error) : resolve(rows));
    const ignore = (): void => undefined;
    const query = {
      text: `COPY ${target} FROM STDIN`,
      submit(connection: CopyConnection): void {
        connection.query(query.text);
      },
      handleCopyInResponse(connection: CopyConnection): void {
        if (chunk.length > 0) connection.sendCopyFromChunk(chunk);
        connection.endCopyFrom();
      },
      handleCommandComplete(message: { text?: string }): void {
        rows = Number(/(\d+)$/.exec(message.text ?? '')?.[1] ?? 0);
      },
      handleError: end,
      handleReadyForQuery: () => end(null),
      // Messages a COPY FROM never gets; pg may still call these on any active query.
      ...Object.fromEntries(['handleRowDescription', 'handleDataRow', 'handleEmptyQuery', 'handlePortalSuspended', 'handleCopyData'].map((n) => [n, ignore])),
    };
    (client as unknown as { query(submittable: typeof query): void }).query(query);
  });
}

const SPECIAL = /[\t\n\r\\]/;
const SPECIAL_ALL = /[\t\n\r\\]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\\': '\\\\' };

/** One value in COPY's text format; null is `\N`. */
export function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (ch) => ESCAPES[ch] ?? ch) : value;
}

export const copyBool = (value: boolean): string => (value ? 't' : 'f');
