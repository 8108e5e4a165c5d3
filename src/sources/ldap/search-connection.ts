// A connection of its own for the session's searches (the paged user search, the one read that returns
// the whole directory, and the searches for scope exits and content sync, one after another): connect
// (LDAPS, StartTLS or plain, with the session's TLS options), simple bind, then pages decoded by
// search-response.ts from the messages message-framer.ts splits the stream into. Requests are encoded
// with ldapts' message classes; failures are ldapts' error classes or Node's socket errors, so
// ldap-errors.ts classifies them as for the session's connection.
// The next page is requested as soon as one is complete, so the server works while the caller maps.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';

import {
  BindRequest, ExtendedRequest, FilterParser, PagedResultsControl, SearchRequest, UnbindRequest, type Control, type Message,
} from 'ldapts';

import { EntryView } from './entry-view.ts';
import { MessageFramer, type MessageHandler } from './message-framer.ts';
import { ldapResultError, PagesAhead, type Answer } from './paged-results.ts';
import type { LdapOperation } from './ldap-errors.ts';
import {
  BerError, readControls, readInteger, readLdapResult, readSearchEntry, TAG, type BerCursor, type ResponseControl, type ValueRules,
} from './search-response.ts';

const START_TLS_OID = '1.3.6.1.4.1.1466.20037';

/** A failure while opening the connection, with the step that failed (for the error message). */
export class OpenFailure extends Error {
  readonly operation: LdapOperation;
  constructor(operation: LdapOperation, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'OpenFailure';
    this.operation = operation;
  }
}

export interface SearchConnectionOptions {
  readonly url: string;
  readonly tls: ConnectionOptions;
  readonly startTls: boolean;
  readonly bindDN: string | null;
  readonly bindPassword: string | null;
  readonly connectTimeoutMs: number;
  /** Longest wait for one response (a page), as ldapts' `timeout`. 0: none. */
  readonly operationTimeoutMs: number;
}

/** What every search asks: where, what, and how long the server may take. */
interface SearchAsked {
  readonly baseDn: string;
  readonly scope: 'base' | 'one' | 'sub';
  readonly filter: string;
  readonly attributes: readonly string[];
  /** Attribute spellings whose values are returned as Buffers (binary GUIDs). */
  readonly explicitBufferAttributes: readonly string[];
  readonly timeLimitSeconds: number;
}

export interface PagedSearch extends SearchAsked {
  readonly pageSize: number;
  /** Request controls sent with every page besides the paging one. */
  readonly controls?: readonly Control[];
  /**
   * Pages received and not yet taken that the search may hold before it waits for the caller; default
   * 1 (the next page is requested as the caller takes one). More lets the server go on while the caller
   * is busy, at the cost of that many pages in memory.
   */
  readonly readAheadPages?: number;
}

/** One search without paging (see `search`). */
export interface SingleSearch extends SearchAsked {
  /** Most entries the server may return (0: its own limit). */
  readonly sizeLimit: number;
  readonly controls: readonly Control[];
}

/**
 * Receives a search's responses as they arrive, each with its controls. Throwing from a handler ends
 * the search: the connection is closed and the search fails with that error.
 */
export interface SearchListener {
  entry(view: EntryView, controls: readonly ResponseControl[]): void;
  /** An IntermediateResponse (RFC 4511 §4.13): its name and value, each when present. */
  intermediate(name: string | null, value: Buffer | null): void;
}

/**
 * What a paged search keeps of each entry: what `quick` reads straight from the entry's bytes (`cursor`
 * at its objectName, `end` its end), unless it returns undefined (not the shape it reads), else what
 * `each` makes of the decoded entry.
 */
export interface EntryReading<T> {
  readonly each: (view: EntryView) => T;
  readonly quick?: (cursor: BerCursor, end: number) => T | undefined;
}

/** How a request's search entries are received: kept as an EntryReading makes them, or handed to a listener. */
type EntrySink = EntryReading<unknown> | { readonly listener: SearchListener };

/** What one request is waiting for. */
interface Pending {
  readonly messageId: number;
  readonly entries: unknown[];
  readonly rules: ValueRules | null;
  readonly sink: EntrySink;
  /** A response to this request has arrived (an entry, a reference, an intermediate or the final one). */
  answered: boolean;
  resolve(answer: Answer<unknown>): void;
  reject(error: Error): void;
}

export class SearchConnection {
  #socket: Socket | TLSSocket;
  readonly #framer = new MessageFramer();
  readonly #handle: MessageHandler = (cursor, end) => this.#message(cursor, end);
  #pending: Pending | null = null;
  #messageId = 0;
  #closed = false;
  /** The other side closed the connection while a request waited and before any response to it arrived. */
  #closedUnanswered = false;
  readonly #options: SearchConnectionOptions;

  private constructor(socket: Socket | TLSSocket, options: SearchConnectionOptions) {
    this.#socket = socket;
    this.#options = options;
    this.#listen(socket);
  }

