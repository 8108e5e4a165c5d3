// Builds the mail transport `notify` configures. The one place that knows every transport kind.
import type { NotifyConfig, SourceConfig } from '../../config/types.ts';
import type { Logger } from '../../logging.ts';
import { GraphTransport } from './graph-transport.ts';
import { LogTransport } from './log-transport.ts';
import { SmtpTransport } from './smtp-transport.ts';
import { DeliveryError, type MailTransport } from './transport.ts';

export interface CreateTransportDeps {
  /** The configured sources: the Graph transport borrows the app registration of an `entra` one. */
  readonly sources: readonly SourceConfig[];
  readonly logger: Logger;
}

/** Throws `DeliveryError` with code `config` when the configuration cannot work (unknown source, CA file). */
export function createTransport(notify: NotifyConfig, deps: CreateTransportDeps): MailTransport {
  const transport = notify.transport;
  switch (transport.kind) {
    case 'smtp':
      return new SmtpTransport({ smtp: transport.smtp, from: notify.from });
    case 'graph': {
      const source = deps.sources.find((s) => s.name === transport.source);
      if (!source || source.kind !== 'entra') {
        throw new DeliveryError(`notify.graph.source "${transport.source}" is not an entra source`, { code: 'config', retryable: false });
      }
      return new GraphTransport({ source, sender: transport.sender, from: notify.from });
    }
    case 'log':
      return new LogTransport({ logger: deps.logger, from: notify.from });
    default: {
      const unknown: never = transport;
      throw new DeliveryError(`unknown notify transport ${(unknown as { kind: string }).kind}`, { code: 'config', retryable: false });
    }
  }
}
