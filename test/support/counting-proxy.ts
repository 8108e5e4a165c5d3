// A TCP proxy in front of a server that counts the connections made through it: how many a client
// opened, and how many are still open; and that drops a connection on demand, as a server or a network
// device does (an idle timeout that meets a request, a reset mid-answer). Bytes pass through untouched,
// so TLS is between the client and the server; listening on the server's own address keeps a
// certificate issued for that IP valid.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CountingProxy {
  readonly port: number;
  /** Connections accepted since the proxy started. */
  opened(): number;
  /** Connections whose client side has not closed yet. */
  open(): number;
  /**
   * Drops the connection that next carries bytes in `direction`: `request`, the client's next bytes are
   * never delivered and the connection is closed (the server went away as the request was sent);
   * `response`, the first BER element (one LDAP message) of the server's next bytes is delivered, then
   * the connection is closed (gone after the first response to a request).
   * Resolves once it has dropped one.
   */
  dropNext(direction: 'request' | 'response'): Promise<void>;
  /** Resolves once no connection is open; rejects after `timeoutMs`. */
  allClosed(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCountingProxy(host: string, targetPort: number): Promise<CountingProxy> {
  let opened = 0;
  const live = new Set<Socket>();
  let armed: { direction: 'request' | 'response'; dropped: () => void } | null = null;
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
    client.on('data', (chunk: Buffer) => {
      if (armed?.direction !== 'request') return void upstream.write(chunk);
      const { dropped } = armed;
      armed = null;
      end();
      dropped();
    });
    let cut = false;
    upstream.on('data', (chunk: Buffer) => {
      if (cut) return;
      if (armed?.direction !== 'response') return void client.write(chunk);
      const { dropped } = armed;
      armed = null;
      cut = true;
      // Delivered, then closed: the client reads these bytes before the end of the stream.
      client.end(chunk.subarray(0, firstElementLength(chunk)), () => {
        end();
        dropped();
      });
    });
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
    dropNext(direction) {
      return new Promise((resolve) => {
        armed = { direction, dropped: resolve };
      });
    },
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

/** The length of the BER element at the start of `chunk` (header and content); the whole chunk when it is cut short. */
function firstElementLength(chunk: Buffer): number {
  const first = chunk[1] ?? 0;
  if (first < 0x80) return Math.min(chunk.length, 2 + first);
  const bytes = first & 0x7f;
  let length = 0;
  for (let i = 0; i < bytes; i++) length = length * 256 + (chunk[2 + i] ?? 0);
  return Math.min(chunk.length, 2 + bytes + length);
}
