// SMTP with nodemailer: implicit TLS (`secure`, port 465) or STARTTLS (`requireTls` makes it mandatory;
// without it nodemailer still upgrades when the server offers STARTTLS), optional AUTH, a custom CA added
// to the system roots, certificate verification on unless `rejectUnauthorized: false`.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { createTransport } from 'nodemailer';
import type { SmtpConfig } from '../../config/types.ts';
import { composeMessage, DeliveryError, type MailMessage, type MailTransport, type SendResult } from './transport.ts';

export interface SmtpTransportOptions {
  readonly smtp: SmtpConfig;
  /** `notify.from`. */
  readonly from: string;
  /** TCP connect + TLS handshake limit; default 30 s. */
  readonly connectionTimeoutMs?: number;
  /** Wait for the server's greeting; default 30 s. */
  readonly greetingTimeoutMs?: number;
  /** Inactivity on an open connection; default 60 s (nodemailer's own default is 10 min). */
  readonly socketTimeoutMs?: number;
}

type Transporter = ReturnType<typeof createTransport>;
type TransportOptions = Parameters<typeof createTransport>[0];

export class SmtpTransport implements MailTransport {
  readonly kind = 'smtp' as const;
  readonly description: string;
  readonly #options: TransportOptions;
  /** nodemailer is loaded on the first message: most commands never send one. */
  #transporter: Promise<Transporter> | null = null;
  readonly #from: string;

  constructor(options: SmtpTransportOptions) {
    const { smtp } = options;
    this.#from = options.from;
    const mode = smtp.secure ? 'TLS' : smtp.requireTls ? 'STARTTLS required' : 'STARTTLS when offered';
    this.description = `smtp://${smtp.host}:${smtp.port} (${mode}${smtp.user ? `, user ${smtp.user}` : ''})`;
    this.#options = {
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp.requireTls,
      ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
      tls: {
        rejectUnauthorized: smtp.rejectUnauthorized,
        ...(smtp.caFile ? { ca: [...rootCertificates, readCa(smtp.caFile)] } : {}),
      },
      connectionTimeout: options.connectionTimeoutMs ?? 30_000,
      greetingTimeout: options.greetingTimeoutMs ?? 30_000,
      socketTimeout: options.socketTimeoutMs ?? 60_000,
    };
  }

  #open(): Promise<Transporter> {
    this.#transporter ??= import('nodemailer').then((nodemailer) => nodemailer.createTransport(this.#options));
    return this.#transporter;
  }

  async send(message: MailMessage): Promise<SendResult> {
    try {
      const transporter = await this.#open();
      const info = await transporter.sendMail(composeMessage(message, this.#from));
      if (info.rejected.length > 0) {
        throw new DeliveryError(`recipient refused: ${info.rejected.join(', ')}`, { code: 'recipient-rejected', retryable: false });
      }
      return { messageId: info.messageId ?? null };
    } catch (error) {
      throw mapSmtpError(error);
    }
  }

  async verify(): Promise<void> {
    try {
      await (await this.#open()).verify();
    } catch (error) {
      throw mapSmtpError(error);
    }
  }

  async close(): Promise<void> {
    const transporter = this.#transporter;
    this.#transporter = null;
    if (transporter) (await transporter).close();
  }
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new DeliveryError(`cannot read notify.smtp CA file ${path}: ${(error as Error).message}`, {
      code: 'config',
      retryable: false,
      cause: error,
    });
  }
}

interface NodemailerError {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
}

const CONNECTION_CODES: Record<string, 'connection' | 'timeout' | 'tls'> = {
  ECONNECTION: 'connection',
  ESOCKET: 'connection',
  EDNS: 'connection',
  EPROXY: 'connection',
  ETIMEDOUT: 'timeout',
  ETLS: 'tls',
};

const TLS_FAILURE = /certificate|self[- ]signed|\bCERT_|\bERR_TLS|\bSSL\b|handshake/i;

/**
 * Library error → DeliveryError. Retryable: no connection, timeouts, TLS failures (a relay being
 * restarted or a certificate being rotated) and every 4xx reply. Not retryable: refused credentials
 * (5xx AUTH), refused recipients or sender, other 5xx replies, configuration errors.
 */
export function mapSmtpError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const e = (error ?? {}) as NodemailerError;
  const reply = typeof e.responseCode === 'number' ? e.responseCode : null;
  const detail = e.response ?? e.message ?? String(error);
  const make = (code: ConstructorParameters<typeof DeliveryError>[1]['code'], retryable: boolean): DeliveryError =>
    new DeliveryError(`SMTP ${code}: ${detail}`, { code, retryable, cause: error });

  if (e.code === 'ETLS') return make('tls', true); // also a refused STARTTLS, whatever its reply code
  if (reply !== null && reply >= 400 && reply < 500) return make('temporary', true);
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') return make('auth', false);
  if (e.code === 'EENVELOPE') return make(/MAIL FROM/i.test(e.command ?? '') ? 'sender-rejected' : 'recipient-rejected', false);
  if (reply !== null && reply >= 500) {
    if (/^RCPT/i.test(e.command ?? '')) return make('recipient-rejected', false);
    if (/^MAIL/i.test(e.command ?? '')) return make('sender-rejected', false);
    // 503 is a bad command sequence, not a refusal of the message: a new connection may succeed.
    return make('message-rejected', reply === 503);
  }
  const connection = e.code ? CONNECTION_CODES[e.code] : undefined;
  // A failed certificate check surfaces as a socket error: tell it apart, it is not an outage.
  if (connection === 'connection' && TLS_FAILURE.test(e.message ?? '')) return make('tls', true);
  if (connection) return make(connection, true);
  if (e.code === 'ECONFIG') return make('config', false);
  return make('unknown', true);
}
