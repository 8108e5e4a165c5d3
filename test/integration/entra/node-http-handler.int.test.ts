// The Graph client's transport (node:https in place of fetch) against a real local HTTP server: what
// fetch did for the source must still hold (decoding, bodies, aborts, silent connections, cut bodies),
// and on random exchanges it must give what the client's own fetch handler gives.
import { HTTPMessageHandler, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import fc from 'fast-check';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpHandler } from '../../../src/sources/entra/node-http-handler.ts';
import { closedPort } from '../../support/closed-port.ts';

interface Seen { method: string; headers: IncomingMessage['headers']; body: string }

describe('entra source: the HTTP transport of the Graph client', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  let handle: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        handle(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const run = async (context: Partial<Context>, handler: Middleware = new NodeHttpHandler()): Promise<Response> => {
    const full: Context = { request: `${base}/v1.0/users`, options: { method: 'GET' }, ...context };
    await handler.execute(full);
    return full.response!;
  };

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('asks for compressed bodies and decodes %s', async (encoding, compress) => {
    const page = JSON.stringify({ value: Array.from({ length: 500 }, (_, i) => ({ id: `user-${i}` })) });
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
      res.end(compress(Buffer.from(page)));
    };
    const response = await run({});
    expect(seen.at(-1)?.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe(page);
  });

  it('sends the method, the headers and the body it is given, and keeps repeated response headers', async () => {
    handle = (_req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(202, 'Accepted', { 'request-id': 'r-1' });
      res.end('{"ok":true}');
    };
    const response = await run({
      request: `${base}/v1.0/users/u1/sendMail?x=1`,
      options: { method: 'post', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer t' }, body: '{"message":"é"}' },
    });
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', body: '{"message":"é"}' });
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer t', 'content-length': '16' });
    expect(response.status).toBe(202);
    expect(response.statusText).toBe('Accepted');
    expect(response.headers.get('request-id')).toBe('r-1');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('gives a response without a body for 204', async () => {
    handle = (_req, res) => {
      res.writeHead(204);
      res.end();
    };
    const response = await run({});
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('fails a request whose connection stays silent, with ETIMEDOUT', async () => {
    handle = () => undefined; // never answers
    const failure = await run({}, new NodeHttpHandler({ idleTimeoutMs: 150 })).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringMatching(/no data from 127\.0\.0\.1:\d+ for 150 ms/) });
  });

  it('cancels the request when its signal aborts, before the answer or while the body arrives', async () => {
    handle = () => undefined;
    const before = new AbortController();
    setTimeout(() => before.abort(new Error('stop now')), 50);
    await expect(run({ options: { method: 'GET', signal: before.signal } })).rejects.toThrow('stop now');

    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"value":[');
    };
    const during = new AbortController();
    const response = await run({ options: { method: 'GET', signal: during.signal } });
    const reading = response.text();
    during.abort(new Error('stop reading'));
    await expect(reading).rejects.toThrow('stop reading');
  });

  it('fails the body when the connection is cut before it is whole', async () => {
    handle = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"value":[', () => setTimeout(() => req.socket.destroy(), 20));
    };
    const response = await run({});
    await expect(response.text()).rejects.toThrow();
  });

  it('fails with the connection error code when nobody listens', async () => {
    await expect(run({ request: `http://127.0.0.1:${await closedPort()}/v1.0/users` })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('gives what the Graph client\'s fetch handler gives, on random requests and responses', async () => {
    const token = fc.stringMatching(/^[!-~]([ -~]{0,20}[!-~])?$/);
    const exchange = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE'),
      requestHeaders: fc.dictionary(fc.stringMatching(/^x-[a-z0-9]{1,8}$/), token, { maxKeys: 3 }),
      requestBody: fc.option(fc.string({ unit: 'grapheme', maxLength: 200 })),
      status: fc.constantFrom(200, 201, 202, 204, 400, 401, 404, 429, 500, 503),
      responseHeaders: fc.dictionary(fc.stringMatching(/^x-[a-z0-9]{1,8}$/), token, { maxKeys: 3 }),
      responseBody: fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.from(bytes)),
      encoding: fc.constantFrom('identity', 'gzip', 'deflate', 'br'),
    });
    const compress = { identity: (b: Buffer) => b, gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
    await fc.assert(
      fc.asyncProperty(exchange, async (x) => {
        handle = (_req, res) => {
          res.writeHead(x.status, { ...x.responseHeaders, 'content-type': 'application/octet-stream', ...(x.encoding === 'identity' ? {} : { 'content-encoding': x.encoding }) });
          res.end(x.status === 204 ? undefined : compress[x.encoding](x.responseBody));
        };
        const outcome = async (handler: Middleware) => {
          const sent = seen.length;
          const hasBody = x.requestBody !== null && x.method !== 'GET';
          const response = await run({ options: { method: x.method, headers: x.requestHeaders, ...(hasBody ? { body: x.requestBody } : {}) } }, handler);
          const request = seen[sent]!;
          const headers = Object.fromEntries(Object.keys(x.responseHeaders).map((name) => [name, response.headers.get(name)]));
          return {
            received: { method: request.method, body: request.body, headers: Object.fromEntries(Object.keys(x.requestHeaders).map((name) => [name, request.headers[name]])) },
            status: response.status,
            ok: response.ok,
            headers,
            contentType: response.headers.get('content-type'),
            body: Buffer.from(await response.arrayBuffer()),
          };
        };
        expect(await outcome(new NodeHttpHandler())).toEqual(await outcome(new HTTPMessageHandler()));
      }),
      { numRuns: 150 },
    );
  });
});
