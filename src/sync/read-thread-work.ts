// The work of read-thread.ts's worker thread (entered by read-thread-worker.ts): asked to read, it builds the
// source from its config, reads it, maps each page and sends it once the run may take one more; its log
// lines go to the run's thread.
import { parentPort } from 'node:worker_threads';
import { createLogger } from '../logging.ts';
import { createSource, KINDS_READ_ON_THREAD, loadAdapter } from '../sources/factory.ts';
import { mapPages } from './map-page.ts';
import { errorData, pageToWire, type FromReadThread, type ToReadThread } from './read-thread.ts';

if (parentPort === null) throw new Error('read-thread-work.ts runs as a worker thread (see read-thread.ts)');
const port = parentPort;
const post = (message: FromReadThread): void => port.postMessage(message);

// The adapters are imported while the thread waits to be asked (see prestartReadThread).
for (const kind of KINDS_READ_ON_THREAD) loadAdapter(kind).catch(() => undefined);

const stop = new AbortController();
/** Pages the run is ready to take. */
let credit = 0;
let granted: (() => void) | null = null;

port.on('message', (message: ToReadThread) => {
  if (message.type === 'read') void read(message);
  else if (message.type === 'more') credit += 1;
  else stop.abort(new Error('the run stopped reading'));
  granted?.();
  granted = null;
});

async function read({ config, level, request, rules }: Extract<ToReadThread, { type: 'read' }>): Promise<void> {
  const logger = createLogger({ level, destination: { write: (line: string) => post({ type: 'log', line }) } });
  const source = createSource(config, logger);
  try {
    await using pages = mapPages(source, { ...request, signal: stop.signal }, rules);
    for (;;) {
      const next = await pages.next();
      if (next.done) {
        post({ type: 'end', outcome: next.value });
        return;
      }
      while (credit === 0 && !stop.signal.aborted) await new Promise<void>((resolve) => (granted = resolve));
      if (stop.signal.aborted) return;
      credit -= 1;
      post({ type: 'page', page: pageToWire(next.value) });
    }
  } catch (error) {
    // Told to stop, the run no longer listens: the abort that ended the read is not news.
    if (!stop.signal.aborted) post({ type: 'error', error: errorData(error) });
  } finally {
    await source.close().catch(() => undefined);
    // Nothing is left to do: the thread ends once its port is closed.
    port.close();
  }
}
