// A SCIM 2.0 application for tests, built on the `scimmy` library (its User and Group resources, filter
// and PATCH handling) over HTTPS with a test CA, with an in-memory store (scim-store.ts). It can throttle
// (429 with Retry-After), go down and come back on the same port, and counts the requests it answered.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import SCIMMY from 'scimmy';
import { listenOn, retryOnPortTaken, SAME_PORT } from '../ports.ts';
import { ScimStore } from './scim-store.ts';
import type { TestCa } from '../test-ca.ts';

export const SCIM_TOKEN = 'scim-test-token-3f9a1c';
/** OAuth client credentials its token endpoint (`/oauth/token`) accepts; they yield `OAUTH_ACCESS_TOKEN`. */
export const OAUTH_CLIENT = { clientId: 'seatsync', clientSecret: 'oauth-client-secret-81d2' } as const;
const OAUTH_ACCESS_TOKEN = 'oauth-access-token-5c7e';
const BASE = '/scim/v2';

type Ctx = ScimStore;
let declared = false;

const notFound = (id: unknown): Error => new SCIMMY.Types.Error(404, '', `Resource ${String(id)} not found`);

interface Handlers {
  readonly write: (ctx: Ctx, id: string | undefined, data: Record<string, unknown>) => Record<string, unknown>;
  readonly one: (ctx: Ctx, id: string) => Record<string, unknown> | undefined;
  readonly all: (ctx: Ctx) => Record<string, unknown>[];
  readonly remove: (ctx: Ctx, id: string) => void;
}

/** The ingress/egress/degress of one resource type over the store; typed loosely for scimmy's generics. */
function declareOne(resource: typeof SCIMMY.Resources.User | typeof SCIMMY.Resources.Group, handlers: Handlers): void {
  type Any = never;
  const r = resource as unknown as {
    ingress(h: Any): typeof r;
    egress(h: Any): typeof r;
    degress(h: Any): typeof r;
  };
  r.ingress(((res: { id?: string }, data: unknown, ctx: Ctx) => handlers.write(ctx, res.id, JSON.parse(JSON.stringify(data)) as Record<string, unknown>)) as Any)
    .egress(((res: { id?: string; filter?: { match(v: unknown[]): unknown[] } }, ctx: Ctx) => {
      if (res.id) return handlers.one(ctx, res.id) ?? (() => { throw notFound(res.id); })();
      const all = handlers.all(ctx);
      return res.filter ? res.filter.match(all) : all;
    }) as Any)
    .degress(((res: { id?: string }, ctx: Ctx) => handlers.remove(ctx, String(res.id))) as Any);
  SCIMMY.Resources.declare(resource);
}

