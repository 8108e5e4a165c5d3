// The factory of target adapters: one per `kind`, built from its config in the composition roots.
import type { SeatsyncConfig, TargetConfig } from '../config/types.ts';
import { ScimTarget } from './scim/scim-target.ts';
import type { Target } from './target.ts';
import { WebhookTarget } from './webhook/webhook-target.ts';

export function createTarget(target: TargetConfig, config: Pick<SeatsyncConfig, 'pools'>): Target {
  switch (target.kind) {
    case 'scim':
      return new ScimTarget(target, { pools: config.pools.map((p) => p.name) });
    case 'webhook':
      return new WebhookTarget(target);
  }
}
