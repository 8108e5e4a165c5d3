// One authenticated LDAP connection: URLs tried in order (failover), LDAPS or StartTLS, bind, rootDSE.
// Failures become SourceErrors naming the URL or DN. A session is opened per read or check and closed
// in a `finally`, which also ends its search connection; reads never fail over mid-stream, because
// paged-search cookies belong to one server.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

import { Client, type ClientOptions, type Control, type Entry } from 'ldapts';

import { withDeadline } from '../../deadline.ts';
import type { LdapSourceConfig } from '../../config/types.ts';
import { SourceError } from '../directory-source.ts';
import { usesLibrary } from '../library-choice.ts';

import { EntryView } from './entry-view.ts';
import { classifyLdapError, toSourceError, type LdapOperation } from './ldap-errors.ts';
import type { LdapLogger } from './ldap-logger.ts';
import { OpenFailure, SearchConnection, type EntryReading, type PagedSearch, type SearchConnectionOptions, type SearchListener, type SingleSearch } from './search-connection.ts';

/** rootDSE attributes read at connect time (AD's are absent elsewhere). */
const ROOT_DSE_ATTRIBUTES = [
  'namingContexts',
  'defaultNamingContext',
  'dsServiceName',
  'highestCommittedUSN',
  'supportedControl',
  'vendorName',
];

export interface LdapSessionOptions {
  readonly sourceName: string;
  readonly config: LdapSourceConfig;
  readonly logger: LdapLogger;
}

export interface SearchPagesOptions {
  readonly filter: string;
  readonly attributes: readonly string[];
  readonly explicitBufferAttributes?: readonly string[];
  readonly scope?: 'base' | 'one' | 'sub';
  /** Request controls besides paging (e.g. AD's Show Deleted). */
  readonly controls?: readonly Control[];
  /** Pages received ahead of the caller (search-connection.ts `readAheadPages`); default 1. */
  readonly readAheadPages?: number;
}

export class LdapSession {
  readonly url: string;
  /** The servers listed before `url` that did not answer, each with its failure (failover). */
  unanswered: readonly SourceError[] = [];
  /** The server's rootDSE, read right after the bind. */
  readonly rootDse: EntryView;
  private readonly client: Client;
  private readonly options: LdapSessionOptions;
  /** How to open another connection to the same server (see `entryPages`). */
  private readonly searchOptions: SearchConnectionOptions;
  /** Search connections open now: `close` ends them too (an aborted read stops at once). */
  private readonly searches = new Set<SearchConnection>();
  /**
   * The search connection whose last search ran to its end, kept for the next search: a read binds once
   * for its user search and the searches after it (scope exits, content sync), not once per search.
   */
  #spare: SearchConnection | null = null;
  #closed = false;

  /** Use `LdapSession.open`. */
  constructor(init: { url: string; client: Client; rootDse: EntryView; options: LdapSessionOptions; searchOptions: SearchConnectionOptions }) {
    this.url = init.url;
    this.client = init.client;
    this.rootDse = init.rootDse;
    this.options = init.options;
    this.searchOptions = init.searchOptions;
  }

  /** Connects to the first URL that answers; throws the failure of each URL when none does. */
  static async open(options: LdapSessionOptions): Promise<LdapSession> {
    const { config, sourceName, logger } = options;
    if (config.urls.length === 0) throw new SourceError(sourceName, 'connect', 'no URL configured');
    if (config.bindDN !== null && !config.bindPassword) {
      // A bind with a DN and no password is an "unauthenticated bind" that many servers accept as anonymous.
      throw new SourceError(sourceName, 'auth', `bindPassword is empty for ${config.bindDN}`);
    }
    const ca = await readCa(options);
    const failures: SourceError[] = [];
    for (const url of config.urls) {
      let session: LdapSession;
      try {
        session = await connectTo(url, ca, options);
      } catch (error) {
        const failure = toSourceError(sourceName, error, { url, operation: 'connect' });
        // Another server gives the same answer to bad credentials or rights; don't lock the account out.
        if (failure.code !== 'connect' && failure.code !== 'tls') throw failure;
        failures.push(failure);
        continue;
      }
      // One line for the servers that failed before this one; when none answers, the error thrown below
      // names each, and whoever catches it logs it once.
      if (failures.length > 0) logger.warn({ url, err: combineFailures(sourceName, failures) }, `connected to ${url}; the servers listed before it did not answer`);
      session.unanswered = failures;
      return session;
    }
    throw combineFailures(sourceName, failures);
  }

