// A source's read on a thread of its own. Reading a large LDAP directory is CPU work in this process
// (decoding the server's BER, then mapping and hashing every user) while the directory server takes the
// machine's other core; on one thread the run's staging, classification and database round trips queue
// behind it. Here a worker thread builds the source from its config (the factory, as in this thread),
// reads it and maps each page (map-page.ts); this thread gets the mapped pages, stages them, and asks for
// the next. The pages cross by structured clone; at most READ_AHEAD of them wait, so memory stays a few
// pages whatever the directory's size.
//
// The read behaves as it does in this thread: its pages in order, its outcome, its error (a SourceError
// keeps its class and code), its log lines (written by this thread's logger, with the run's keys), the
// run's abort signal, and a consumer that stops early ends the source's read (its connection closes).
import { Worker } from 'node:worker_threads';
import type { SourceConfig } from '../config/types.ts';
import type { Logger } from '../logging.ts';
import { SourceError, type SourceErrorCode, type SourceReadOptions, type SourceReadOutcome } from '../sources/directory-source.ts';
import type { StagedUser } from '../store/repositories.ts';
import type { MappedPage, MappedReader } from './map-page.ts';
import type { MappingRules } from './map-user.ts';

/** Pages the worker may send ahead of the one being staged. */
const READ_AHEAD = 2;

/** How long a worker told to stop may take to end its read and close its connection before it is terminated. */
const STOP_GRACE_MS = 5_000;

/** This thread to the worker: read (once: the source to build, the level of its lines, the request, the rules), one more page may be sent, stop. */
export type ToReadThread =
  | { readonly type: 'read'; readonly config: SourceConfig; readonly level: string; readonly request: Omit<SourceReadOptions, 'signal'>; readonly rules: MappingRules }
  | { readonly type: 'more' }
  | { readonly type: 'stop' };

/** An error as it crosses: what the run reports of it and what the log shows. */
export interface ErrorData {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string | number;
  readonly source?: string;
  readonly expected?: boolean;
}

/** The worker to this thread. */
export type FromReadThread =
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'page'; readonly page: PageOnWire }
  | { readonly type: 'end'; readonly outcome: SourceReadOutcome }
  | { readonly type: 'error'; readonly error: ErrorData };

type Event = Exclude<FromReadThread, { type: 'log' }> | { readonly type: 'exit'; readonly code: number } | { readonly type: 'crash'; readonly error: Error } | { readonly type: 'aborted' };

const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './read-thread-worker.ts' : './read-thread-worker.js', import.meta.url);

/** A thread started ahead of the first read (`prestartReadThread`), not yet taken; null once it has exited. */
let spare: { readonly worker: Worker; exited: boolean } | null = null;

/**
 * Starts a read thread now, for a command about to read a source on one: its start (loading the source's
 * modules, about 0.1 s of CPU) overlaps the command's own start and database connection instead of
 * delaying the read. The first read takes it; unused, it does not keep the process alive.
 */
export function prestartReadThread(): void {
  if (spare !== null) return;
  const worker = new Worker(WORKER_URL);
  worker.unref();
  const started = { worker, exited: false };
  worker.once('exit', () => {
    started.exited = true;
    if (spare === started) spare = null;
  });
  // A thread that failed to start is reported by the read that would have taken it (it starts its own).
  worker.on('error', () => undefined);
  spare = started;
}

/** The spare thread if it is still running, else a new one. */
function takeThread(): Worker {
  const taken = spare;
  spare = null;
  if (taken !== null && !taken.exited) {
    taken.worker.removeAllListeners('error');
    taken.worker.ref();
    return taken.worker;
  }
  return new Worker(WORKER_URL);
}

