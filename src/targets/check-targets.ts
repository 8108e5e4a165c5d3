// `seatsync check` for the targets: a SCIM target's ServiceProviderConfig (PATCH and filter, which
// seatsync needs) and a listing of one user; a webhook receiver's answer to a signed `seatsync.ping`.
// The adapters' module is imported only when a target is configured.
import type { SeatsyncConfig } from '../config/types.ts';
import type { Target } from './target.ts';

export interface TargetCheck {
  readonly target: string;
  readonly kind: 'scim' | 'webhook';
  readonly ok: boolean;
  readonly detail: string;
}

export async function checkTargets(config: Pick<SeatsyncConfig, 'targets' | 'pools'>): Promise<TargetCheck[]> {
  const results: TargetCheck[] = [];
  for (const target of config.targets) {
    let adapter: Target | null = null;
    try {
      const { createTarget } = await import('./create-target.ts');
      adapter = createTarget(target, config);
      const result = await adapter.check();
      results.push({ target: target.name, kind: target.kind, ...result });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const message = error instanceof Error ? error.message : String(error);
      results.push({ target: target.name, kind: target.kind, ok: false, detail: typeof code === 'string' ? `${code}: ${message}` : message });
    } finally {
      adapter?.close();
    }
  }
  return results;
}
