import { describe, expect, it } from 'vitest';

import type { SeatsyncConfig } from '../../../src/config/types.ts';
import { silentLogger } from '../../../src/logging.ts';
import { followConfig, type DeliveryChannels } from '../../../src/notify/delivery-channels.ts';

// Only the fields the channels read: no mail transport, no targets.
const aConfig = (): SeatsyncConfig => ({ notify: null, targets: [], sources: [], pools: [] }) as unknown as SeatsyncConfig;

describe('delivery channels follow the config', () => {
  it('keeps the same channels between passes while the config stays, new ones after a change', async () => {
    let config = aConfig();
    const following = followConfig(() => config, silentLogger());
    const first = await following.use(async (c) => c);
    expect(await following.use(async (c) => c)).toBe(first);
    config = aConfig();
    const second = await following.use(async (c) => c);
    expect(second).not.toBe(first);
    expect(second.config).toBe(config);
    await following.close();
  });

  it('a pass that began before the change keeps its channels to the end', async () => {
    let config = aConfig();
    const following = followConfig(() => config, silentLogger());
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let during: DeliveryChannels | null = null;
    const long = following.use(async (c) => {
      await held;
      during = c;
      return c;
    });
    config = aConfig();
    const other = await following.use(async (c) => c);
    release();
    const used = await long;
    expect(during).toBe(used);
    expect(used).not.toBe(other);
    expect(used.config).not.toBe(config);
    await following.close();
  });
});
