// The ports of the servers a test starts.
//
// A port found free (`sparePort`) is free only at that moment: another test file's server, worker or
// outgoing connection may take it before the server binds it (the kernel hands out its ephemeral ports to
// every `listen(0)` and `connect` on the machine). Nothing can reserve it meanwhile, so:
// - seatsync itself listens on `http.port: 0` and says where (worker-fixtures.ts: the `url` of its start line);
// - a server that must be told its port (slapd, redis-server, postgres) is started through
//   `retryOnPortTaken`, which starts it again on new ports when it could not bind the ones it was given,
//   and a server started again on its old port (after a test stopped it) waits while that port is held;
// - its start counts only once the server itself says it bound them (`serverReady`): a port that answers
//   may be answered by the process that took it.
// A port that must stay closed comes from closed-port.ts.
import type { ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';

/** The server could not bind its port: something else took it after it was found free. */
export class PortTakenError extends Error {
  constructor(what: string, output: string) {
    super(`${what}: its port was taken before it could bind it:\n${output}`);
    this.name = 'PortTakenError';
  }
}

/** A port free on `host` (and on each of `alsoOn`) now; only for a server started through `retryOnPortTaken`. */
export async function sparePort(host = '127.0.0.1', alsoOn: readonly string[] = []): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await listenOnce(host, 0);
    if (port === null) continue;
    const others = await Promise.all(alsoOn.map((other) => listenOnce(other, port)));
    if (others.every((result) => result !== null)) return port;
  }
  throw new Error(`no free port on ${[host, ...alsoOn].join(', ')}`);
}

/** Listens on host:port and closes again; the port, or null when it was taken. */
export function listenOnce(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * Runs `start` (which picks its ports, or reuses fixed ones) until it does not fail with
 * PortTakenError, at most `attempts` times, `pauseMs` apart; another error fails at once.
 */
export async function retryOnPortTaken<T>(start: () => Promise<T>, options: { attempts?: number; pauseMs?: number } = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= attempts) throw error;
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  }
}

/** For a server started again on the port it had (the one its clients were given): wait while another process holds it. */
export const SAME_PORT = { attempts: 50, pauseMs: 200 } as const;

/**
 * `server.listen` on host:port (0: a port the system picks) in this process; resolves with the port,
 * rejects with PortTakenError when the port is in use.
 */
export function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(error.code === 'EADDRINUSE' ? new PortTakenError(`a server on ${host}:${port}`, error.message) : error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** How a server's output says that it bound its ports, or that one was taken. */
export interface ServerSigns {
  /** Printed once its ports are bound (and, for most servers, listened on). */
  readonly ready: RegExp;
  /** Printed when a bind failed because the address is in use. */
  readonly taken: RegExp;
}

/**
 * Resolves once the child's output matches `signs.ready`. Rejects with PortTakenError when the child
 * exits after printing `signs.taken`, with an Error naming its output when it exits otherwise or when
 * `timeoutMs` passes.
 */
export function serverReady(child: ChildProcess & { output: () => string }, signs: ServerSigns, timeoutMs: number): Promise<void> {
  const what = child.spawnfile;
  return untilChild(child, () => signs.ready.test(child.output()), {
    timeoutMs,
    failed: (exited) =>
      signs.taken.test(child.output()) ? new PortTakenError(what, child.output()) : new Error(`${what} ${exited} before it was ready:\n${child.output()}`),
    late: () => new Error(`${what} not ready within ${timeoutMs} ms:\n${child.output()}`),
  });
}

/**
 * Polls `probe` (every 10 ms at first, then every 100 ms) until it is true. Rejects with `failed` once
 * the child has exited and its output has ended ('close', after the last of the output, which says why),
 * and with `late` once `timeoutMs` has passed.
 */
export async function untilChild(
  child: ChildProcess,
  probe: () => boolean | Promise<boolean>,
  o: { timeoutMs: number; failed: (exited: string) => Error; late: () => Error },
): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let exited: string | null = null;
  const onClose = (code: number | null, signal: string | null): void => {
    exited = `exited (${code ?? signal})`;
  };
  child.once('close', onClose);
  try {
    for (let delayMs = 10; ; delayMs = Math.min(delayMs * 2, 100)) {
      if (await probe()) return;
      if (exited !== null) throw o.failed(exited);
      if (Date.now() > deadline) throw o.late();
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  } finally {
    child.off('close', onClose);
  }
}
