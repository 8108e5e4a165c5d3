// Microsoft Graph `sendMail` as a configured sender mailbox (application permission Mail.Send), for
// Exchange Online tenants where SMTP AUTH is off. It uses the app registration of an `entra` source.
//
// The token is fetched with @azure/identity before each call (the credential caches it), not through the
// graph client's auth provider: the client wraps a token failure into a status-less GraphError, and the
// deliverer has to tell a refused secret (not retryable) from an unreachable login endpoint (retryable).
//
// The message goes in MIME format (`Content-Type: text/plain`, the RFC 5322 message base64-encoded), built
// by nodemailer's MailComposer from the same composition SMTP sends: Graph's JSON format accepts only `X-`
// headers, and every message must carry `Auto-Submitted`. Graph saves MIME-sent messages to Sent Items.
import type { TokenCredential } from '@azure/identity';
import { AuthenticationHandlerOptions, Client, GraphError, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import type { EntraSourceConfig } from '../../config/types.ts';
import { graphScope, trimSlash } from '../../sources/entra/graph-urls.ts';
import { composeMessage, DeliveryError, type DeliveryErrorCode, type MailMessage, type MailTransport, type SendResult } from './transport.ts';
import { retryAfterMs } from '../../retry-after.ts';

export interface GraphTransportOptions {
  /** The `entra` source whose tenant, app registration and cloud are used. */
  readonly source: EntraSourceConfig;
  /** Mailbox the messages are sent as (`notify.graph.sender`): a UPN, address or object id. */
  readonly sender: string;
  /** `notify.from`: the From when it is the sender's address (with its display name) or the sender is no address. */
  readonly from: string;
  /** Limit of one sendMail request; default 30 s. */
  readonly requestTimeoutMs?: number;
}

export class GraphTransport implements MailTransport {
  readonly kind = 'graph' as const;
  readonly description: string;
  readonly #source: EntraSourceConfig;
  /** Made on first use: @azure/identity loads only when a message goes out (not at every command's start). */
  #credential: Promise<TokenCredential> | null = null;
  readonly #scope: string;
  readonly #client: Client;
  readonly #sender: string;
  readonly #from: string;
  readonly #timeoutMs: number;

  constructor(options: GraphTransportOptions) {
    const graph = new URL(trimSlash(options.source.cloud.graph));
    this.#sender = options.sender;
    this.#from = graphFrom(options.sender, options.from);
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    // The same app registration and credential rules as the entra source it names.
    this.#scope = graphScope(options.source);
    this.#source = options.source;
    this.description = `graph ${graph.origin} as ${options.sender} (source ${options.source.name})`;
    this.#client = Client.initWithMiddleware({
      baseUrl: `${graph.origin}${graph.pathname === '/' ? '' : graph.pathname}/`,
      defaultVersion: 'v1.0',
      // The client only attaches the token to hosts it knows; a national cloud or emulator is added here.
      customHosts: new Set([graph.hostname]),
      // Each request brings its own token (see send); this one is never asked.
      authProvider: { getAccessToken: async () => '' },
    });
  }

  async send(message: MailMessage): Promise<SendResult> {
    const mime = await mimeBody(message, this.#from);
    const token = await this.#accessToken();
    try {
      await this.#client
        .api(`/users/${encodeURIComponent(this.#sender).replace(/%40/g, '@')}/sendMail`)
        .middlewareOptions([
          new AuthenticationHandlerOptions({ getAccessToken: async () => token }),
          // The outbox retries with its own backoff; retries inside one job would only hold the job.
          new RetryHandlerOptions(0, 0),
        ])
        .options({ signal: AbortSignal.timeout(this.#timeoutMs) })
        // MIME format; the client sends a string body as it is and keeps a Content-Type set here.
        .header('Content-Type', 'text/plain')
        .post(mime);
      return { messageId: null }; // sendMail answers 202 with no body
    } catch (error) {
      throw mapGraphError(error);
    }
  }

  async verify(): Promise<void> {
    await this.#accessToken();
  }

  async close(): Promise<void> {}

  async #accessToken(): Promise<string> {
    try {
      this.#credential ??= import('../../sources/entra/graph-connection.ts').then((connection) => connection.createCredential(this.#source));
      const token = await (await this.#credential).getToken(this.#scope);
      if (!token) throw new DeliveryError('no access token returned for Microsoft Graph', { code: 'auth', retryable: true });
      return token.token;
    } catch (error) {
      throw mapTokenError(error);
    }
  }
}

/**
 * The From of the MIME message. Exchange sends as the mailbox in the URL whatever the From says (and refuses
 * another address without Send As rights), so it is the sender's address; `notify.from` when it names that
 * address (its display name is kept) or when the sender is an object id.
 */
export function graphFrom(sender: string, from: string): string {
  const fromAddress = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  if (!sender.includes('@') || fromAddress.trim().toLowerCase() === sender.toLowerCase()) return from;
  return sender;
}

/** The sendMail body in MIME format (https://learn.microsoft.com/graph/outlook-send-mime-message): base64. */
export async function mimeBody(message: MailMessage, from: string): Promise<string> {
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  const mime = await new MailComposer(composeMessage(message, from)).compile().build();
  return mime.toString('base64');
}

/** Graph reply → DeliveryError: 429 and 5xx (and no reply at all) are retryable, other 4xx are not. */
export function mapGraphError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (!(error instanceof GraphError)) {
    return new DeliveryError(`Graph request failed: ${(error as Error)?.message ?? String(error)}`, {
      code: 'connection',
      retryable: true,
      cause: error,
    });
  }
  const status = error.statusCode;
  const detail = `Graph sendMail ${status > 0 ? status : 'failed'}${error.code ? ` ${error.code}` : ''}: ${error.message}`;
  const make = (code: DeliveryErrorCode, retryable: boolean): DeliveryError =>
    new DeliveryError(detail, { code, retryable, retryAfterMs: retryAfterMs(error.headers?.get('retry-after')), cause: error });
  if (status <= 0) return make(/abort|timeout/i.test(`${error.code} ${error.message}`) ? 'timeout' : 'connection', true);
  if (status === 429) return make('throttled', true);
  if (status >= 500 || status === 408) return make('server', true);
  if (status === 401 || status === 403) return make('auth', false);
  if (status === 404 || error.code === 'ErrorInvalidUser' || error.code === 'MailboxNotEnabledForRESTAPI') {
    return make('sender-rejected', false);
  }
  if (error.code === 'ErrorInvalidRecipients') return make('recipient-rejected', false);
  return make('bad-request', false);
}

interface TokenErrorLike {
  name?: string;
  message?: string;
  statusCode?: number;
  errorResponse?: { error?: string };
}

/** Entra's answers that mean "this app registration or secret is refused" (OAuth2 error codes, AADSTS). */
const REFUSED = /\b(invalid_client|unauthorized_client|invalid_grant|invalid_request|invalid_resource|invalid_scope)\b|AADSTS\d+/;

/** @azure/identity failure → DeliveryError: a refused app registration is not retryable, an outage is. */
export function mapTokenError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const e = (error ?? {}) as TokenErrorLike;
  const message = `cannot get a Microsoft Graph token: ${e.message ?? String(error)}`;
  const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
  if (status === 429) return new DeliveryError(message, { code: 'throttled', retryable: true, cause: error });
  if (status >= 500) return new DeliveryError(message, { code: 'server', retryable: true, cause: error });
  const refusedStatus = status >= 400 && status !== 408;
  if (refusedStatus || REFUSED.test(e.message ?? '') || e.name === 'AuthenticationRequiredError') {
    return new DeliveryError(message, { code: 'auth', retryable: false, cause: error });
  }
  // No answer from the login endpoint (DNS, refused, reset, timeout): an outage.
  return new DeliveryError(message, { code: 'connection', retryable: true, cause: error });
}

