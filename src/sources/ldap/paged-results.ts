// The paging of one search (RFC 2696): each page asked for with the cookie of the page before, the
// pages received held for the caller up to a limit, the next asked for as soon as there is room. The
// requests themselves are sent by search-connection.ts.
import { StatusCodeParser, type MessageResponse } from 'ldapts';

import type { EntryView } from './entry-view.ts';
import { pagedCookieOf, type ResponseControl } from './search-response.ts';

/** The final response of a request, with its controls and, unless a listener took them, the entries of a search. */
export interface Answer<T = EntryView> {
  readonly result: { readonly resultCode: number; readonly diagnosticMessage: string };
  readonly controls: readonly ResponseControl[];
  readonly entries: T[];
}

/**
 * The pages of one paged search, requested one after another (each request carries the cookie of the
 * page before, RFC 2696) while fewer than `limit` received pages wait to be taken. A failure is thrown
 * by `take` once the pages received before it have been taken, as the search would have met it.
 */
export class PagesAhead<T> {
  readonly #request: (cookie: Buffer) => Promise<Answer<T>>;
  readonly #limit: number;
  readonly #received: T[][] = [];
  /** The cookie of the next page, while it is not requested; null: requested, or no page left. */
  #cookie: Buffer | null = null;
  #inFlight = false;
  #failure: { readonly error: unknown } | null = null;
  #wake: (() => void) | null = null;

  constructor(request: (cookie: Buffer) => Promise<Answer<T>>, limit: number) {
    this.#request = request;
    this.#limit = limit;
    this.#fetch(Buffer.alloc(0));
  }

  /** The next page, once received; null after the last. */
  async take(): Promise<T[] | null> {
    for (;;) {
      const page = this.#received.shift();
      if (page !== undefined) {
        if (this.#cookie !== null && !this.#inFlight) this.#fetch(this.#cookie);
        return page;
      }
      if (this.#failure !== null) throw this.#failure.error;
      if (!this.#inFlight) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #fetch(cookie: Buffer): void {
    this.#cookie = null;
    this.#inFlight = true;
    this.#request(cookie).then(
      (page) => {
        this.#inFlight = false;
        if (page.result.resultCode !== 0) throw ldapResultError(page.result);
        this.#received.push(page.entries);
        // The search goes on while the server returns a cookie (an empty page may carry one).
        const next = pagedCookieOf(page.controls);
        if (next.length === 0) return;
        if (this.#received.length < this.#limit) this.#fetch(next);
        else this.#cookie = next;
      },
    ).catch((error: unknown) => {
      this.#inFlight = false;
      this.#failure = { error };
    }).finally(() => {
      const wake = this.#wake;
      this.#wake = null;
      wake?.();
    });
  }
}

/** The ldapts error class of an LDAP result code other than success (ldap-errors.ts maps those). */
export function ldapResultError(result: Answer['result']): Error {
  return StatusCodeParser.parse({ status: result.resultCode, errorMessage: result.diagnosticMessage } as MessageResponse);
}
