// A TCP port on 127.0.0.1 that nobody listens on, for the tests of "the server does not answer".
//
// Why not a port that was free a moment ago (`sparePort()`, ports.ts): such a port comes from the kernel's
// ephemeral range (Linux `net.ipv4.ip_local_port_range`, 32768-60999 by default), from which every
// `listen(0)` of another test file's worker and every outgoing connection takes its port. It can be taken between the
// check and the test's connect, and the refusal the test expects becomes an answer, a TLS or protocol
// error, or a timeout. Node cannot keep a TCP port bound without listening on it, so nothing can reserve
// one. Port 1 (tcpmux, unused in practice) lies below the ephemeral range and below 1024: the kernel
// never hands it to a `listen(0)` or to an outgoing connection, and no test binds it by number. It is
// checked once per test file: a connection must be refused, and the port must lie below the ephemeral
// range where the kernel says what that range is; otherwise the helper fails and says why.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const HOST = '127.0.0.1';
const CLOSED_PORT = 1;

let checked: Promise<number> | null = null;

/** A port on 127.0.0.1 that refuses connections, checked at the first call. */
export function closedPort(): Promise<number> {
  checked ??= (async () => {
    belowEphemeralRange(CLOSED_PORT);
    await refused(HOST, CLOSED_PORT);
    return CLOSED_PORT;
  })();
  return checked;
}

function belowEphemeralRange(port: number): void {
  let range: string;
  try {
    range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  } catch {
    return; // not Linux: the connect check alone
  }
  const low = Number(range.trim().split(/\s+/)[0]);
  if (Number.isInteger(low) && port >= low) throw new Error(`port ${port} lies in the ephemeral port range (${range.trim()}): another process may take it`);
}

function refused(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      reject(new Error(`${host}:${port} accepts connections: the tests that need a port nobody listens on cannot use it`));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') resolve();
      else reject(new Error(`connecting to ${host}:${port} failed with ${error.code ?? error.message}, not a refusal`, { cause: error }));
    });
  });
}
