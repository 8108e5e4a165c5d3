// What every page gets: where to render, the route's parameters, and who is signed in.
import type { Caller } from './types.ts';

export interface PageContext {
  readonly main: HTMLElement;
  /** Path parameters (`#/accounts/12` → ['12']) and the query of the route. */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly caller: Caller;
  /** Goes to another route (updates the hash; the router renders it). */
  navigate(route: string): void;
  /** Renders the current route again (after an action changed data). */
  reload(): void;
}

export const isAdmin = (ctx: PageContext): boolean => ctx.caller.role === 'admin';

/** A page's heading: sets the document title and takes the focus, so screen readers announce the page. */
export function heading(text: string): HTMLHeadingElement {
  document.title = `${text} · seatsync`;
  const h1 = document.createElement('h1');
  h1.textContent = text;
  h1.tabIndex = -1;
  return h1;
}