  /** Connects (and binds when a bind DN is configured); failures are OpenFailures naming the step. */
  static async open(options: SearchConnectionOptions): Promise<SearchConnection> {
    const url = new URL(options.url);
    const secure = url.protocol === 'ldaps:';
    const host = url.hostname.replace(/^\[|\]$/g, '') || 'localhost';
    const port = Number(url.port) || (secure ? 636 : 389);
    const socket = await connected(secure ? tlsConnect(port, host, options.tls) : netConnect(port, host), secure, options.connectTimeoutMs).catch(
      (error: unknown) => {
        throw new OpenFailure('connect', error);
      },
    );
    let connection = new SearchConnection(socket, options);
    let step: LdapOperation = 'starttls';
    try {
      if (!secure && options.startTls) connection = await connection.#startTls(host);
      step = 'bind';
      if (options.bindDN !== null) await connection.#bind(options.bindDN, options.bindPassword ?? '');
      return connection;
    } catch (error) {
      connection.close();
      throw new OpenFailure(step, error);
    }
  }

  /**
   * Pages of entries, each entry as `reading` makes it when it arrives (a caller that keeps little of an
   * entry lets the view go at once). Up to `readAheadPages` pages are requested and held before the
   * caller takes them; the next is requested as soon as there is room.
   */
  async *pages<T>(search: PagedSearch, reading: EntryReading<T>): AsyncGenerator<T[], void, undefined> {
    const rules: ValueRules = { explicitBuffers: new Set(search.explicitBufferAttributes) };
    const filter = FilterParser.parseString(search.filter);
    const sink: EntrySink = reading;
    const request = (cookie: Buffer): Promise<Answer<T>> => {
      const control = new PagedResultsControl({ value: { size: search.pageSize, cookie } });
      const message = new SearchRequest({
        messageId: this.#nextId(), baseDN: search.baseDn, scope: search.scope, filter, attributes: [...search.attributes],
        explicitBufferAttributes: [...search.explicitBufferAttributes], timeLimit: search.timeLimitSeconds, controls: [control as Control, ...(search.controls ?? [])],
      });
      return this.#send(message, rules, sink) as Promise<Answer<T>>;
    };
    const ahead = new PagesAhead<T>(request, Math.max(1, search.readAheadPages ?? 1));
    for (;;) {
      const page = await ahead.take();
      if (page === null) return;
      yield page;
    }
  }

  /**
   * One search without paging, its entries and intermediate responses handed to `listener` as they
   * arrive (with their controls: the content synchronization of content-sync.ts). Resolves with the
   * final result and its controls, whatever the result code.
   */
  search(search: SingleSearch, listener: SearchListener): Promise<Pick<Answer, 'result' | 'controls'>> {
    const rules: ValueRules = { explicitBuffers: new Set(search.explicitBufferAttributes) };
    const message = new SearchRequest({
      messageId: this.#nextId(), baseDN: search.baseDn, scope: search.scope, filter: FilterParser.parseString(search.filter),
      attributes: [...search.attributes], explicitBufferAttributes: [...search.explicitBufferAttributes], sizeLimit: search.sizeLimit,
      timeLimit: search.timeLimitSeconds, controls: [...search.controls],
    });
    return this.#send(message, rules, { listener });
  }

  /**
   * The server closed the connection while a request waited, before any response to it arrived: the
   * request was lost whole, and the same request on a new connection is the same request.
   */
  get closedUnanswered(): boolean {
    return this.#closedUnanswered;
  }

  /** Open, and no request waiting for its answer: the next search may be sent. */
  get idle(): boolean {
    return !this.#closed && this.#pending === null;
  }

