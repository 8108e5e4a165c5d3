// The Graph emulator (test/support/graph-emulator) holding N users, in a worker thread of the benchmark
// process: a server of its own, as Graph is, driven by messages. Every answer carries the Graph requests
// so far and the latency the emulator delivered over them (each request from its arrival to its answer).
import { parentPort, Worker } from 'node:worker_threads';

import { startGraphEmulator } from '../../test/support/graph-emulator/index.ts';

/** What the benchmark asks the emulator; `change`: half renames (data only), half disabled users (a seat is freed). */
export type EmulatorRequest = { op: 'latency'; ms: number } | { op: 'change'; count: number } | { op: 'requests' } | { op: 'close' };
type Command = EmulatorRequest & { id: number };

export interface RequestCount {
  readonly requests: number;
  readonly latencyMs: number;
  /** The Graph requests that began a listing (no `$skiptoken`), as path and query, in order. */
  readonly starts: readonly string[];
}

export interface EmulatorSetup {
  readonly graphUrl: string;
  readonly loginUrl: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly caPem: string;
}

export interface EmulatorHandle {
  readonly setup: EmulatorSetup;
  send(request: EmulatorRequest): Promise<RequestCount>;
}

const SECRET = 'bench';

/** Worker side: `users` users, every tenth an employeeType Contractor. */
export async function serveEmulator(users: number): Promise<void> {
  const emulator = await startGraphEmulator();
  const app = emulator.registerApp({ secret: SECRET });
  const ids = emulator.directory.addUsers(users, (i) => ({
    userPrincipalName: `user${i}@bench.test`, mail: `user${i}@bench.test`, displayName: `User ${i}`, givenName: 'User', surname: String(i),
    employeeType: i % 10 === 0 ? 'Contractor' : 'Employee',
  }));
  let changed = 0;
  const setup: EmulatorSetup = {
    graphUrl: emulator.graphUrl, loginUrl: emulator.loginUrl, tenantId: emulator.tenantId, clientId: app.clientId, clientSecret: SECRET, caPem: emulator.tls.caPem,
  };
  parentPort!.postMessage({ setup });
  parentPort!.on('message', (command: Command) => {
    if (command.op === 'latency') emulator.faults.set({ pageLatencyMs: command.ms });
    if (command.op === 'change') {
      // Different users each time (stride 7 through the directory), so every delta has `count` changes.
      for (let i = 0; i < command.count; i += 1, changed += 1) {
        const id = ids[(changed * 7) % ids.length]!;
        emulator.directory.updateUser(id, i % 2 === 0 ? { displayName: `Changed ${changed}` } : { accountEnabled: false });
      }
    }
    if (command.op === 'close') void emulator.close().then(() => parentPort!.close());
    const graph = emulator.graphRequests();
    const latencyMs = graph.reduce((sum, r) => sum + (r.answeredMs === null ? 0 : r.answeredMs - r.receivedMs), 0);
    const starts = graph.filter((r) => !r.query.has('$skiptoken')).map((r) => `${r.path}?${r.query.toString()}`);
    parentPort!.postMessage({ id: command.id, count: { requests: graph.length, latencyMs, starts } satisfies RequestCount });
  });
}

/** Main side: starts `script` (which calls `serveEmulator` when not on the main thread) as the worker. */
export async function startEmulatorWorker(script: URL): Promise<EmulatorHandle> {
  const worker = new Worker(script);
  const pending = new Map<number, (count: RequestCount) => void>();
  let nextId = 0;
  const setup = await new Promise<EmulatorSetup>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: { setup?: EmulatorSetup; id?: number; count?: RequestCount }) => {
      if (message.setup) resolve(message.setup);
      else pending.get(message.id!)?.(message.count!);
    });
  });
  const send = (request: EmulatorRequest): Promise<RequestCount> =>
    new Promise((resolve) => {
      const id = (nextId += 1);
      pending.set(id, resolve);
      worker.postMessage({ ...request, id } satisfies Command);
    });
  return { setup, send };
}
