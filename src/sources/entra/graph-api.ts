// The few Graph calls the Entra source makes, over the official client: JSON pages and `$count`.
import { GraphError, ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import { usesLibrary } from '../library-choice.ts';
import { scanEarlyLink } from './early-link.ts';
import { NETWORK_ERROR } from './retry-middleware.ts';

/** One page of a Graph collection (list, delta, transitive members). */
export interface GraphPage {
  readonly value: readonly Record<string, unknown>[];
  readonly '@odata.nextLink'?: string;
  readonly '@odata.deltaLink'?: string;
}

/** A page whose next link may be known before the page has arrived whole (see early-link.ts). */
export interface StreamedPage {
  /** `@odata.nextLink` as soon as the body's first bytes tell it; null when they don't (take it from `page`). */
  readonly nextLink: Promise<string | null>;
  readonly page: Promise<GraphPage>;
}

/** Bytes of a body's start searched for the next link; Graph puts it within the first few hundred. */
const EARLY_LINK_WINDOW = 64 * 1024;

export class GraphApi {
  private readonly client: Client;
  private readonly signal: AbortSignal | undefined;

  constructor(client: Client, signal?: AbortSignal) {
    this.client = client;
    this.signal = signal;
  }

  /** GET a path (`/users?…`) or an absolute link Graph returned (`@odata.nextLink`, `@odata.deltaLink`). */
  async page(pathOrLink: string, signal?: AbortSignal): Promise<GraphPage> {
    return pageOf(pathOrLink, (await this.request(pathOrLink, signal).get()) as unknown);
  }

  /**
   * GET a page as `page` does, reading the body as it arrives: `nextLink` resolves as soon as the link
   * is known, so the next request can go out while this body is still being received and parsed.
   */
  streamedPage(pathOrLink: string, signal?: AbortSignal): StreamedPage {
    // The library's way: the client parses the whole page, and the next link is read from it.
    if (usesLibrary('graph-early-link')) return { nextLink: Promise.resolve(null), page: this.page(pathOrLink, signal) };
    let settleLink: (link: string | null) => void = () => undefined;
    const nextLink = new Promise<string | null>((resolve) => (settleLink = resolve));
    const page = (async (): Promise<GraphPage> => {
      try {
        const response = (await this.request(pathOrLink, signal).responseType(ResponseType.RAW).get()) as Response;
        if (!response.ok) throw await graphErrorOf(response);
        const chunks: Buffer[] = [];
        let size = 0;
        let early: string | null | undefined;
        try {
          for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
            chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            size += chunk.byteLength;
            if (early !== undefined) continue;
            const found = scanEarlyLink(Buffer.concat(chunks, Math.min(size, EARLY_LINK_WINDOW)).toString('utf8'));
            if (found.kind === 'more' && size < EARLY_LINK_WINDOW) continue;
            early = found.kind === 'link' ? found.url : null;
            settleLink(early);
          }
        } catch (error) {
          if (signal?.aborted || this.signal?.aborted) throw error;
          throw lostConnection(`the connection was lost while receiving the page (${error instanceof Error ? error.message : String(error)})`);
        }
        const body = pageOf(pathOrLink, JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown);
        if (typeof early === 'string' && body['@odata.nextLink'] !== early) {
          throw new Error(`Graph answered ${pathOrLink.split('?')[0]} with a page whose @odata.nextLink differs from the one at its start`);
        }
        return body;
      } finally {
        settleLink(null);
      }
    })();
    return { nextLink, page };
  }

  async object(path: string): Promise<Record<string, unknown>> {
    return (await this.request(path).get()) as Record<string, unknown>;
  }

  /** `…/$count` needs the advanced-query header; the answer is a plain-text number. */
  async count(path: string): Promise<number> {
    const text: unknown = await this.request(path).header('ConsistencyLevel', 'eventual').responseType(ResponseType.TEXT).get();
    const count = Number(String(text).trim());
    if (!Number.isInteger(count)) throw new Error(`Graph answered ${path} with "${String(text).slice(0, 40)}", not a count`);
    return count;
  }

  private request(pathOrLink: string, signal?: AbortSignal) {
    const combined = signal && this.signal ? AbortSignal.any([signal, this.signal]) : (signal ?? this.signal);
    const request = this.client.api(pathOrLink);
    return combined ? request.option('signal', combined) : request;
  }
}

/** A network failure as the retry middleware reports one (entra-errors.ts makes it a `connect` error). */
function lostConnection(message: string): GraphError {
  const error = new GraphError(-1, message);
  error.code = NETWORK_ERROR;
  return error;
}

function pageOf(pathOrLink: string, body: unknown): GraphPage {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as GraphPage).value)) {
    throw new Error(`Graph answered ${pathOrLink.split('?')[0]} without a "value" array`);
  }
  return body as GraphPage;
}

/**
 * The GraphError the client throws for a failed response (its GraphErrorHandler, not exported): status,
 * and from a Graph error body its code, message, request id and date.
 */
async function graphErrorOf(response: Response): Promise<GraphError> {
  const text = await response.text().catch(() => '');
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: the text is the body
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown> } } | null)?.error;
  if (typeof error !== 'object' || error === null) {
    const plain = new GraphError(response.status);
    plain.body = parsed ?? text;
    plain.headers = response.headers;
    return plain;
  }
  const graphError = new GraphError(response.status, typeof error.message === 'string' ? error.message : undefined);
  graphError.code = typeof error.code === 'string' ? error.code : null;
  const inner = error.innerError;
  if (inner !== undefined) {
    graphError.requestId = typeof inner['request-id'] === 'string' ? inner['request-id'] : null;
    graphError.date = new Date(String(inner.date));
  }
  graphError.body = JSON.stringify(error);
  graphError.headers = response.headers;
  return graphError;
}