  /**
   * Pages of a paged search (page size from the config, at most 1000), each as soon as it arrives. The
   * next page is requested before this one is handed out, so the server prepares it while the caller
   * works; at most two pages are in memory.
   */
  async *pages(baseDn: string, search: SearchPagesOptions): AsyncGenerator<Entry[], void, undefined> {
    const { config } = this.options;
    const iterator = this.client.searchPaginated(baseDn, {
      scope: search.scope ?? 'sub',
      filter: search.filter,
      attributes: [...search.attributes],
      explicitBufferAttributes: [...(search.explicitBufferAttributes ?? [])],
      paged: { pageSize: config.pageSize },
      timeLimit: config.timeLimitSeconds,
    }, search.controls === undefined ? undefined : [...search.controls]);
    type Step = { page: Entry[] | null } | { error: unknown };
    // Settled into a value right away, so a failure of a prefetched page is never an unhandled rejection.
    const fetchNext = (): Promise<Step> =>
      iterator.next().then(
        (next) => ({ page: next.done === true ? null : next.value.searchEntries }),
        (error: unknown) => ({ error }),
      );
    let pending: Promise<Step> | null = fetchNext();
    try {
      for (;;) {
        const step: Step = await pending;
        pending = null;
        if ('error' in step) throw this.failure(step.error, 'search', baseDn);
        if (step.page === null) return;
        pending = fetchNext();
        yield step.page;
      }
    } finally {
      // Stopped early: let the request in flight finish before the search is closed.
      if (pending !== null) await pending;
      await iterator.return(undefined).catch(() => undefined);
    }
  }

  /**
   * Pages of a paged search as EntryViews, on the session's search connection (see `#takeSearch`),
   * decoded by search-response.ts rather than by ldapts: for the user search, the read that returns the
   * whole directory (see search-connection.ts). The next page is requested before this one is handed
   * out. With SEATSYNC_USE_LIBRARY=ldap-decoder the pages come from ldapts on the session's connection.
   */
  entryPages(baseDn: string, search: SearchPagesOptions): AsyncGenerator<EntryView[], void, undefined> {
    return this.mappedPages(baseDn, search, { each: (view) => view });
  }

