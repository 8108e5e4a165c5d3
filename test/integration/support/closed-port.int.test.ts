// The port the "nobody answers" tests connect to (test/support/closed-port.ts): a connection to it is
// refused. That it lies below the ephemeral range, where no `listen(0)` of another test file can take it,
// the helper checks itself when it reads the range.
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../../support/closed-port.ts';

describe('closedPort', () => {
  it('is refused', async () => {
    const port = await closedPort();
    const socket = connect({ host: '127.0.0.1', port });
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
  });
});
