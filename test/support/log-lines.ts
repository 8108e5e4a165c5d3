// Reads pino's JSON log output as written (stderr of the CLI and the worker, or a captured stream) and
// checks each line's keys on the raw text: JSON.parse keeps the last of two equal keys and would hide
// a key written twice.
import { Writable } from 'node:stream';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** Every JSON line of `text` (other lines, such as a command's `error: …`, are left out). */
export function logLines(text: string): LogLine[] {
  return text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);
}

/** The lines of `text` that have an object with a key twice, each with the keys repeated. */
export function repeatedKeys(text: string): { line: string; keys: string[] }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      const keys = keysWrittenTwice(line);
      return keys.length > 0 ? [{ line, keys }] : [];
    });
}

/** Keys that one object of a JSON text has more than once (at any depth). */
export function keysWrittenTwice(json: string): string[] {
  const repeated: string[] = [];
  // Open objects (their keys so far; whether a key comes next) and arrays (null).
  const open: ({ keys: Set<string>; expectKey: boolean } | null)[] = [];
  for (let i = 0; i < json.length; i += 1) {
    const char = json[i];
    const top = open.at(-1);
    if (char === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (top?.expectKey) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (top.keys.has(key)) repeated.push(key);
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (char === '{') open.push({ keys: new Set(), expectKey: true });
    else if (char === '[') open.push(null);
    else if (char === '}' || char === ']') open.pop();
    else if (char === ',' && top) top.expectKey = true;
  }
  return repeated;
}

/** A stream for `createLogger({ destination })` that keeps what was written. */
export function capturedLog(): { destination: Writable; text: () => string } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { destination, text: () => text };
}
