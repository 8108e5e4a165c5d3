// Follows `@odata.nextLink` page by page, fetching ahead of the caller: the next pages are requested as
// soon as its link is known (from the first bytes of the previous page's body, or else once that page
// has arrived), while the caller still processes the current one, up to `lookahead` pages requested and
// not yet handed out. A read then takes about the larger of the sum of the page latencies and the sum
// of the caller's processing, instead of their total; three pages ahead also absorb pages that are slow
// to fetch or to process now and then. A failure is thrown after the pages fetched before it.
import type { GraphApi, GraphPage, StreamedPage } from './graph-api.ts';

/** Pages requested ahead of the caller by default (memory: about this many pages of raw JSON). */
export const DEFAULT_LOOKAHEAD = 3;

export async function* streamPages(
  api: Pick<GraphApi, 'streamedPage'>,
  firstUrl: string,
  onError: (error: unknown) => never,
  lookahead = DEFAULT_LOOKAHEAD,
): AsyncGenerator<GraphPage, void> {
  const abort = new AbortController();
  type Step = { readonly page: GraphPage } | { readonly error: unknown };
  // Pages requested and not yet handed out, in order; each settled into a Step, so a failure is never
  // an unhandled rejection and is thrown when the caller reaches it.
  const queue: Promise<Step>[] = [];
  let finished = false;
  // Whoever waits (the caller for a page, the fetcher for room) parks a resolver here; the other side wakes it.
  let wakeCaller: (() => void) | null = null;
  let wakeFetcher: (() => void) | null = null;
  const wake = (which: 'caller' | 'fetcher'): void => {
    const resolve = which === 'caller' ? wakeCaller : wakeFetcher;
    if (which === 'caller') wakeCaller = null;
    else wakeFetcher = null;
    resolve?.();
  };

  const fetcher = async (): Promise<void> => {
    for (let url: string | undefined = firstUrl; url !== undefined; ) {
      while (queue.length >= lookahead && !abort.signal.aborted) await new Promise<void>((resolve) => (wakeFetcher = resolve));
      if (abort.signal.aborted) return;
      let fetched: StreamedPage;
      try {
        fetched = api.streamedPage(url, abort.signal);
      } catch (error) {
        fetched = { nextLink: Promise.resolve(null), page: Promise.reject(error) };
      }
      const step = fetched.page.then((page): Step => ({ page }), (error: unknown): Step => ({ error }));
      queue.push(step);
      wake('caller');
      // The next request goes out as soon as the link is known, often before this page is whole.
      const early = await fetched.nextLink;
      if (early !== null) {
        url = early;
        continue;
      }
      const settled = await step;
      if ('error' in settled) return;
      url = settled.page['@odata.nextLink'];
    }
  };
  void fetcher().finally(() => {
    finished = true;
    wake('caller');
  });

  try {
    for (;;) {
      const next = queue[0];
      if (next === undefined) {
        if (finished) return;
        await new Promise<void>((resolve) => (wakeCaller = resolve));
        continue;
      }
      const step = await next;
      queue.shift();
      wake('fetcher');
      if ('error' in step) onError(step.error);
      yield step.page;
    }
  } finally {
    // The caller stopped early (or failed): drop the requests in flight and stop fetching.
    abort.abort(new Error('page stream closed'));
    wake('fetcher');
  }
}
