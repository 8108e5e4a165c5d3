// The entry of read-thread.ts's worker thread: the thread's module loads reuse the code compiled by earlier
// starts, as the command's do (bin/seatsync.js), then the work begins (read-thread-work.ts).
import * as nodeModule from 'node:module';

nodeModule.enableCompileCache?.();
await import('./read-thread-work.ts');
