// The SCIM 2.0 calls seatsync makes (RFC 7644): find by filter, create, PATCH, delete, list pages, and
// the ServiceProviderConfig. Every answer that is not what the call needs becomes a `DeliveryError`.
import type { ScimTargetConfig } from '../../config/types.ts';
import { DeliveryError } from '../../notify/transports/transport.ts';
import { HttpClient, statusError, type HttpRequest, type HttpResponse } from '../http-request.ts';
import { scimAuth, type ScimAuth } from './scim-auth.ts';

export const SCIM_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface ScimResource {
  readonly id: string;
  readonly [key: string]: unknown;
}

export interface PatchOperation {
  readonly op: 'add' | 'remove' | 'replace';
  readonly path?: string;
  readonly value?: unknown;
}

export class ScimConflict extends Error {
  readonly code = 'conflict';
}

/** A value inside a SCIM filter string: a JSON string literal (RFC 7644 §3.4.2.2 compares JSON values). */
export function filterValue(value: string): string {
  return JSON.stringify(value);
}

export class ScimClient {
  readonly #base: string;
  readonly #http: HttpClient;
  readonly #auth: ScimAuth;

  constructor(config: Pick<ScimTargetConfig, 'url' | 'auth' | 'tls' | 'timeoutMs'>) {
    this.#base = config.url;
    this.#http = new HttpClient({ tls: config.tls, timeoutMs: config.timeoutMs });
    this.#auth = scimAuth(config.auth, this.#http);
  }

  async findOne(endpoint: 'Users' | 'Groups', filter: string): Promise<ScimResource | null> {
    const page = await this.list(endpoint, { filter, startIndex: 1, count: 2 });
    return page.resources[0] ?? null;
  }

  async list(
    endpoint: 'Users' | 'Groups',
    options: { readonly filter?: string; readonly startIndex: number; readonly count: number; readonly attributes?: string },
  ): Promise<{ resources: ScimResource[]; totalResults: number }> {
    const query = new URLSearchParams({ startIndex: String(options.startIndex), count: String(options.count) });
    if (options.filter !== undefined) query.set('filter', options.filter);
    if (options.attributes !== undefined) query.set('attributes', options.attributes);
    const res = await this.#call({ method: 'GET', url: `${this.#base}/${endpoint}?${query.toString()}` }, `list ${endpoint}`);
    const body = parseJson(res.body, `list ${endpoint}`) as { Resources?: unknown; totalResults?: unknown };
    const resources = Array.isArray(body.Resources) ? body.Resources.filter(isResource) : [];
    return { resources, totalResults: typeof body.totalResults === 'number' ? body.totalResults : resources.length };
  }

  async get(endpoint: 'Users' | 'Groups', id: string): Promise<ScimResource | null> {
    const res = await this.#call({ method: 'GET', url: this.#url(endpoint, id) }, `read ${endpoint}`, { allow: [404] });
    return res.status === 404 ? null : resource(res, `read ${endpoint}`);
  }

  /** Throws `ScimConflict` on 409 (the application has such a resource already). */
  async create(endpoint: 'Users' | 'Groups', body: Record<string, unknown>): Promise<ScimResource> {
    const res = await this.#call({ method: 'POST', url: `${this.#base}/${endpoint}`, body: JSON.stringify(body) }, `create in ${endpoint}`, { allow: [409] });
    if (res.status === 409) throw new ScimConflict(`the application already has this resource in ${endpoint}`);
    return resource(res, `create in ${endpoint}`);
  }

  /** `gone` when the resource no longer exists (404). */
  async patch(endpoint: 'Users' | 'Groups', id: string, operations: readonly PatchOperation[]): Promise<'patched' | 'gone'> {
    const body = JSON.stringify({ schemas: [PATCH_OP_SCHEMA], Operations: operations });
    const res = await this.#call({ method: 'PATCH', url: this.#url(endpoint, id), body }, `update ${endpoint}/${id}`, { allow: [404] });
    return res.status === 404 ? 'gone' : 'patched';
  }

  /** A resource already gone counts as deleted. */
  async delete(endpoint: 'Users' | 'Groups', id: string): Promise<void> {
    await this.#call({ method: 'DELETE', url: this.#url(endpoint, id) }, `delete ${endpoint}/${id}`, { allow: [404] });
  }

  async serviceProviderConfig(): Promise<Record<string, unknown>> {
    const res = await this.#call({ method: 'GET', url: `${this.#base}/ServiceProviderConfig` }, 'read ServiceProviderConfig');
    return parseJson(res.body, 'ServiceProviderConfig') as Record<string, unknown>;
  }

  close(): void {
    this.#http.close();
  }

  #url(endpoint: string, id: string): string {
    return `${this.#base}/${endpoint}/${encodeURIComponent(id)}`;
  }

  async #call(req: HttpRequest, what: string, options: { readonly allow?: readonly number[] } = {}): Promise<HttpResponse> {
    const send = async (): Promise<HttpResponse> =>
      this.#http.request({
        ...req,
        headers: { authorization: await this.#auth.header(), accept: 'application/scim+json, application/json', ...(req.body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
      });
    let res = await send();
    if (res.status === 401) {
      // An OAuth token may have been revoked before its expiry: one new token, one more try.
      this.#auth.reset();
      res = await send();
    }
    if ((res.status >= 200 && res.status < 300) || options.allow?.includes(res.status)) return res;
    throw statusError(what, res);
  }
}

function isResource(value: unknown): value is ScimResource {
  return value !== null && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string';
}

function resource(res: HttpResponse, what: string): ScimResource {
  const body = parseJson(res.body, what);
  if (!isResource(body)) throw new DeliveryError(`${what}: the answer has no id`, { code: 'bad-request', retryable: false });
  return body;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DeliveryError(`${what}: the answer is not JSON`, { code: 'server', retryable: true });
  }
}
