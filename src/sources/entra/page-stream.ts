// Follows `@odata.nextLink` page by page, fetching ahead of the caller: the next pages are requested as
// soon as the previous one arrives, while the caller still processes the current one, up to `lookahead`
// pages held in memory. A read then takes about the larger of the sum of the page latencies and the sum
// of the caller's processing, instead of their total; two pages ahead also absorb pages that are slow
// to fetch or to process now and then. A failure is thrown after the pages fetched before it.
import type { GraphApi, GraphPage } from './graph-api.ts';

/** Pages fetched ahead of the caller by default (memory: about this many pages of raw JSON). */
export const DEFAULT_LOOKAHEAD = 2;

export async function* streamPages(
  api: GraphApi,
  firstUrl: string,
  onError: (error: unknown) => never,
  lookahead = DEFAULT_LOOKAHEAD,
): AsyncGenerator<GraphPage, void> {
  const abort = new AbortController();
  const ready: GraphPage[] = [];
  let finished = false;
  let failure: { error: unknown } | null = null;
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
      while (ready.length >= lookahead && !abort.signal.aborted) await new Promise<void>((resolve) => (wakeFetcher = resolve));
      if (abort.signal.aborted) return;
      const page = await api.page(url, abort.signal);
      ready.push(page);
      wake('caller');
      url = page['@odata.nextLink'];
    }
  };
  void fetcher().then(
    () => {
      finished = true;
      wake('caller');
    },
    (error: unknown) => {
      failure = { error };
      wake('caller');
    },
  );

  try {
    for (;;) {
      const page = ready.shift();
      if (page) {
        wake('fetcher');
        yield page;
        continue;
      }
      if (failure) onError((failure as { error: unknown }).error);
      if (finished) return;
      await new Promise<void>((resolve) => (wakeCaller = resolve));
    }
  } finally {
    // The caller stopped early (or failed): drop the request in flight and stop fetching.
    abort.abort(new Error('page stream closed'));
    wake('fetcher');
  }
}
