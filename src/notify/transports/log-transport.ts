// Writes each message to the log instead of sending it. For the demo config, which runs with no mail
// server; never meant for production (nothing reaches the responsible person).
import type { Logger } from '../../logging.ts';
import type { MailMessage, MailTransport, SendResult } from './transport.ts';

export class LogTransport implements MailTransport {
  readonly kind = 'log' as const;
  readonly description = 'log (messages are written to the log, not sent)';
  readonly #logger: Logger;
  readonly #from: string;

  constructor(options: { readonly logger: Logger; readonly from: string }) {
    this.#logger = options.logger;
    this.#from = options.from;
  }

  async send(message: MailMessage): Promise<SendResult> {
    this.#logger.info(
      { mail: { from: this.#from, to: message.to, subject: message.subject, event: message.eventId, text: message.text } },
      'email (log transport, not sent)',
    );
    return { messageId: null };
  }

  async verify(): Promise<void> {}

  async close(): Promise<void> {}
}
