// Graph client middleware that retries throttled requests (429/503/504, honouring `Retry-After`) and
// network failures (exponential backoff), within a bounded total wait per read. It replaces the client's
// stock RetryHandler, which neither retries network errors nor bounds the total wait nor counts retries.
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../logging.ts';
import { retryAfterMs } from '../../retry-after.ts';

export interface RetryPolicy {
  /** Attempts per request, the first one included. Default 8. */
  readonly maxAttempts: number;
  /** Longest total time one read may spend waiting between attempts, in ms. Default 300000 (5 min). */
  readonly maxTotalWaitMs: number;
  /** First backoff delay when no `Retry-After` is given, in ms; doubled per attempt. Default 1000. */
  readonly backoffBaseMs: number;
  /** Cap of one backoff delay, in ms. Default 30000. */
  readonly backoffMaxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, maxTotalWaitMs: 300_000, backoffBaseMs: 1_000, backoffMaxMs: 30_000 };

/** Counters of one read, reported with its outcome. */
export interface RequestStats {
  requests: number;
  throttled: number;
  networkRetries: number;
  waitedMs: number;
}

export function emptyStats(): RequestStats {
  return { requests: 0, throttled: 0, networkRetries: 0, waitedMs: 0 };
}

// Error names survive the Graph client's error wrapping (GraphError.code = thrown error's name).
export const THROTTLED_ERROR = 'SeatsyncGraphThrottled';
export const NETWORK_ERROR = 'SeatsyncGraphNetwork';
export const TLS_ERROR = 'SeatsyncGraphTls';

const RETRY_STATUSES = new Set([429, 503, 504]);
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED', 'HOSTNAME_MISMATCH',
]);

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export class RetryMiddleware implements Middleware {
  private next: Middleware | undefined;
  private readonly policy: RetryPolicy;
  private readonly stats: RequestStats;
  private readonly logger: Logger;

  constructor(options: { policy: RetryPolicy; stats: RequestStats; logger: Logger }) {
    this.policy = options.policy;
    this.stats = options.stats;
    this.logger = options.logger;
  }

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const signal = context.options?.signal ?? undefined;
    for (let attempt = 1; ; attempt += 1) {
      this.stats.requests += 1;
      const failure = await this.attempt(context);
      if (failure === null) return;
      if (signal?.aborted) throw signal.reason;
      const waitMs = failure.waitMs ?? Math.min(this.policy.backoffMaxMs, this.policy.backoffBaseMs * 2 ** (attempt - 1));
      const budgetLeftMs = this.policy.maxTotalWaitMs - this.stats.waitedMs;
      if (attempt >= this.policy.maxAttempts || waitMs > budgetLeftMs) {
        throw failure.kind === 'throttled'
          ? namedError(THROTTLED_ERROR, `Graph kept throttling (HTTP ${failure.status}) after ${attempt} attempts and ${this.stats.waitedMs} ms of waiting`)
          : namedError(NETWORK_ERROR, `${failure.message} (after ${attempt} attempts)`);
      }
      const err = { code: failure.kind === 'throttled' ? 'throttled' : 'connect', message: failure.message };
      this.logger.warn({ url: pathOf(context), attempt, waitMs, status: failure.status, err },
        failure.kind === 'throttled' ? 'Graph throttled the request; waiting before retrying' : 'Graph request failed; retrying');
      if (failure.kind === 'throttled') this.stats.throttled += 1;
      else this.stats.networkRetries += 1;
      this.stats.waitedMs += waitMs;
      await sleep(waitMs, undefined, signal ? { signal } : {});
    }
  }

  /** One try: null on a response to keep, else why and how long to wait. */
  private async attempt(context: Context): Promise<{ kind: 'throttled' | 'network'; status: number; message: string; waitMs: number | null } | null> {
    try {
      await this.next!.execute(context);
    } catch (error) {
      if (context.options?.signal?.aborted) throw context.options.signal.reason;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const code = cause?.code ?? (error as { code?: string }).code ?? '';
      const message = `${code ? `${code}: ` : ''}${cause?.message ?? (error as Error).message}`;
      if (TLS_CODES.has(code)) throw namedError(TLS_ERROR, message);
      return { kind: 'network', status: 0, message, waitMs: null };
    }
    const response = context.response;
    if (!response || !RETRY_STATUSES.has(response.status)) return null;
    const waitMs = retryAfterMs(response.headers.get('retry-after'), Date.now());
    await response.body?.cancel().catch(() => undefined);
    return { kind: 'throttled', status: response.status, message: `HTTP ${response.status}`, waitMs };
  }
}

function pathOf(context: Context): string {
  const url = typeof context.request === 'string' ? context.request : context.request.url;
  return url.split('?')[0] ?? url;
}