/** The read of the source configured as `config`, mapped with `rules`, on a worker thread; its lines go to `logger`. */
export async function* readOnThread(config: SourceConfig, logger: Logger, request: SourceReadOptions, rules: MappingRules): MappedReader {
  const { signal, ...plain } = request;
  signal?.throwIfAborted();
  const events = new EventQueue();
  const worker = takeThread();
  logger.debug({ threadId: worker.threadId }, 'reading the source on a thread of its own');
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message: FromReadThread) => {
    if (message.type === 'log') relog(logger, message.line);
    else events.put(message);
  });
  worker.on('error', (error) => events.put({ type: 'crash', error }));
  worker.on('exit', (code) => {
    exited = true;
    events.put({ type: 'exit', code });
  });
  const send = (message: ToReadThread): void => {
    if (!exited) worker.postMessage(message);
  };
  const onAbort = (): void => events.put({ type: 'aborted' });
  signal?.addEventListener('abort', onAbort, { once: true });
  send({ type: 'read', config, level: logger.level, request: plain, rules });
  for (let i = 0; i < READ_AHEAD; i++) send({ type: 'more' });
  try {
    for (;;) {
      signal?.throwIfAborted();
      const event = await events.take();
      switch (event.type) {
        case 'page':
          // Taken: the worker may send one more while this one is staged.
          send({ type: 'more' });
          yield pageFromWire(event.page);
          break;
        case 'end':
          return event.outcome;
        case 'error':
          throw errorFrom(event.error);
        case 'crash':
          throw event.error;
        case 'exit':
          throw new Error(`${config.name}: the source's read thread ended before its read did (exit code ${event.code})`);
        case 'aborted':
          signal?.throwIfAborted();
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Ended, failed or given up by the consumer: the worker ends its read (closing the source's
    // connection) and exits; one that does not within the grace period is terminated.
    send({ type: 'stop' });
    const grace = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
    await exit;
    clearTimeout(grace);
  }
}

/**
 * A page as it crosses: its users as columns. Structured clone writes every key of every object it copies;
 * a page's thousand users as objects would cross as thirteen thousand keys besides their values.
 */
export type PageOnWire = Omit<MappedPage, 'users'> & { readonly users: UserColumns };

type UserColumns = { readonly [K in keyof StagedUser]: StagedUser[K][] };

/** Every field of a staged user: `UserColumns` cannot be built without each. */
const USER_FIELDS = [
  'externalId', 'username', 'email', 'displayName', 'dn', 'enabled', 'directoryCreatedAt', 'directoryCreatedMs', 'groupsJson', 'attributesJson',
  'profile', 'policyProtected', 'dataHash',
] as const satisfies readonly (keyof StagedUser)[];

/** The page as the worker sends it. */
export function pageToWire(page: MappedPage): PageOnWire {
  const columns: Record<string, unknown[]> = {};
  for (const field of USER_FIELDS) columns[field] = page.users.map((user) => user[field]);
  return { ...page, users: columns as unknown as UserColumns };
}

function pageFromWire(page: PageOnWire): MappedPage {
  const c = page.users;
  const users: StagedUser[] = Array.from({ length: c.externalId.length }, (_, i): StagedUser => ({
    externalId: c.externalId[i] as string,
    username: c.username[i] as string,
    email: c.email[i] ?? null,
    displayName: c.displayName[i] ?? null,
    dn: c.dn[i] ?? null,
    enabled: c.enabled[i] as boolean,
    directoryCreatedAt: c.directoryCreatedAt[i] ?? null,
    directoryCreatedMs: c.directoryCreatedMs[i] ?? null,
    groupsJson: c.groupsJson[i] as string,
    attributesJson: c.attributesJson[i] as string,
    profile: c.profile[i] ?? null,
    policyProtected: c.policyProtected[i] as boolean,
    dataHash: c.dataHash[i] as string,
  }));
  return { ...page, users };
}

/** An error of the worker as this thread throws it: a SourceError is one again, with its code. */
function errorFrom(data: ErrorData): Error {
  let error: Error;
  if (data.name === 'SourceError' && data.source !== undefined && typeof data.code === 'string') {
    const prefix = `${data.source}: `;
    error = new SourceError(data.source, data.code as SourceErrorCode, data.message.startsWith(prefix) ? data.message.slice(prefix.length) : data.message);
  } else {
    error = new Error(data.message);
    error.name = data.name;
    Object.assign(error, data.code === undefined ? {} : { code: data.code }, data.expected === true ? { expected: true } : {});
  }
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

/** What of an error crosses to this thread (`errorFrom` makes it an error again). */
export function errorData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code, source, expected } = error as { code?: unknown; source?: unknown; expected?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof source === 'string' ? { source } : {}),
    ...(expected === true ? { expected } : {}),
  };
}

/** Fields of the worker's line that this thread's logger writes itself. */
const LINE_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/** A line the worker's logger wrote, written again by `logger` (its keys once, its level kept). */
function relog(logger: Logger, line: string): void {
  const record = JSON.parse(line) as Record<string, unknown>;
  const bound = logger.bindings();
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(record)) if (!LINE_KEYS.has(key) && !(key in bound)) fields[key] = record[key];
  const label = logger.levels.labels[record.level as number] ?? 'info';
  const write = (logger as unknown as Record<string, (fields: object, msg?: string) => void>)[label];
  write?.call(logger, fields, typeof record.msg === 'string' ? record.msg : undefined);
}

/** The worker's events in order, taken one at a time. */
class EventQueue {
  readonly #events: Event[] = [];
  #waiting: ((event: Event) => void) | null = null;

  put(event: Event): void {
    const waiting = this.#waiting;
    if (waiting === null) this.#events.push(event);
    else {
      this.#waiting = null;
      waiting(event);
    }
  }

  take(): Promise<Event> {
    const next = this.#events.shift();
    if (next !== undefined) return Promise.resolve(next);
    return new Promise((resolve) => (this.#waiting = resolve));
  }
}
