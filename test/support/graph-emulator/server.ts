// The Graph emulator: one HTTPS server on 127.0.0.1 (random port) that plays both Entra (login) and
// Microsoft Graph. Login is reached as https://localhost:PORT and Graph as https://127.0.0.1:PORT, so a
// client that mixes up the two hosts fails as it would against the real clouds.
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { AuthEndpoints, type AppRegistration } from './auth-endpoints.ts';
import { GraphDirectory } from './directory.ts';
import { Faults, type RequestRecord } from './faults.ts';
import { GraphRouter } from './graph-router.ts';
import { sendJson } from './http-util.ts';
import type { SentMail } from './mail-endpoint.ts';
import { graphErrorBody } from './odata.ts';
import { createEmulatorTls, type EmulatorTls } from './tls.ts';

export interface GraphEmulatorOptions {
  /** Default: a random GUID. */
  readonly tenantId?: string;
  /** Reuse certificates (e.g. a shared test CA); default: a fresh CA for this emulator. */
  readonly tls?: EmulatorTls;
}

export interface GraphEmulator {
  readonly tenantId: string;
  /** Graph base URL (`cloud.graph`), e.g. `https://127.0.0.1:43123`. */
  readonly graphUrl: string;
  /** Login base URL (`cloud.login`), e.g. `https://localhost:43123`. */
  readonly loginUrl: string;
  readonly tls: EmulatorTls;
  readonly directory: GraphDirectory;
  readonly faults: Faults;
  /** Every request received, in order. */
  readonly requests: RequestRecord[];
  /** Messages accepted by sendMail. */
  readonly outbox: SentMail[];
  registerApp(init: { clientId?: string; secret?: string; certificatePem?: string; roles?: readonly string[] }): AppRegistration;
  /** Expires every delta token handed out so far: their next use gets 410 Gone (`syncStateNotFound`). */
  expireDeltaTokens(): void;
  /** Entries per users/delta page (default 200). */
  setDeltaPageSize(size: number): void;
  /** Graph requests whose path matches, e.g. `graphRequests(/\/users\/delta$/)`. */
  graphRequests(path?: RegExp): RequestRecord[];
  /** Resolves once `count` requests (seen so far included) match; rejects after `timeoutMs` (default 5000). */
  waitForRequests(match: (record: RequestRecord) => boolean, count: number, timeoutMs?: number): Promise<void>;
  /** Stops the server; removes its certificate folder unless `tls` was given. */
  close(): Promise<void>;
}

export async function startGraphEmulator(options: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const ownTls = options.tls === undefined;
  const tls = options.tls ?? (await createEmulatorTls());
  const tenantId = (options.tenantId ?? randomUUID()).toLowerCase();
  let port = 0;
  const loginOrigin = (): string => `https://localhost:${port}`;
  const graphOrigin = (): string => `https://127.0.0.1:${port}`;
  const directory = new GraphDirectory();
  const faults = new Faults();
  const requests: RequestRecord[] = [];
  const outbox: SentMail[] = [];
  const waiters = new Set<() => void>();
  const auth = new AuthEndpoints({ tenantId, origin: loginOrigin, resource: graphOrigin });
  const router = new GraphRouter({ directory, auth, faults, outbox, origin: graphOrigin });

  const server: Server = createServer({ key: tls.serverKeyPem, cert: tls.serverCertPem }, (req, res) => {
    const url = new URL(req.url ?? '/', graphOrigin());
    const record: RequestRecord = { area: url.pathname.startsWith('/v1.0/') ? 'graph' : 'auth', method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, status: 0, receivedMs: performance.now(), answeredMs: null, completedMs: null };
    res.once('finish', () => (record.completedMs = performance.now()));
    requests.push(record);
    for (const wake of waiters) wake();
    void (async () => {
      const graphStatus = await router.handle(req, res, url);
      if (graphStatus !== null) {
        record.status = graphStatus;
        record.answeredMs = performance.now();
        return;
      }
      if (await auth.handle(req, res, url)) {
        record.status = res.statusCode;
        return;
      }
      sendJson(res, 404, graphErrorBody('NotFound', `No emulated endpoint at ${url.pathname}`));
      record.status = 404;
    })().catch((error: unknown) => {
      record.status = 500;
      if (!res.headersSent) sendJson(res, 500, graphErrorBody('InternalServerError', String(error)));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    tenantId,
    graphUrl: graphOrigin(),
    loginUrl: loginOrigin(),
    tls,
    directory,
    faults,
    requests,
    outbox,
    registerApp: (init) => auth.registerApp(init),
    expireDeltaTokens: () => {
      router.deltaEpoch += 1;
    },
    setDeltaPageSize: (size) => {
      router.deltaPageSize = size;
    },
    graphRequests: (path) => requests.filter((r) => r.area === 'graph' && (!path || path.test(r.path))),
    waitForRequests: (match, count, timeoutMs = 5000) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (requests.filter(match).length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} matching requests within ${timeoutMs} ms, saw ${requests.filter(match).length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Certificates it made itself (and client certificates tests put beside them) go with it.
      if (ownTls) rmSync(tls.dir, { recursive: true, force: true });
    },
  };
}
