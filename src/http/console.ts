// The admin console at `/` (the page `http.publicUrl` links to in emails). Its files are built by
// `npm run build` (web/build.ts) into dist/web/ and served from memory; the page holds no data: it
// asks for an API token (kept in the tab's sessionStorage) and reads and writes through `/api/v1`, so
// the API's auth and roles apply unchanged. No inline script or style: the CSP allows only this origin.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sendError } from './errors.ts';

const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
  "form-action 'none'", "frame-ancestors 'none'", "base-uri 'none'",
].join('; ');

const ASSETS: Readonly<Record<string, string>> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.js.map': 'application/json; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};

/**
 * Where the built files are: dist/web/ of a source checkout (this file in src/http/), or the web/
 * folder beside the compiled code (this file in dist/src/http/, as in the container image).
 */
export function consoleDir(): string | null {
  for (const relative of ['../../dist/web/', '../../web/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}index.html`) && existsSync(`${dir}console.js`)) return dir;
  }
  return null;
}

function secured(reply: FastifyReply): FastifyReply {
  return reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
}

export function registerConsole(app: FastifyInstance): void {
  const files = new Map<string, Buffer>();
  // Read once, on first use: the files do not change while the worker runs (a new build comes with a restart).
  const file = (name: string): Buffer | null => {
    if (!files.has(name)) {
      const dir = consoleDir();
      if (dir === null) return null;
      files.set(name, readFileSync(`${dir}${name}`));
    }
    return files.get(name) ?? null;
  };
  const notBuilt = (reply: FastifyReply) =>
    sendError(reply, 503, 'unavailable', 'the console is not built: run `npm run build` (the container image has it); the API under /api/v1 works without it');

  app.get('/', async (_request, reply) => {
    const page = file('index.html');
    if (page === null) return notBuilt(reply);
    return secured(reply).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
  });

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const type = ASSETS[request.params.name];
    if (type === undefined) return sendError(reply, 404, 'not-found', `no asset ${request.params.name}`);
    const body = file(request.params.name);
    if (body === null) return notBuilt(reply);
    // Revalidated on every load: a new version of seatsync must not run an old console.
    return secured(reply).type(type).header('cache-control', 'no-cache').send(body);
  });
}
