// Bearer tokens of `/api/v1`: the config holds their sha256 (hex), never the tokens. The presented
// token is hashed and compared with every configured hash in constant time, so neither the match nor
// its position leaks through timing. `read` tokens may only read; `admin` tokens may do everything.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { HttpToken } from '../config/types.ts';
import { ApiError } from './errors.ts';

export interface Caller {
  readonly name: string;
  readonly role: HttpToken['role'];
}

const READ_METHODS = new Set(['GET', 'HEAD']);

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The configured token whose hash matches, or null. Looks at every token whatever the outcome. */
export function findToken(presented: string, tokens: readonly HttpToken[]): HttpToken | null {
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: HttpToken | null = null;
  for (const token of tokens) {
    const expected = Buffer.from(token.sha256, 'hex');
    if (expected.length === digest.length && timingSafeEqual(expected, digest) && found === null) found = token;
  }
  return found;
}

const callers = new WeakMap<object, Caller>();

/** The caller `authorize` accepted for this request (set by the API's onRequest hook). */
export function callerOf(request: object): Caller {
  const caller = callers.get(request);
  if (!caller) throw new ApiError(401, 'unauthorized', 'not authenticated');
  return caller;
}

/** Throws ApiError 401 (no or unknown token) or 403 (read token on a write); returns the caller. */
export function authorize(request: Pick<FastifyRequest, 'headers' | 'method'>, tokens: readonly HttpToken[]): Caller {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) throw new ApiError(401, 'unauthorized', 'missing bearer token: send "Authorization: Bearer TOKEN"');
  const token = findToken(match[1], tokens);
  if (!token) throw new ApiError(401, 'unauthorized', 'unknown token');
  if (token.role !== 'admin' && !READ_METHODS.has(request.method)) {
    throw new ApiError(403, 'forbidden', `token "${token.name}" has role ${token.role}: it may only read`);
  }
  const caller: Caller = { name: token.name, role: token.role };
  callers.set(request, caller);
  return caller;
}