  /** Ends the connection (an unbind when it is still usable; no answer is awaited). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#socket.write(new UnbindRequest({ messageId: this.#nextId() }).write());
    } catch {
      // already gone
    }
    this.#socket.destroy();
  }

  async #bind(dn: string, password: string): Promise<void> {
    const { result } = await this.#send(new BindRequest({ messageId: this.#nextId(), dn, password }), null, NO_ENTRIES);
    if (result.resultCode !== 0) throw ldapResultError(result);
  }

  async #startTls(host: string): Promise<SearchConnection> {
    const { result } = await this.#send(new ExtendedRequest({ messageId: this.#nextId(), oid: START_TLS_OID }), null, NO_ENTRIES);
    if (result.resultCode !== 0) throw ldapResultError(result);
    // The plain socket now carries TLS: this object lets go of it, the new one reads the TLS stream.
    const plain = this.#socket;
    for (const event of ['data', 'error', 'close']) plain.removeAllListeners(event);
    this.#closed = true;
    const upgraded = await connected(tlsConnect({ ...this.#options.tls, socket: plain, host }), true, this.#options.connectTimeoutMs);
    return new SearchConnection(upgraded, this.#options);
  }

  #nextId(): number {
    this.#messageId = (this.#messageId % 2_147_483_646) + 1;
    return this.#messageId;
  }

  /** Sends a request and waits for its final response, handing its search entries to `sink` on the way. */
  #send(message: Message, rules: ValueRules | null, sink: EntrySink): Promise<Answer<unknown>> {
    if (this.#closed) return Promise.reject(new Error('Socket connection not established'));
    if (this.#pending !== null) return Promise.reject(new Error('internal error: one request at a time on a search connection'));
    return new Promise((resolve, reject) => {
      const timeoutMs = this.#options.operationTimeoutMs;
      const timer = timeoutMs > 0 ? setTimeout(() => this.#fail(new Error(`${message.constructor.name}: Operation timed out`)), timeoutMs) : null;
      const settle = (): void => {
        if (timer) clearTimeout(timer);
        this.#pending = null;
      };
      this.#pending = {
        messageId: message.messageId,
        entries: [],
        rules,
        sink,
        answered: false,
        resolve: (done) => {
          settle();
          resolve(done);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      this.#socket.write(message.write());
    });
  }

  #listen(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#framer.push(chunk, this.#handle);
      } catch (error) {
        this.#fail(error instanceof BerError ? new Error(`Socket error: malformed response (${error.message})`) : (error as Error));
      }
    });
    socket.on('error', (error) => this.#lose(error));
    socket.on('close', () => this.#lose(new Error('Connection closed before the response was received')));
  }

  /** The connection was closed from the other side (reset, closed, or a notice of disconnection). */
  #lose(error: Error): void {
    if (!this.#closed) this.#closedUnanswered = this.#pending !== null && !this.#pending.answered;
    this.#fail(error);
  }

  #fail(error: Error): void {
    this.#pending?.reject(error);
    if (!this.#closed) {
      this.#closed = true;
      this.#socket.destroy();
    }
  }

  #message(cursor: BerCursor, end: number): void {
    const messageId = readInteger(cursor, TAG.integer, end);
    const opEnd = cursor.open(null, end);
    const opTag = cursor.tag;
    const pending = this.#pending;
    if (messageId === 0) {
      // Notice of disconnection (RFC 4511 §4.4.1): the server is going away.
      const { diagnosticMessage } = readLdapResult(cursor, opEnd);
      this.#lose(new Error(`Connection closed by the server: ${diagnosticMessage || 'notice of disconnection'}`));
      return;
    }
    if (pending === null || messageId !== pending.messageId) return;
    pending.answered = true;
    const { sink } = pending;
    if (opTag === TAG.searchEntry) {
      const start = cursor.pos;
      let kept = 'each' in sink ? sink.quick?.(cursor, opEnd) : undefined;
      if (kept === undefined) {
        cursor.pos = start;
        const view = new EntryView(readSearchEntry(cursor, opEnd, pending.rules ?? { explicitBuffers: new Set() }));
        if (!('each' in sink)) return sink.listener.entry(view, controlsOf(cursor, end));
        kept = sink.each(view);
      }
      pending.entries.push(kept);
      return;
    }
    if (opTag === TAG.searchReference) return;
    if (opTag === TAG.intermediateResponse) {
      if ('listener' in sink) sink.listener.intermediate(...readIntermediate(cursor, opEnd));
      return;
    }
    if (opTag !== TAG.searchDone && opTag !== TAG.bindResponse && opTag !== TAG.extendedResponse) {
      throw new BerError(`unexpected protocol operation 0x${opTag.toString(16)}`);
    }
    const result = readLdapResult(cursor, opEnd);
    cursor.pos = opEnd;
    pending.resolve({ result, controls: controlsOf(cursor, end), entries: pending.entries });
  }
}

const NO_ENTRIES: EntrySink = { each: () => null };

/** The controls that follow a message's protocol operation (`cursor` at its end), if any. */
function controlsOf(cursor: BerCursor, end: number): ResponseControl[] {
  return cursor.pos < end && cursor.buf[cursor.pos] === TAG.controls ? readControls(cursor, cursor.enter(TAG.controls, end).end) : [];
}

/** IntermediateResponse: responseName [0] and responseValue [1], both optional. */
function readIntermediate(cursor: BerCursor, end: number): [string | null, Buffer | null] {
  let name: string | null = null;
  let value: Buffer | null = null;
  while (cursor.pos < end) {
    const element = cursor.enter(null, end);
    if (element.tag === 0x80) name = cursor.buf.toString('utf8', cursor.pos, element.end);
    else if (element.tag === 0x81) value = Buffer.from(cursor.buf.subarray(cursor.pos, element.end));
    cursor.pos = element.end;
  }
  return [name, value];
}

/** Resolves once the socket is connected (and its TLS handshake done); rejects on error or timeout. */
function connected<S extends Socket | TLSSocket>(socket: S, secure: boolean, timeoutMs: number): Promise<S> {
  return new Promise((resolve, reject) => {
    const timer = timeoutMs > 0 ? setTimeout(() => fail(new Error('Connection timeout')), timeoutMs) : null;
    const done = (): void => {
      if (timer) clearTimeout(timer);
      socket.off('error', fail);
    };
    function fail(error: Error): void {
      done();
      socket.destroy();
      reject(error);
    }
    socket.once('error', fail);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      done();
      resolve(socket);
    });
  });
}
