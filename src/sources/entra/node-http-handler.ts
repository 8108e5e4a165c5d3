// The Graph client's last middleware: sends each request with node:https and hands the client a web
// `Response`, in place of the stock HTTPMessageHandler's `fetch`. Measured against the Graph emulator
// (BENCHMARKS.md, "What the figures rest on": 4.3–4.9 ms between a page's answer and the next request
// with fetch, 1.1 ms with node:https), fetch spends about 3.5 ms more per request; over a full read of
// 100,000 users (101 pages) that is 0.35 s on a 5.1 s floor.
//
// It keeps what fetch gave the source: compressed bodies (gzip, deflate, br) are asked for and decoded,
// the abort signal cancels the request or the body being received, the global agent is used (keep-alive,
// and Node's NODE_USE_ENV_PROXY), TLS is checked against Node's CA store (NODE_EXTRA_CA_CERTS). Failures
// carry Node's error codes (ECONNREFUSED, ECONNRESET, the certificate codes), which the retry middleware
// reads. Like fetch's own limits, a connection that stays silent too long fails.
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** How long a connection may stay silent (no headers, no body bytes) before the request fails: fetch's default. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/** Statuses whose responses have no body (a web Response refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export class NodeHttpHandler implements Middleware {
  private readonly idleTimeoutMs: number;

  constructor(options: { idleTimeoutMs?: number } = {}) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  async execute(context: Context): Promise<void> {
    const { url, init } = await requestOf(context);
    context.response = await send(url, init, this.idleTimeoutMs);
  }
}

interface Outgoing {
  readonly method: string;
  readonly headers: Headers;
  readonly body: Buffer | null;
  readonly signal: AbortSignal | null;
}

async function requestOf(context: Context): Promise<{ url: URL; init: Outgoing }> {
  const options = context.options ?? {};
  const request = typeof context.request === 'string' ? null : context.request;
  const headers = new Headers(request?.headers);
  new Headers(options.headers).forEach((value, name) => headers.set(name, value));
  const body = options.body !== undefined && options.body !== null
    ? await new Response(options.body).arrayBuffer()
    : request?.body ? await request.arrayBuffer() : null;
  return {
    url: new URL(request?.url ?? (context.request as string)),
    init: {
      method: (options.method ?? request?.method ?? 'GET').toUpperCase(),
      headers,
      body: body === null ? null : Buffer.from(body),
      signal: options.signal ?? request?.signal ?? null,
    },
  };
}

function send(url: URL, init: Outgoing, idleTimeoutMs: number): Promise<Response> {
  const { signal } = init;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  const headers: Record<string, string> = {};
  init.headers.forEach((value, name) => (headers[name] = value));
  headers['accept-encoding'] ??= 'gzip, deflate, br';
  if (init.body !== null) headers['content-length'] = String(init.body.length);
  return new Promise<Response>((resolve, reject) => {
    const request = (url.protocol === 'http:' ? httpRequest : httpsRequest)(url, { method: init.method, headers });
    let response: IncomingMessage | null = null;
    const fail = (error: Error): void => {
      request.destroy(error);
      response?.destroy(error);
    };
    const onAbort = (): void => fail(signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason)));
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => signal?.removeEventListener('abort', onAbort);
    request.setTimeout(idleTimeoutMs, () =>
      fail(Object.assign(new Error(`no data from ${url.host} for ${idleTimeoutMs} ms`), { code: 'ETIMEDOUT' })));
    request.on('error', (error) => {
      done();
      reject(error);
    });
    request.on('response', (incoming) => {
      response = incoming;
      incoming.on('close', done);
      try {
        resolve(responseOf(incoming, init.method));
      } catch (error) {
        incoming.destroy();
        reject(error as Error);
      }
    });
    request.end(init.body ?? undefined);
  });
}

function responseOf(incoming: IncomingMessage, method: string): Response {
  const status = incoming.statusCode ?? 0;
  const headers = new Headers();
  for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) headers.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
  const init = { status, statusText: incoming.statusMessage ?? '', headers };
  if (NULL_BODY_STATUSES.has(status) || method === 'HEAD') {
    incoming.resume();
    return new Response(null, init);
  }
  return new Response(Readable.toWeb(decoded(incoming)) as ReadableStream<Uint8Array>, init);
}

/** The body as sent, or decoded when it came compressed (the encodings fetch decodes). */
function decoded(incoming: IncomingMessage): Readable {
  const encoding = String(incoming.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip()
    : encoding === 'deflate' ? createInflate()
    : encoding === 'br' ? createBrotliDecompress()
    : null;
  if (decoder === null) return incoming;
  incoming.on('error', (error) => decoder.destroy(error));
  return incoming.pipe(decoder);
}
