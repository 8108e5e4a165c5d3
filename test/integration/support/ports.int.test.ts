// The servers the tests start on spare ports (test/support/ports.ts): a server whose port another
// process took is not taken for started, though the port answers, and is started again: on new ports at
// the first start, on the same port (once it is free) at a restart, in another process or in this one.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { canConnect, SLAPD_SIGNS, spawnLogged, stopProcess } from '../../support/openldap.ts';
import { listenOn, PortTakenError, retryOnPortTaken, serverReady, sparePort, type ServerSigns } from '../../support/ports.ts';
import { startPrivatePostgres } from '../../support/private-postgres.ts';
import { REDIS_SIGNS, startPrivateRedis } from '../../support/private-redis.ts';
import { TestSmtpServer } from '../../support/smtp-server.ts';

/** Another process's listener on 127.0.0.1:port (the one that took it). */
async function holdPort(port: number): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, resolve);
  });
  return server;
}

const release = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** Stops a server, takes its port, starts it again: it must not be up before the port is given back. */
async function expectRestartToWait(server: { stop(): Promise<void>; start(): Promise<void> }, port: number): Promise<void> {
  await server.stop();
  const held = await holdPort(port);
  let started = false;
  const starting = server.start().then(() => {
    started = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(started).toBe(false);
  await release(held);
  await starting;
}

/** Starts `command` on a port held by another listener: serverReady must say the port was taken. */
async function expectPortTaken(command: string, args: (port: number) => string[], signs: ServerSigns): Promise<void> {
  const port = await sparePort();
  const held = await holdPort(port);
  const child = spawnLogged(command, args(port));
  try {
    expect(await canConnect('127.0.0.1', port)).toBe(true);
    await expect(serverReady(child, signs, 15_000)).rejects.toBeInstanceOf(PortTakenError);
  } finally {
    await stopProcess(child, 'SIGKILL');
    await release(held);
  }
}

describe('retryOnPortTaken', () => {
  it('starts again while the port was taken, and gives up after the attempts', async () => {
    let calls = 0;
    expect(await retryOnPortTaken(async () => (++calls < 3 ? Promise.reject(new PortTakenError('server', '')) : 'up'))).toBe('up');
    expect(calls).toBe(3);
    calls = 0;
    await expect(retryOnPortTaken(async () => (++calls, Promise.reject(new PortTakenError('server', ''))), { attempts: 2 })).rejects.toBeInstanceOf(PortTakenError);
    expect(calls).toBe(2);
  });

  it('does not start again after another error', async () => {
    let calls = 0;
    await expect(retryOnPortTaken(async () => (++calls, Promise.reject(new Error('bad config'))))).rejects.toThrow('bad config');
    expect(calls).toBe(1);
  });
});

describe('a server whose port was taken before it bound it', () => {
  it('redis-server: the port taken, not started', async () => {
    await expectPortTaken('redis-server', (port) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], REDIS_SIGNS);
  });

  it('slapd: the port taken, not started', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seatsync-ports-slapd-'));
    try {
      await mkdir(join(dir, 'data'));
      const conf = join(dir, 'slapd.conf');
      await writeFile(
        conf,
        [
          'include /etc/ldap/schema/core.schema',
          `pidfile ${dir}/slapd.pid`,
          `argsfile ${dir}/slapd.args`,
          'modulepath /usr/lib/ldap',
          'moduleload back_mdb',
          'database mdb',
          'suffix "dc=example,dc=test"',
          `directory ${dir}/data`,
          '',
        ].join('\n'),
      );
      await expectPortTaken('/usr/sbin/slapd', (port) => ['-f', conf, '-h', `ldap://127.0.0.1:${port}/`, '-d', 'none'], SLAPD_SIGNS);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a private Redis restarted on its port waits until the port is free again', async () => {
    const server = await startPrivateRedis();
    try {
      await expectRestartToWait({ stop: () => server.crash(), start: () => server.start() }, Number(new URL(server.url).port));
      const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
      try {
        expect(await redis.ping()).toBe('PONG');
      } finally {
        redis.disconnect();
      }
    } finally {
      await server.stop();
    }
  });

  it('a server in this process listening again on its port (the SMTP server) waits until the port is free again', async () => {
    const smtp = await TestSmtpServer.start({ tls: 'none' });
    try {
      await expect(listenOn(createServer(), smtp.port, smtp.host)).rejects.toBeInstanceOf(PortTakenError);
      await expectRestartToWait(smtp, smtp.port);
      expect(await canConnect(smtp.host, smtp.port)).toBe(true);
    } finally {
      await smtp.close();
    }
  });

  it('a private PostgreSQL restarted on its port waits until the port is free again', async () => {
    const server = await startPrivatePostgres();
    try {
      await expectRestartToWait({ stop: () => server.crash(), start: () => server.start() }, server.port);
      const client = new pg.Client(server.url);
      await client.connect();
      try {
        expect((await client.query<{ n: number }>('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
      } finally {
        await client.end();
      }
    } finally {
      await server.close();
    }
  }, 120_000);
});