  /**
   * `entryPages` with each entry as `reading` makes it as soon as it arrives: a search that keeps little
   * of each entry (an id) holds pages of that, not of views, while it reads ahead (`readAheadPages`).
   * With the library's decoder (SEATSYNC_USE_LIBRARY=ldap-decoder) every entry goes through `each`.
   */
  async *mappedPages<T>(baseDn: string, search: SearchPagesOptions, reading: EntryReading<T>): AsyncGenerator<T[], void, undefined> {
    const { config } = this.options;
    if (usesLibrary('ldap-decoder')) {
      for await (const page of this.pages(baseDn, search)) yield page.map((entry) => reading.each(new EntryView(entry)));
      return;
    }
    const paged: PagedSearch = {
      baseDn,
      scope: search.scope ?? 'sub',
      filter: search.filter,
      attributes: search.attributes,
      explicitBufferAttributes: search.explicitBufferAttributes ?? [],
      pageSize: config.pageSize,
      timeLimitSeconds: config.timeLimitSeconds,
      controls: search.controls ?? [],
      ...(search.readAheadPages === undefined ? {} : { readAheadPages: search.readAheadPages }),
    };
    let connection: SearchConnection | null = null;
    let pages: AsyncGenerator<T[], void, undefined> | null = null;
    let ended = false;
    try {
      const started = await this.#firstAnswer(async (on) => {
        const stream = on.pages(paged, reading);
        return { stream, first: await stream.next() };
      });
      connection = started.connection;
      pages = started.value.stream;
      for (let step = started.value.first; step.done !== true; step = await pages.next()) yield step.value;
      ended = true;
    } catch (error) {
      throw this.failure(error, 'search', baseDn);
    } finally {
      await pages?.return(undefined);
      if (connection !== null) this.#giveBack(connection, ended);
    }
  }

  /**
   * One search without paging on the session's search connection, decoded by search-response.ts, its
   * entries and intermediate responses handed to `listener` with their controls (content-sync.ts).
   * Failures of the search are thrown as they come (the caller knows which are the listener's own).
   */
  async search(search: SingleSearch, listener: SearchListener): ReturnType<SearchConnection['search']> {
    let connection: SearchConnection | null = null;
    let ended = false;
    try {
      const started = await this.#firstAnswer((on) => on.search(search, listener));
      connection = started.connection;
      ended = true;
      return started.value;
    } finally {
      if (connection !== null) this.#giveBack(connection, ended);
    }
  }

  /**
   * Runs `start` (a search, up to its first answer) on the session's search connection. A connection
   * kept from an earlier search may have been closed by the server as the search began (its idle
   * timeout: OpenLDAP `idletimeout`, AD's MaxConnIdleTime): when it closed before any answer to the
   * search arrived, nothing of the search was received, and it runs once more on a new connection,
   * bound again. A new connection that fails, or one that failed after an answer, fails the search.
   */
  async #firstAnswer<T>(start: (connection: SearchConnection) => Promise<T>): Promise<{ connection: SearchConnection; value: T }> {
    const taken = await this.#takeSearch();
    try {
      return { connection: taken.connection, value: await start(taken.connection) };
    } catch (error) {
      this.#giveBack(taken.connection, false);
      if (!taken.kept || !taken.connection.closedUnanswered) throw error;
      this.options.logger.info({ url: this.url }, 'the server closed the LDAP search connection as a search began; searching on a new connection');
    }
    const { connection } = await this.#takeSearch();
    try {
      return { connection, value: await start(connection) };
    } catch (error) {
      this.#giveBack(connection, false);
      throw error;
    }
  }

  /**
   * The spare search connection when it is still open (`kept`), else a new one to this session's
   * server (bound as the session is); `close` ends it too. One search at a time runs on a connection: a
   * search started while another is running gets a connection of its own.
   */
  async #takeSearch(): Promise<{ connection: SearchConnection; kept: boolean }> {
    const { config } = this.options;
    if (this.#closed) throw this.failure(new Error('the LDAP session is closed'), 'search');
    const spare = this.#spare;
    this.#spare = null;
    if (spare !== null) {
      if (spare.idle) return { connection: spare, kept: true };
      this.searches.delete(spare); // the server closed it while it waited
    }
    try {
      const connection = await SearchConnection.open(this.searchOptions);
      this.searches.add(connection);
      return { connection, kept: false };
    } catch (error) {
      const operation = error instanceof OpenFailure ? error.operation : 'connect';
      throw this.failure(error instanceof OpenFailure ? error.cause : error, operation, operation === 'bind' ? (config.bindDN ?? undefined) : undefined);
    }
  }

  /**
   * After a search: kept as the spare when the search ran to its end and nothing is left in flight (a
   * paged search stopped early may still hold a page or the server's paging state), else closed.
   */
  #giveBack(connection: SearchConnection, ended: boolean): void {
    if (ended && connection.idle && this.#spare === null && !this.#closed) {
      this.#spare = connection;
      return;
    }
    connection.close();
    this.searches.delete(connection);
  }

  /** The entry at `dn`, or null when there is none (noSuchObject). */
  async findEntry(dn: string, attributes: readonly string[], explicitBufferAttributes: readonly string[] = []): Promise<Entry | null> {
    try {
      const result = await this.client.search(dn, {
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: [...attributes],
        explicitBufferAttributes: [...explicitBufferAttributes],
        timeLimit: this.options.config.timeLimitSeconds,
      });
      return result.searchEntries[0] ?? null;
    } catch (error) {
      if (classifyLdapError(error).code === 'not-found') return null;
      throw this.failure(error, 'search', dn);
    }
  }

  get sourceName(): string {
    return this.options.sourceName;
  }

  failure(error: unknown, operation: LdapOperation, dn?: string): SourceError {
    return toSourceError(this.options.sourceName, error, { url: this.url, operation, ...(dn === undefined ? {} : { dn }) });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#spare = null;
    for (const search of this.searches) search.close();
    this.searches.clear();
    await this.client.unbind().catch(() => undefined);
  }
}

