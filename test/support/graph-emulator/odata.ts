// OData query handling shared by the emulator's Graph endpoints: $select, $top, $filter (by id), opaque
// paging and delta tokens, and Graph's error body.
import { randomUUID } from 'node:crypto';
import { canonicalUserProperty, DEFAULT_USER_SELECT } from './user-properties.ts';

export class GraphHttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function graphErrorBody(code: string, message: string): string {
  const date = new Date().toISOString().replace(/\.\d{3}Z$/, '');
  return JSON.stringify({ error: { code, message, innerError: { date, 'request-id': randomUUID(), 'client-request-id': randomUUID() } } });
}

export function parseSelect(query: URLSearchParams): string[] {
  const raw = query.get('$select');
  if (raw === null || raw.trim() === '') return [...DEFAULT_USER_SELECT];
  const names = raw.split(',').map((name) => name.trim()).filter((name) => name !== '');
  return names.map((name) => {
    const canonical = canonicalUserProperty(name);
    if (!canonical) {
      throw new GraphHttpError(400, 'Request_BadRequest', `Could not find a property named '${name}' on type 'microsoft.graph.user'.`);
    }
    return canonical;
  });
}

/** Graph's directory collections page at 100 by default and accept `$top` from 1 to 999. */
export function parseTop(query: URLSearchParams, defaultTop = 100): number {
  const raw = query.get('$top');
  if (raw === null) return defaultTop;
  const top = Number(raw);
  if (!Number.isInteger(top) || top < 1 || top > 999) {
    throw new GraphHttpError(400, 'Request_UnsupportedQuery', `Invalid page size specified: '${raw}'. Must be between 1 and 999 inclusive.`);
  }
  return top;
}

/** The `$filter` forms the emulator understands: `id eq '…'` (joined by `or`) and `id in ('…', …)`. */
export function parseIdFilter(query: URLSearchParams): Set<string> | null {
  const raw = query.get('$filter');
  if (raw === null) return null;
  const inMatch = /^\s*id\s+in\s+\(([^)]*)\)\s*$/i.exec(raw);
  const list = inMatch ? inMatch[1]!.split(',') : raw.split(/\s+or\s+/i).map((part) => /^\s*id\s+eq\s+(.*)$/i.exec(part)?.[1] ?? '\0');
  const ids = list.map((item) => /^\s*'([^']*)'\s*$/.exec(item)?.[1]);
  if (ids.some((id) => id === undefined)) {
    throw new GraphHttpError(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified: '${raw}'.`);
  }
  return new Set(ids as string[]);
}

export function encodeToken(state: object): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

export function decodeToken<T>(token: string, what: string): T {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    throw new GraphHttpError(400, 'Request_BadRequest', `The ${what} is not valid.`);
  }
}

/** `?a=b&c=d` with `$` left readable, as Graph writes its links. */
export function queryString(params: Readonly<Record<string, string>>): string {
  const parts = Object.entries(params).map(([key, value]) => `${key}=${encodeURIComponent(value)}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}
