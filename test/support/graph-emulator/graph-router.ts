// Dispatches `/v1.0/…` requests: injected faults first, then the bearer token and the app's permissions,
// then the endpoint, then the page latency.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import type { AuthEndpoints } from './auth-endpoints.ts';
import type { GraphDirectory } from './directory.ts';
import type { Faults } from './faults.ts';
import type { GraphContext, GraphResult } from './graph-context.ts';
import { getGroup, transitiveMembers } from './groups-endpoints.ts';
import { readBody, sendCut, sendEmpty, sendJson, sendText } from './http-util.ts';
import { sendMail, type SentMail } from './mail-endpoint.ts';
import { GraphHttpError, graphErrorBody } from './odata.ts';
import { countUsers, getUser, listUsers, usersDelta } from './users-endpoints.ts';

const READ_USERS = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const READ_MEMBERS = ['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const SEND_MAIL = ['Mail.Send'];

export interface GraphRouterDeps {
  readonly directory: GraphDirectory;
  readonly auth: AuthEndpoints;
  readonly faults: Faults;
  readonly outbox: SentMail[];
  readonly origin: () => string;
}

type Route = { readonly roles: readonly string[]; readonly run: (ctx: GraphContext, clientId: string, body: string) => GraphResult };

export class GraphRouter {
  /** Bumped to expire every delta token handed out so far. */
  deltaEpoch = 0;
  deltaPageSize = 200;
  private readonly deps: GraphRouterDeps;

  constructor(deps: GraphRouterDeps) {
    this.deps = deps;
  }

  /** Returns the status sent (0: connection dropped), or null when the path is not a Graph path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number | null> {
    if (!url.pathname.startsWith('/v1.0/')) return null;
    const body = req.method === 'POST' ? await readBody(req) : '';
    const fault = this.deps.faults.next();
    if (fault.kind === 'reset') {
      req.socket.destroy();
      return 0;
    }
    if (fault.kind === 'error') {
      const headers: Record<string, string> = fault.retryAfterSeconds === null ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
      sendJson(res, fault.status, graphErrorBody(fault.code, 'Too many requests. Please retry after the time in the Retry-After header.'), headers);
      return fault.status;
    }
    // The page latency is the time Graph takes to answer, counted from the request's arrival: the
    // emulator's own work (finding and serializing the page) happens within it, not on top of it.
    const arrivedMs = performance.now();
    try {
      const result = await this.execute(req, url, body);
      let json = result.text === undefined && result.body !== undefined ? Buffer.from(JSON.stringify(result.body)) : null;
      let headers = result.headers;
      if (json !== null && this.deps.faults.settings.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        json = gzipSync(json);
        headers = { ...headers, 'content-encoding': 'gzip' };
      }
      const waitMs = this.deps.faults.settings.pageLatencyMs - (performance.now() - arrivedMs);
      if (result.status < 300 && waitMs > 0) await sleep(waitMs);
      if (result.text !== undefined) sendText(res, result.status, result.text);
      else if (json !== null && fault.kind === 'cut') sendCut(res, result.status, json, headers);
      else if (json !== null) sendJson(res, result.status, json, headers, this.deps.faults.settings.bodyPauseMs);
      else sendEmpty(res, result.status, result.headers);
      return result.status;
    } catch (error) {
      if (!(error instanceof GraphHttpError)) throw error;
      sendJson(res, error.status, graphErrorBody(error.code, error.message), error.headers);
      return error.status;
    }
  }

  private async execute(req: IncomingMessage, url: URL, body: string): Promise<GraphResult> {
    const clientId = this.authenticate(req);
    const route = this.route(req.method ?? 'GET', url.pathname.slice('/v1.0/'.length).split('/').map(decodeURIComponent));
    const app = this.deps.auth.apps.get(clientId.toLowerCase());
    if (!app || !route.roles.some((role) => app.roles.has(role))) {
      throw route.roles === SEND_MAIL
        ? new GraphHttpError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.')
        : new GraphHttpError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    }
    const ctx: GraphContext = {
      directory: this.deps.directory,
      origin: this.deps.origin(),
      query: url.searchParams,
      headers: req.headers,
      deltaEpoch: this.deltaEpoch,
      deltaPageSize: this.deltaPageSize,
    };
    return route.run(ctx, clientId, body);
  }

  private authenticate(req: IncomingMessage): string {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/i.exec(header);
    if (!match) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const info = this.deps.auth.checkAccessToken(match[1]!);
    if (!info) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
    if (info.audience !== this.deps.origin()) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Invalid audience.');
    return info.clientId;
  }

  private route(method: string, parts: readonly string[]): Route {
    const [collection, id, ...rest] = parts;
    const tail = rest.join('/');
    if (method === 'GET' && collection === 'users') {
      if (id === undefined || id === '') return { roles: READ_USERS, run: (ctx) => listUsers(ctx) };
      if (id === '$count' && tail === '') return { roles: READ_USERS, run: (ctx) => countUsers(ctx) };
      if (/^(delta|microsoft\.graph\.delta(\(\))?)$/.test(id) && tail === '') return { roles: READ_USERS, run: (ctx) => usersDelta(ctx) };
      if (tail === '') return { roles: READ_USERS, run: (ctx) => getUser(ctx, id) };
    }
    if (method === 'POST' && collection === 'users' && id && tail === 'sendMail') {
      return { roles: SEND_MAIL, run: (ctx, clientId, body) => sendMail(ctx, id, clientId, body, this.deps.outbox) };
    }
    if (method === 'GET' && collection === 'groups' && id) {
      if (tail === '') return { roles: READ_MEMBERS, run: (ctx) => getGroup(ctx, id) };
      const members = /^transitiveMembers(\/microsoft\.graph\.user)?(\/\$count)?$/.exec(tail);
      if (members) {
        const options = { usersOnly: members[1] !== undefined, count: members[2] !== undefined };
        return { roles: READ_MEMBERS, run: (ctx) => transitiveMembers(ctx, id, options) };
      }
    }
    throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${parts.join('/')}'.`);
  }
}
