// The worker thread of read-thread.ts: builds the source from its config, reads it when asked, maps each
// page and sends it once the run may take one more; its log lines go to the run's thread.
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../logging.ts';
import type { SourceReadOptions } from '../sources/directory-source.ts';
import { createSource } from '../sources/factory.ts';
import { mapPages } from './map-page.ts';
import type { MappingRules } from './map-user.ts';
import { errorData, type FromReadThread, type ReadThreadData, type ToReadThread } from './read-thread.ts';

if (parentPort === null) throw new Error('read-thread-worker.ts runs as a worker thread (see read-thread.ts)');
const port = parentPort;
const post = (message: FromReadThread): void => port.postMessage(message);

const { config, level } = workerData as ReadThreadData;
const logger = createLogger({ level, destination: { write: (line: string) => post({ type: 'log', line }) } });
const source = createSource(config, logger);
const stop = new AbortController();
/** Pages the run is ready to take. */
let credit = 0;
let granted: (() => void) | null = null;

port.on('message', (message: ToReadThread) => {
  if (message.type === 'read') void read(message.request, message.rules);
  else if (message.type === 'more') credit += 1;
  else stop.abort(new Error('the run stopped reading'));
  granted?.();
  granted = null;
});

async function read(request: Omit<SourceReadOptions, 'signal'>, rules: MappingRules): Promise<void> {
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
      post({ type: 'page', page: next.value });
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