/** scimmy's resource registry is one per process: its handlers find their store in the request context. */
function declareResources(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Config.set({ patch: true, filter: { supported: true, maxResults: 1000 }, sort: false, bulk: false, etag: false, changePassword: false });
  declareOne(SCIMMY.Resources.User, {
    write: (ctx, id, data) => ctx.userOut(ctx.writeUser(id, data)),
    one: (ctx, id) => {
      const user = ctx.users.get(id);
      return user && ctx.userOut(user);
    },
    all: (ctx) => [...ctx.users.values()].map((u) => ctx.userOut(u)),
    remove: (ctx, id) => ctx.deleteUser(id),
  });
  declareOne(SCIMMY.Resources.Group, {
    write: (ctx, id, data) => ctx.groupOut(ctx.writeGroup(id, data)),
    one: (ctx, id) => {
      const group = ctx.groups.get(id);
      return group && ctx.groupOut(group);
    },
    all: (ctx) => [...ctx.groups.values()].map((g) => ctx.groupOut(g)),
    remove: (ctx, id) => {
      if (!ctx.groups.delete(id)) throw notFound(id);
    },
  });
}

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export class TestScimServer {
  readonly store = new ScimStore();
  readonly requests: RequestRecord[] = [];
  readonly #server: https.Server;
  readonly #sockets = new Set<Duplex>();
  #port = 0;
  #throttle: { remaining: number; retryAfterSeconds: number } | null = null;
  #failNext: { remaining: number; status: number } | null = null;

  private constructor(tls: { cert: string; key: string }) {
    this.#server = https.createServer(tls, (req, res) => void this.#handle(req, res));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(ca: TestCa): Promise<TestScimServer> {
    declareResources();
    const cert = await ca.issue({ name: 'scim', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const server = new TestScimServer({ cert: readFileSync(cert.certPath, 'utf8'), key: readFileSync(cert.keyPath, 'utf8') });
    await server.up();
    return server;
  }

  get url(): string {
    return `https://127.0.0.1:${this.#port}${BASE}`;
  }

  get tokenUrl(): string {
    return `https://127.0.0.1:${this.#port}/oauth/token`;
  }

  /** Listens (again, on the same port after `down`, waiting while another process holds it). */
  async up(): Promise<void> {
    this.#port = await retryOnPortTaken(() => listenOn(this.#server, this.#port, '127.0.0.1'), SAME_PORT);
  }

  /** Stops listening and cuts open connections: the application is unreachable. */
  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  /** The next `count` requests get 429 with `Retry-After: retryAfterSeconds`. */
  throttle(count: number, retryAfterSeconds: number): void {
    this.#throttle = { remaining: count, retryAfterSeconds };
  }

  /** Requests answered with this method and path prefix (`POST`, `/Users`). */
  count(method: string, pathPrefix: string): number {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix) && r.status < 300).length;
  }

  async close(): Promise<void> {
    if (this.#server.listening) await this.down();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) : url.pathname;
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      this.requests.push({ method: req.method ?? '?', path, status });
      res.writeHead(status, { 'content-type': 'application/scim+json', ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (this.#throttle !== null && this.#throttle.remaining > 0) {
      this.#throttle.remaining -= 1;
      send(429, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '429', detail: 'slow down' }, { 'retry-after': String(this.#throttle.retryAfterSeconds) });
      return;
    }
    if (this.#failNext !== null && this.#failNext.remaining > 0) {
      this.#failNext.remaining -= 1;
      send(this.#failNext.status);
      return;
    }
    if (path === '/oauth/token' && req.method === 'POST') {
      const form = new URLSearchParams(await readText(req));
      const good = form.get('grant_type') === 'client_credentials' && form.get('client_id') === OAUTH_CLIENT.clientId && form.get('client_secret') === OAUTH_CLIENT.clientSecret;
      if (good) send(200, { access_token: OAUTH_ACCESS_TOKEN, token_type: 'Bearer', expires_in: 3600 });
      else send(401, { error: 'invalid_client' });
      return;
    }
    if (req.headers.authorization !== `Bearer ${SCIM_TOKEN}` && req.headers.authorization !== `Bearer ${OAUTH_ACCESS_TOKEN}`) {
      send(401, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401', detail: 'bad token' });
      return;
    }
    try {
      const body = await readBody(req);
      const result = await this.#route(req.method ?? 'GET', path, url.searchParams, body);
      send(result.status, result.body);
    } catch (error) {
      const scimError = error instanceof SCIMMY.Types.Error ? error : new SCIMMY.Types.Error(500, '', (error as Error).message);
      send(scimError.status, new SCIMMY.Messages.ErrorResponse(scimError));
    }
  }

  async #route(method: string, path: string, query: URLSearchParams, body: unknown): Promise<{ status: number; body?: unknown }> {
    if (path === '/ServiceProviderConfig' && method === 'GET') return { status: 200, body: await new SCIMMY.Resources.ServiceProviderConfig().read() };
    const match = /^\/(Users|Groups)(?:\/([^/]+))?$/.exec(path);
    if (match === null) throw new SCIMMY.Types.Error(404, '', `no endpoint ${path}`);
    const Resource = match[1] === 'Users' ? SCIMMY.Resources.User : SCIMMY.Resources.Group;
    const id = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    const params = {
      ...(query.get('filter') ? { filter: query.get('filter') as string } : {}),
      ...(query.get('attributes') ? { attributes: query.get('attributes') as string } : {}),
      ...(query.get('startIndex') ? { startIndex: Number(query.get('startIndex')) } : {}),
      ...(query.get('count') ? { count: Number(query.get('count')) } : {}),
    };
    const resource = id === undefined ? new Resource(params as never) : new Resource(id, params);
    switch (method) {
      case 'GET':
        return { status: 200, body: await resource.read(this.store) };
      case 'POST':
        return { status: 201, body: await resource.write(body, this.store) };
      case 'PUT':
        return { status: 200, body: await resource.write(body, this.store) };
      case 'PATCH': {
        const patched = await resource.patch(body as never, this.store);
        return patched === undefined ? { status: 204 } : { status: 200, body: patched };
      }
      case 'DELETE':
        await resource.dispose(this.store);
        return { status: 204 };
      default:
        throw new SCIMMY.Types.Error(405, '', `${method} not allowed`);
    }
  }
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const text = await readText(req);
  return text === '' ? undefined : JSON.parse(text);
}
