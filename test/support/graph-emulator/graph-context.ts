// What every emulated Graph handler receives, and what it returns.
import type { IncomingHttpHeaders } from 'node:http';
import type { GraphDirectory, Json } from './directory.ts';
import { GraphHttpError } from './odata.ts';

export interface GraphContext {
  readonly directory: GraphDirectory;
  /** `https://127.0.0.1:PORT`, the base of every link the emulator writes. */
  readonly origin: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Delta tokens of another epoch have expired (410). */
  readonly deltaEpoch: number;
  /** Entries per users/delta page (Graph ignores `$top` there and picks its own size). */
  readonly deltaPageSize: number;
}

export interface GraphResult {
  readonly status: number;
  /** JSON body, or text when `text` is set; none for 202/204. */
  readonly body?: unknown;
  readonly text?: string;
  readonly headers?: Record<string, string>;
}

const EXTENSION_ATTRIBUTES = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`extensionAttribute${i + 1}`, null]));

/** A user as `/users` returns it: every selected property, null when unset. */
export function renderUser(props: Readonly<Record<string, Json>>, select: readonly string[]): Record<string, Json> {
  const out: Record<string, Json> = { id: props.id ?? null };
  for (const name of select) {
    const value = props[name];
    if (name === 'onPremisesExtensionAttributes') out[name] = { ...EXTENSION_ATTRIBUTES, ...((value as Record<string, Json> | undefined) ?? {}) };
    else out[name] = value ?? null;
  }
  return out;
}

/** Graph answers `$count` only for advanced queries (`ConsistencyLevel: eventual`). */
export function requireEventualConsistency(ctx: GraphContext): void {
  if (String(ctx.headers.consistencylevel ?? '').toLowerCase() !== 'eventual') {
    throw new GraphHttpError(400, 'Request_BadRequest', 'Count is not currently supported. Use the ConsistencyLevel: eventual request header for advanced queries.');
  }
}

/** Query parameters of a request minus the paging token, to carry into the next link. */
export function carriedParams(query: URLSearchParams): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of query) if (key.toLowerCase() !== '$skiptoken') params[key] = value;
  return params;
}

export function notFound(id: string): GraphHttpError {
  return new GraphHttpError(404, 'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}
