// `POST /v1.0/users/{id|upn}/sendMail`: validates the body as Graph does and records the message (202).
import { notFound, type GraphContext, type GraphResult } from './graph-context.ts';
import { GraphHttpError } from './odata.ts';

export interface SentMail {
  /** The mailbox as addressed in the URL (id or UPN). */
  readonly sender: string;
  readonly clientId: string;
  readonly subject: string;
  readonly contentType: 'text' | 'html';
  readonly content: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly saveToSentItems: boolean;
  /** The request body as received. */
  readonly raw: unknown;
}

type Recipient = { emailAddress?: { address?: unknown; name?: unknown } };

export function sendMail(ctx: GraphContext, sender: string, clientId: string, bodyText: string, outbox: SentMail[]): GraphResult {
  if (!ctx.directory.findUser(sender)) throw notFound(sender);
  let raw: unknown;
  try {
    raw = JSON.parse(bodyText);
  } catch {
    throw new GraphHttpError(400, 'RequestBodyRead', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
  const message = (raw as { message?: Record<string, unknown> } | null)?.message;
  if (!message || typeof message !== 'object') {
    throw new GraphHttpError(400, 'ErrorInvalidParameter', "The value of the parameter 'Message' is empty.");
  }
  const to = recipients(message.toRecipients ?? [], 'toRecipients');
  const cc = recipients(message.ccRecipients ?? [], 'ccRecipients');
  const bcc = recipients(message.bccRecipients ?? [], 'bccRecipients');
  if (to.length + cc.length + bcc.length === 0) {
    throw new GraphHttpError(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid., A message can\'t be sent because it contains no recipients.');
  }
  const body = (message.body ?? {}) as { contentType?: unknown; content?: unknown };
  const contentType = String(body.contentType ?? 'text').toLowerCase();
  if (contentType !== 'text' && contentType !== 'html') {
    throw new GraphHttpError(400, 'RequestBodyRead', `Requested value '${String(body.contentType)}' was not found.`);
  }
  const saveToSentItems = (raw as { saveToSentItems?: unknown }).saveToSentItems;
  outbox.push({
    sender,
    clientId,
    subject: typeof message.subject === 'string' ? message.subject : '',
    contentType,
    content: typeof body.content === 'string' ? body.content : '',
    to,
    cc,
    bcc,
    saveToSentItems: saveToSentItems === undefined ? true : saveToSentItems === true || saveToSentItems === 'true',
    raw,
  });
  return { status: 202 };
}

function recipients(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new GraphHttpError(400, 'ErrorInvalidRecipients', `The ${field} property must be an array.`);
  return (value as Recipient[]).map((recipient) => {
    const address = recipient?.emailAddress?.address;
    if (typeof address !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(address)) {
      throw new GraphHttpError(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid., Recipient is not resolved.');
    }
    return address;
  });
}
