// A TCP proxy in front of a server that counts the connections made through it: how many a client
// opened, and how many are still open. Bytes pass through untouched, so TLS is between the client and
// the server; listening on the server's own address keeps a certificate issued for that IP valid.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CountingProxy {
  readonly port: number;
  /** Connections accepted since the proxy started. */
  opened(): number;
  /** Connections whose client side has not closed yet. */
  open(): number;
  /** Resolves once no connection is open; rejects after `timeoutMs`. */
  allClosed(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCountingProxy(host: string, targetPort: number): Promise<CountingProxy> {
  let opened = 0;
  const live = new Set<Socket>();
  const server: Server = createServer((client) => {
    opened += 1;
    live.add(client);
    const upstream = connect(targetPort, host);
    const end = (): void => {
      live.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    opened: () => opened,
    open: () => live.size,
    async allClosed(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (live.size > 0) {
        if (Date.now() > deadline) throw new Error(`${live.size} connection(s) still open after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      for (const socket of live) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
