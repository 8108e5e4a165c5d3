// What a delivery pass sends through: the mail transport and the target adapters of one config. They are
// kept from one pass to the next, since they hold what is costly to make again (an SMTP connection pool,
// an OAuth token, a keep-alive agent, a SCIM application's group ids), and made anew when the config
// changes (the old ones closed). Each adapter's module is imported when it is first needed: a command or
// a pass with no mail transport or no target configured loads none of them.
import type { SeatsyncConfig, TargetConfig } from '../config/types.ts';
import type { Logger } from '../logging.ts';
import type { Target } from '../targets/target.ts';
import type { MailTransport } from './transports/transport.ts';

export class DeliveryChannels {
  readonly config: SeatsyncConfig;
  readonly #logger: Logger;
  #transport: MailTransport | null | undefined;
  readonly #targets = new Map<string, Target>();

  constructor(config: SeatsyncConfig, logger: Logger) {
    this.config = config;
    this.#logger = logger;
  }

  /** The mail transport `notify` configures; null when notifications are off. */
  async transport(): Promise<MailTransport | null> {
    const notify = this.config.notify;
    if (!notify) return null;
    if (this.#transport === undefined) {
      const { createTransport } = await import('./transports/create-transport.ts');
      this.#transport ??= createTransport(notify, { sources: this.config.sources, logger: this.#logger });
    }
    return this.#transport;
  }

  /** The adapter of one of this config's targets; rejects when it cannot be set up (and tries again next time). */
  async target(target: TargetConfig): Promise<Target> {
    const { createTarget } = await import('../targets/create-target.ts');
    let adapter = this.#targets.get(target.name);
    if (adapter === undefined) {
      adapter = createTarget(target, this.config);
      this.#targets.set(target.name, adapter);
    }
    return adapter;
  }

  async close(): Promise<void> {
    for (const target of this.#targets.values()) target.close();
    this.#targets.clear();
    const transport = this.#transport;
    this.#transport = undefined;
    await transport?.close().catch(() => undefined);
  }
}

/** The channels of the current config: the same ones while it stays, new ones after a change. */
export interface FollowingChannels {
  /** Runs `work` with the current channels; old ones are closed once the last pass using them ends. */
  use<T>(work: (channels: DeliveryChannels) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function followConfig(config: () => SeatsyncConfig, logger: Logger): FollowingChannels {
  let channels: DeliveryChannels | null = null;
  const users = new Map<DeliveryChannels, number>();
  const closeIfUnused = async (c: DeliveryChannels): Promise<void> => {
    if (c !== channels && (users.get(c) ?? 0) === 0) await c.close();
  };
  return {
    async use(work) {
      const now = config();
      if (channels?.config !== now) {
        const previous = channels;
        channels = new DeliveryChannels(now, logger);
        if (previous) await closeIfUnused(previous);
      }
      const mine = channels;
      users.set(mine, (users.get(mine) ?? 0) + 1);
      try {
        return await work(mine);
      } finally {
        const left = (users.get(mine) ?? 1) - 1;
        if (left === 0) users.delete(mine);
        else users.set(mine, left);
        await closeIfUnused(mine);
      }
    },
    async close() {
      const last = channels;
      channels = null;
      await last?.close();
    },
  };
}

/** One command's channels: made, used by `work`, closed. */
export async function withChannels<T>(config: SeatsyncConfig, logger: Logger, work: (channels: DeliveryChannels) => Promise<T>): Promise<T> {
  const channels = new DeliveryChannels(config, logger);
  try {
    return await work(channels);
  } finally {
    await channels.close();
  }
}