async function connectTo(url: string, ca: Buffer | null, options: LdapSessionOptions): Promise<LdapSession> {
  const { config, sourceName } = options;
  const secure = url.toLowerCase().startsWith('ldaps:');
  const tlsOptions = buildTlsOptions(config, hostOf(url), ca);
  const clientOptions: ClientOptions = {
    url,
    connectTimeout: config.connectTimeoutMs,
    timeout: config.operationTimeoutMs,
    // ldapts switches to TLS whenever tlsOptions are given, so plain and StartTLS URLs get none here.
    ...(secure ? { tlsOptions } : {}),
  };
  const client = new Client(clientOptions);
  let operation: LdapOperation = 'connect';
  try {
    if (!secure && config.tls.startTls) {
      operation = 'starttls';
      await withDeadline(client.startTLS({ ...tlsOptions, host: hostOf(url) }), config.connectTimeoutMs, () => new Error('Connection timeout (StartTLS)'));
    }
    if (config.bindDN !== null) {
      operation = 'bind';
      await client.bind(config.bindDN, config.bindPassword ?? '');
    }
    operation = 'search';
    const rootDse = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ROOT_DSE_ATTRIBUTES });
    const entry = rootDse.searchEntries[0] ?? { dn: '' };
    const searchOptions: SearchConnectionOptions = {
      url,
      tls: tlsOptions,
      startTls: !secure && config.tls.startTls,
      bindDN: config.bindDN,
      bindPassword: config.bindPassword,
      connectTimeoutMs: config.connectTimeoutMs,
      operationTimeoutMs: config.operationTimeoutMs,
    };
    return new LdapSession({ url, client, rootDse: new EntryView(entry), options, searchOptions });
  } catch (error) {
    await client.unbind().catch(() => undefined);
    const dn = operation === 'bind' ? (config.bindDN ?? undefined) : operation === 'search' ? '(rootDSE)' : undefined;
    throw toSourceError(sourceName, error, { url, operation, ...(dn === undefined ? {} : { dn }) });
  }
}

function buildTlsOptions(config: LdapSourceConfig, host: string, ca: Buffer | null): ConnectionOptions {
  return {
    rejectUnauthorized: config.tls.rejectUnauthorized,
    minVersion: 'TLSv1.2',
    ...(ca ? { ca: [ca] } : {}),
    // SNI takes host names only; Node checks an IP address against the certificate's IP SANs.
    ...(isIP(host) === 0 ? { servername: host } : {}),
  };
}

async function readCa(options: LdapSessionOptions): Promise<Buffer | null> {
  const { caFile } = options.config.tls;
  if (caFile === null) return null;
  try {
    return await readFile(caFile);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SourceError(options.sourceName, 'tls', `cannot read CA file ${caFile}: ${reason}`, { cause: error });
  }
}

function hostOf(url: string): string {
  const { hostname } = new URL(url);
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname || 'localhost';
}

/** A source error's message without the source's name in front: `cannot reach ldap://…: connection refused`. */
export function failureDetail(sourceName: string, failure: SourceError): string {
  return failure.message.replace(`${sourceName}: `, '');
}

/** One error for a failover list: its code is the first non-connect failure's, else `connect`. */
function combineFailures(sourceName: string, failures: readonly SourceError[]): SourceError {
  if (failures.length === 1 && failures[0]) return failures[0];
  const specific = failures.find((failure) => failure.code !== 'connect');
  const code = specific?.code ?? 'connect';
  const details = failures.map((failure) => failureDetail(sourceName, failure)).join('; ');
  return new SourceError(sourceName, code, `no server answered: ${details}`, { cause: failures[0] });
}


