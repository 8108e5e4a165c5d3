// One HTTP(S) request to an application, with the target's CA and timeout, and its failures mapped once
// to `DeliveryError` (what the outbox's loop understands): network, TLS and timeout failures are
// retryable and stop the pass; 429 and 503 carry the server's Retry-After.
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import type https from 'node:https';
import type { TargetTls } from '../config/types.ts';
import { DeliveryError } from '../notify/transports/transport.ts';
import { retryAfterMs } from '../retry-after.ts';

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Longest response body read, in bytes (a SCIM page of users is well under this). */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME/i;

export class HttpClient {
  readonly #agentOptions: https.AgentOptions;
  /** Made at the first HTTPS request. */
  #agent: https.Agent | null = null;
  readonly #timeoutMs: number;

  constructor(options: { readonly tls: TargetTls; readonly timeoutMs: number }) {
    const ca = options.tls.caFile === null ? undefined : readCa(options.tls.caFile);
    this.#agentOptions = { keepAlive: true, rejectUnauthorized: options.tls.rejectUnauthorized, ...(ca === undefined ? {} : { ca }) };
    this.#timeoutMs = options.timeoutMs;
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    // The HTTP modules are loaded at the first request, not imported: loading them costs every process
    // that merely has a target configured (a check, an explain) for nothing.
    const lib = process.getBuiltinModule(url.protocol === 'https:' ? 'node:https' : 'node:http');
    return new Promise((resolve, reject) => {
      const outgoing = lib.request(
        url,
        {
          method: req.method,
          headers: { ...req.headers, ...(req.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(req.body)) }) },
          timeout: this.#timeoutMs,
          ...(url.protocol === 'https:' ? { agent: (this.#agent ??= new (process.getBuiltinModule('node:https').Agent)(this.#agentOptions)) } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) res.destroy(new Error(`response larger than ${MAX_BODY_BYTES} bytes`));
            else chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (error) => reject(networkError(error, url)));
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new DeliveryError(`no answer from ${url.host} within ${this.#timeoutMs} ms`, { code: 'timeout', retryable: true })));
      outgoing.on('error', (error) => reject(error instanceof DeliveryError ? error : networkError(error, url)));
      outgoing.end(req.body);
    });
  }

  close(): void {
    this.#agent?.destroy();
  }
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new DeliveryError(`cannot read tls.ca ${file}: ${(error as Error).message}`, { code: 'config', retryable: true, cause: error });
  }
}

function networkError(error: Error, url: URL): DeliveryError {
  const code = (error as { code?: string }).code ?? '';
  if (TLS_CODES.test(code) || TLS_CODES.test(error.message)) {
    return new DeliveryError(`TLS with ${url.host} failed: ${error.message}`, { code: 'tls', retryable: true, cause: error });
  }
  return new DeliveryError(`${url.host} unreachable: ${error.message}`, { code: 'connection', retryable: true, cause: error });
}

/**
 * A non-2xx answer as a `DeliveryError`: 401/403 credentials (retried: a token may be fixed), 429 and
 * 503 throttling with Retry-After, other 5xx and 408 the server's, other 4xx a refusal retrying won't fix.
 */
export function statusError(what: string, res: HttpResponse): DeliveryError {
  const detail = `${what}: HTTP ${res.status}${describeBody(res.body)}`;
  const after = retryAfterMs(res.headers['retry-after']);
  if (res.status === 401 || res.status === 403) return new DeliveryError(detail, { code: 'auth', retryable: true });
  if (res.status === 429 || (res.status === 503 && after !== null)) return new DeliveryError(detail, { code: 'throttled', retryable: true, retryAfterMs: after });
  if (res.status >= 500 || res.status === 408) return new DeliveryError(detail, { code: 'server', retryable: true, retryAfterMs: after });
  return new DeliveryError(detail, { code: 'bad-request', retryable: false });
}

/** The server's own words, shortened (SCIM errors carry `detail`). */
function describeBody(body: string): string {
  if (body.trim() === '') return '';
  try {
    const parsed = JSON.parse(body) as { detail?: unknown; scimType?: unknown };
    if (typeof parsed.detail === 'string') return ` (${typeof parsed.scimType === 'string' ? `${parsed.scimType}: ` : ''}${parsed.detail.slice(0, 300)})`;
  } catch {
    // not JSON: quoted as text below
  }
  return ` (${body.slice(0, 300)})`;
}
