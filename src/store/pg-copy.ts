// `COPY … FROM STDIN` over a pg client, without another dependency: pg runs any object with a `submit`
// method as a query (its "Submittable" interface, the one pg-copy-streams uses) and hands it the
// protocol messages. Bulk loads through COPY cost about half of an `INSERT … SELECT FROM unnest(…)`,
// on the client (no array literals to build and escape) and on the server (no arrays to parse).
import type pg from 'pg';

/** The part of pg's connection a COPY needs (pg/lib/connection.js). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

class CopyFromStdin {
  readonly text: string;
  readonly #data: Buffer;
  #rows = 0;
  callback: ((error: Error | null, rows?: number) => void) | undefined;

  constructor(text: string, data: Buffer) {
    this.text = text;
    this.#data = data;
  }

  submit(connection: CopyConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    if (this.#data.length > 0) connection.sendCopyFromChunk(this.#data);
    connection.endCopyFrom();
  }

  handleCommandComplete(message: { text?: string }): void {
    this.#rows = Number(/(\d+)$/.exec(message.text ?? '')?.[1] ?? 0);
  }

  // An error ends the query at once, as pg's own queries do: after an error response pg no longer
  // routes the ReadyForQuery that follows to this query, and a lost connection sends none at all.
  handleError(error: Error): void {
    this.#finish(error);
  }

  handleReadyForQuery(): void {
    this.#finish(null);
  }

  #finish(error: Error | null): void {
    const callback = this.callback;
    this.callback = undefined;
    callback?.(error, this.#rows);
  }

  // Messages a COPY FROM never gets; pg may still call these on any active query.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** Runs `COPY <target> FROM STDIN` with `data` (text format) on `client`; returns the rows copied. */
export function copyFromStdin(client: pg.ClientBase, target: string, data: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const query = new CopyFromStdin(`COPY ${target} FROM STDIN`, Buffer.from(data, 'utf8'));
    query.callback = (error, rows) => (error ? reject(error) : resolve(rows ?? 0));
    (client as unknown as { query(submittable: CopyFromStdin): void }).query(query);
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
