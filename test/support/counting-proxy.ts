// A TCP proxy in front of a server that counts the connections made through it: how many a client
// opened, and how many are still open; that lists the LDAP searches a client sent in the clear; and that
// drops a connection on demand, as a server or a network device does (an idle timeout that meets a
// request, a reset mid-answer). Bytes pass through untouched, so TLS is between the client and the
// server (its searches are not listed); listening on the server's own address keeps a certificate issued
// for that IP valid. LDAP messages are read by the source's own BER reader (search-response.ts).
import { connect, createServer, type Server, type Socket } from 'node:net';

import { BerCursor, BerError, pagedCookieOf, readControls, readInteger, TAG } from '../../src/sources/ldap/search-response.ts';

/** An LDAP SearchRequest (RFC 4511 §4.5.1) as a client sent it. */
export interface SearchSeen {
  readonly baseDn: string;
  readonly scope: 'base' | 'one' | 'sub';
  /** A search's first request: no paged-results cookie (the request for a next page carries one). */
  readonly first: boolean;
}

export interface CountingProxy {
  readonly port: number;
  /** Connections accepted since the proxy started. */
  opened(): number;
  /** Connections whose client side has not closed yet. */
  open(): number;
  /** The searches sent through the proxy in the clear, in the order they were sent. */
  searches(): readonly SearchSeen[];
  /**
   * Drops the connection that next carries bytes in `direction`: `request`, the client's next bytes are
   * never delivered and the connection is closed (the server went away as the request was sent);
   * `response`, the first BER element (one LDAP message) of the server's next bytes is delivered, then
   * the connection is closed (gone after the first response to a request). With `search`, only client
   * bytes that carry a search it matches count as a request (read in the clear only).
   * Resolves once it has dropped one.
   */
  dropNext(direction: 'request' | 'response', search?: (search: SearchSeen) => boolean): Promise<void>;
  /** Resolves once no connection is open; rejects after `timeoutMs`. */
  allClosed(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCountingProxy(host: string, targetPort: number): Promise<CountingProxy> {
  let opened = 0;
  const live = new Set<Socket>();
  const searches: SearchSeen[] = [];
  let armed: { direction: 'request' | 'response'; search: ((search: SearchSeen) => boolean) | undefined; dropped: () => void } | null = null;
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
    const requests = ldapMessages();
    client.on('data', (chunk: Buffer) => {
      const sent = requests(chunk).flatMap((message) => searchOf(message) ?? []);
      const drop = armed?.direction === 'request' && (armed.search === undefined || sent.some(armed.search)) ? armed : null;
      if (drop === null) {
        searches.push(...sent);
        return void upstream.write(chunk);
      }
      armed = null;
      end();
      drop.dropped();
    });
    let cut = false;
    upstream.on('data', (chunk: Buffer) => {
      if (cut) return;
      if (armed?.direction !== 'response') return void client.write(chunk);
      const { dropped } = armed;
      armed = null;
      cut = true;
      // Delivered, then closed: the client reads these bytes before the end of the stream.
      client.end(chunk.subarray(0, elementLength(chunk) ?? chunk.length), () => {
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
    searches: () => [...searches],
    dropNext(direction, search) {
      return new Promise((resolve) => {
        armed = { direction, search, dropped: resolve };
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

/** The length of the BER element at the start of `bytes` (header and content); null when it is cut short. */
function elementLength(bytes: Buffer): number | null {
  try {
    return new BerCursor(bytes).open(null, bytes.length);
  } catch (error) {
    if (error instanceof BerError) return null;
    throw error;
  }
}

/**
 * Reads a connection's bytes, chunk by chunk: each call returns the LDAPMessages its chunk completed.
 * Bytes that are not one (TLS, after StartTLS or on LDAPS) end the reading of that connection.
 */
function ldapMessages(): (chunk: Buffer) => Buffer[] {
  let pending = Buffer.alloc(0);
  let readable = true;
  return (chunk) => {
    const messages: Buffer[] = [];
    if (!readable) return messages;
    pending = Buffer.concat([pending, chunk]);
    while (pending.length > 0) {
      if (pending[0] !== TAG.sequence) {
        readable = false;
        break;
      }
      const length = elementLength(pending);
      if (length === null) break; // the rest of the message is still on its way
      messages.push(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
    return messages;
  };
}

const SEARCH_REQUEST = 0x63;
const SCOPES = ['base', 'one', 'sub'] as const;

/** The search an LDAPMessage requests, or null for any other request. */
function searchOf(message: Buffer): SearchSeen | null {
  const cursor = new BerCursor(message);
  const end = cursor.open(TAG.sequence, message.length);
  readInteger(cursor, TAG.integer, end); // messageID
  const request = cursor.enter(null, end);
  if (request.tag !== SEARCH_REQUEST) return null;
  const baseDn = cursor.text(request.end);
  const scope = SCOPES[readInteger(cursor, TAG.enumerated, request.end)] ?? 'sub';
  cursor.pos = request.end;
  const controls = cursor.pos < end ? readControls(cursor, cursor.open(TAG.controls, end)) : [];
  return { baseDn, scope, first: pagedCookieOf(controls).length === 0 };
}
