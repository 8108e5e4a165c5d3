// The few Graph calls the Entra source makes, over the official client: JSON pages and `$count`.
import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';

/** One page of a Graph collection (list, delta, transitive members). */
export interface GraphPage {
  readonly value: readonly Record<string, unknown>[];
  readonly '@odata.nextLink'?: string;
  readonly '@odata.deltaLink'?: string;
}

export class GraphApi {
  private readonly client: Client;
  private readonly signal: AbortSignal | undefined;

  constructor(client: Client, signal?: AbortSignal) {
    this.client = client;
    this.signal = signal;
  }

  /** GET a path (`/users?…`) or an absolute link Graph returned (`@odata.nextLink`, `@odata.deltaLink`). */
  async page(pathOrLink: string, signal?: AbortSignal): Promise<GraphPage> {
    const body = (await this.request(pathOrLink, signal).get()) as unknown;
    if (typeof body !== 'object' || body === null || !Array.isArray((body as GraphPage).value)) {
      throw new Error(`Graph answered ${pathOrLink.split('?')[0]} without a "value" array`);
    }
    return body as GraphPage;
  }

  async object(path: string): Promise<Record<string, unknown>> {
    return (await this.request(path).get()) as Record<string, unknown>;
  }

  /** `…/$count` needs the advanced-query header; the answer is a plain-text number. */
  async count(path: string): Promise<number> {
    const text: unknown = await this.request(path).header('ConsistencyLevel', 'eventual').responseType(ResponseType.TEXT).get();
    const count = Number(String(text).trim());
    if (!Number.isInteger(count)) throw new Error(`Graph answered ${path} with "${String(text).slice(0, 40)}", not a count`);
    return count;
  }

  private request(pathOrLink: string, signal?: AbortSignal) {
    const combined = signal && this.signal ? AbortSignal.any([signal, this.signal]) : (signal ?? this.signal);
    const request = this.client.api(pathOrLink);
    return combined ? request.option('signal', combined) : request;
  }
}
