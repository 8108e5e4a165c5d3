// `POST /v1.0/users/{id|upn}/sendMail`: validates the body as Graph does and records the message (202).
// Both of Graph's formats: JSON (`Content-Type: application/json`) and MIME (`text/plain`, the RFC 5322
// message base64-encoded; always saved to Sent Items).
import { parseMail } from '../smtp-mime.ts';
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
  readonly format: 'json' | 'mime';
  /** Header names lowercased: the MIME message's, or the JSON `internetMessageHeaders`. */
  readonly headers: ReadonlyMap<string, string>;
  /** The request body as received: parsed JSON, or the decoded MIME message. */
  readonly raw: unknown;
}

type Recipient = { emailAddress?: { address?: unknown; name?: unknown } };

export function sendMail(ctx: GraphContext, sender: string, clientId: string, bodyText: string, outbox: SentMail[]): GraphResult {
  if (!ctx.directory.findUser(sender)) throw notFound(sender);
  const mediaType = String(ctx.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  outbox.push(mediaType === 'text/plain' ? mimeMail(sender, clientId, bodyText) : jsonMail(sender, clientId, bodyText));
  return { status: 202 };
}

function mimeMail(sender: string, clientId: string, bodyText: string): SentMail {
  const base64 = bodyText.replace(/\s+/g, '');
  if (base64 === '' || base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
    throw new GraphHttpError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
  }
  const mime = Buffer.from(base64, 'base64').toString('utf8');
  const mail = parseMail(mime);
  if (!/\r?\n\r?\n/.test(mime) || mail.headers.size === 0 || !mail.headers.has('from')) {
    throw new GraphHttpError(400, 'ErrorMimeContentInvalid', 'Invalid MIME content.');
  }
  const addresses = (field: string): string[] => (mail.headers.get(field) ?? '').match(/[^\s<>,;"]+@[^\s<>,;"]+/g) ?? [];
  const to = addresses('to');
  const cc = addresses('cc');
  if (to.length + cc.length === 0) {
    throw new GraphHttpError(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid., A message can\'t be sent because it contains no recipients.');
  }
  return {
    sender,
    clientId,
    subject: mail.subject,
    contentType: mail.html === null ? 'text' : 'html',
    content: mail.html ?? mail.text ?? '',
    to,
    cc,
    bcc: [],
    saveToSentItems: true,
    format: 'mime',
    headers: mail.headers,
    raw: mime,
  };
}

function jsonMail(sender: string, clientId: string, bodyText: string): SentMail {
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
  const headers = Array.isArray(message.internetMessageHeaders) ? (message.internetMessageHeaders as { name?: unknown; value?: unknown }[]) : [];
  return {
    sender,
    clientId,
    subject: typeof message.subject === 'string' ? message.subject : '',
    contentType,
    content: typeof body.content === 'string' ? body.content : '',
    to,
    cc,
    bcc,
    saveToSentItems: saveToSentItems === undefined ? true : saveToSentItems === true || saveToSentItems === 'true',
    format: 'json',
    headers: new Map(headers.map((h) => [String(h.name).toLowerCase(), String(h.value)])),
    raw,
  };
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
