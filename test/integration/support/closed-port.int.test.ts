// The port the "nobody answers" tests connect to (test/support/closed-port.ts): refused, and never the
// port of a server that listens on any free port meanwhile.
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../support/closed-port.ts';

describe('closedPort', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
  });

  it('is refused, also while other servers take free ports, none of which is it', async () => {
    const port = await closedPort();
    for (let i = 0; i < 100; i += 1) {
      const server = createServer().listen(0, '127.0.0.1');
      servers.push(server);
      await once(server, 'listening');
    }
    expect(servers.map((s) => (s.address() as AddressInfo).port)).not.toContain(port);
    const socket = connect({ host: '127.0.0.1', port });
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
    expect(await closedPort()).toBe(port);
  });
});
