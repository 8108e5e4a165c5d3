// What can go wrong on the emulator's Graph endpoints, set by the tests: page latency, throttling every N
// requests, one-off injected responses or dropped connections. Also the request log tests assert on.

export interface FaultSettings {
  /** Delay before every successful Graph response, in ms (the "page latency"). Default 0. */
  pageLatencyMs: number;
  /** Every Nth Graph request (counting throttled ones) is throttled; null: never. */
  throttleEvery: number | null;
  /** Status of a throttled response: 429 (Graph), or 503/504 (gateway). Default 429. */
  throttleStatus: 429 | 503 | 504;
  /** `Retry-After` seconds on throttled responses; null: no header. Default 1. */
  retryAfterSeconds: number | null;
  /**
   * A pause inside every successful JSON Graph body over 1 KB, in ms: its first kilobyte is sent, the
   * rest this much later (a page that takes time to arrive). Default 0.
   */
  bodyPauseMs: number;
  /** JSON Graph bodies are sent gzip-compressed to requests that accept gzip, as Graph does. Default false. */
  gzip: boolean;
}

/**
 * A one-off fault for the next Graph request: an error status, `reset` (the socket is destroyed before
 * any answer), `cut` (the answer starts, status, headers and its first kilobyte, then the socket is
 * destroyed), or `pass` (no fault: lets a request through to reach a later one).
 */
export type InjectedFault = { readonly status: number; readonly retryAfterSeconds?: number; readonly code?: string } | 'reset' | 'cut' | 'pass';

export interface RequestRecord {
  readonly area: 'auth' | 'graph';
  readonly method: string;
  /** Path without the query, e.g. `/v1.0/users/delta`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Status sent, or 0 for a dropped connection. */
  status: number;
  /**
   * When the request arrived, when its answer was handed to the socket (after the page latency), and
   * when it was sent whole (`performance.now()` of the emulator); null until then.
   */
  readonly receivedMs: number;
  answeredMs: number | null;
  completedMs: number | null;
}

export type FaultDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'cut' }
  | { readonly kind: 'error'; readonly status: number; readonly code: string; readonly retryAfterSeconds: number | null };

export class Faults {
  readonly settings: FaultSettings = { pageLatencyMs: 0, throttleEvery: null, throttleStatus: 429, retryAfterSeconds: 1, bodyPauseMs: 0, gzip: false };
  private readonly queue: InjectedFault[] = [];
  private graphCount = 0;
  /** Throttled responses sent so far. */
  throttled = 0;

  set(settings: Partial<FaultSettings>): void {
    Object.assign(this.settings, settings);
  }

  /** Queues faults for the next Graph requests, in order. */
  inject(...faults: InjectedFault[]): void {
    this.queue.push(...faults);
  }

  /** Decides the fate of one Graph request. */
  next(): FaultDecision {
    this.graphCount += 1;
    const injected = this.queue.shift();
    if (injected === 'reset') return { kind: 'reset' };
    if (injected === 'cut') return { kind: 'cut' };
    if (injected !== undefined && injected !== 'pass') {
      return { kind: 'error', status: injected.status, code: injected.code ?? codeOf(injected.status), retryAfterSeconds: injected.retryAfterSeconds ?? null };
    }
    const every = this.settings.throttleEvery;
    if (every !== null && this.graphCount % every === 0) {
      this.throttled += 1;
      const status = this.settings.throttleStatus;
      return { kind: 'error', status, code: codeOf(status), retryAfterSeconds: this.settings.retryAfterSeconds };
    }
    return { kind: 'none' };
  }
}

function codeOf(status: number): string {
  if (status === 429) return 'TooManyRequests';
  if (status === 503) return 'serviceNotAvailable';
  if (status === 504) return 'UnknownError';
  return 'generalException';
}
